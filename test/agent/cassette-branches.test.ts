import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createModelWorkerLauncher } from "../../src/agent/model/model-worker.ts";
import type { ToolResult } from "../../src/agent/tools/tool-definition.ts";
import type { WorkerExit } from "../../src/agent/worker.ts";
import { ManualClock } from "../../src/clock.ts";
import { CassetteError, checkCassettePlaybooks, parseCassette } from "../../src/model/cassette.ts";
import { CassetteCursor } from "../../src/model/client/cassette-cursor.ts";
import { createReplayClientFor } from "../../src/model/client/replay.ts";
import { renderPrompt } from "../../src/prompts/prompt-templates.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

let checkout: string;
beforeEach(async () => {
  checkout = await mkdtemp(join(tmpdir(), "supervise-branches-"));
});
afterEach(async () => {
  await rm(checkout, { recursive: true, force: true });
});

/** Answers each claim with the next verdict, then accepts. */
class ScriptedVerdicts extends FakeWorkerServices {
  private readonly verdicts: ToolResult[];
  constructor(checkoutPath: string, verdicts: ToolResult[]) {
    super(checkoutPath);
    this.verdicts = verdicts;
  }
  override async claimDone(summary: string): Promise<ToolResult> {
    this.claimVerdict = this.verdicts.shift() ?? { isError: false, text: "Your claim was accepted." };
    return super.claimDone(summary);
  }
}

/** A rejection as the supervisor words it: one line per failing gate (src/run/worker-prompt.ts). */
function rejection(gate: string, detail: string): ToolResult {
  return {
    isError: true,
    text: `Your claim that workstream ws1 is done was **rejected** (claim 1, commit abc1234).\n\n- ${gate}: fail — ${detail}\n\nFix what the evidence shows.`,
  };
}

const cassette = (yaml: string) => parseCassette(parse(yaml), "branches.yaml");

const claimWithBranches = cassette(`
turns:
  - content:
      - { type: tool_use, name: claim_done, input: { summary: "Implementation complete." } }
    branches:
      - when: { rejected_gate: diff_scope }
        turns:
          - content:
              - { type: text, text: "Only tests changed; writing the code." }
              - { type: tool_use, name: write_file, input: { path: real.txt, content: "code\\n" } }
          - content:
              - { type: tool_use, name: claim_done, input: { summary: "Wrote the code." } }
      - when: { rejected_gate: local_check }
        turns:
          - content:
              - { type: tool_use, name: bash, input: { command: "npm test" } }
          - content:
              - { type: tool_use, name: claim_done, input: { summary: "Tests pass now." } }
  - content:
      - { type: text, text: "Accepted; done." }
`);

async function replay(
  client: Anthropic,
  services: FakeWorkerServices,
  prompt = "Write the code and claim.",
): Promise<WorkerExit> {
  const launcher = createModelWorkerLauncher({
    client,
    model: "claude-sonnet-5-5",
    maxTokens: 4096,
    clock: new ManualClock(),
    transcriptFor: () => ({ write: () => {} }),
  });
  return launcher.start({
    workstream: testWorkstream("ws1"),
    attempt: 1,
    prompt,
    checkoutPath: checkout,
    services,
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    onActivity: () => {},
    onUsage: async () => {},
  });
}

const servicesUsed = (services: FakeWorkerServices) =>
  services.calls.map((call) => `${call.service} ${JSON.stringify(call.input)}`);

describe("cassette branches", () => {
  it("takes the branch of the gate that rejected the claim, then goes on with the main line", async () => {
    const services = new ScriptedVerdicts(checkout, [rejection("diff_scope", "only tests changed")]);
    const exit = await replay(createReplayClientFor(claimWithBranches, "branches.yaml"), services);
    expect(servicesUsed(services)).toEqual([
      'claimDone "Implementation complete."',
      'claimDone "Wrote the code."',
    ]);
    expect(exit.outputTail).toBe("Only tests changed; writing the code.\nAccepted; done.");
  });

  it("picks another branch for another gate, and none when the claim is accepted", async () => {
    const failingTests = new ScriptedVerdicts(checkout, [rejection("local_check", "npm test exited 1")]);
    await replay(createReplayClientFor(claimWithBranches, "branches.yaml"), failingTests);
    expect(servicesUsed(failingTests)).toEqual([
      'claimDone "Implementation complete."',
      'runCommand {"command":"npm test","timeoutMs":300000}',
      'claimDone "Tests pass now."',
    ]);

    const accepted = new ScriptedVerdicts(checkout, []);
    const exit = await replay(createReplayClientFor(claimWithBranches, "branches.yaml"), accepted);
    expect(servicesUsed(accepted)).toEqual(['claimDone "Implementation complete."']);
    expect(exit.description).toBe("the model ended its turn after its claim was accepted");
  });

  it("does not mistake the definition of done for a rejection", async () => {
    // The task lists every gate as "- diff_scope: <what it checks>", never with a status.
    const services = new ScriptedVerdicts(checkout, []);
    const client = createReplayClientFor(
      cassette(`
turns:
  - content: [ { type: text, text: "Reading the task." } ]
    stop_reason: pause_turn
    branches:
      - when: { rejected_gate: diff_scope }
        turns: [ { content: [ { type: text, text: "WRONG BRANCH" } ] } ]
  - content: [ { type: text, text: "Right." } ]
`),
      "task.yaml",
    );
    const exit = await replay(
      client,
      services,
      "Done when:\n- diff_scope: the change touches real source, and no test is deleted",
    );
    expect(exit.outputTail).toBe("Reading the task.\nRight.");
  });

  it("takes a branch when the supervisor intervenes with a playbook, by the playbook's id", async () => {
    const title = "Tests or stubs only, no real change";
    const services = new ScriptedVerdicts(checkout, []);
    services.pendingMessages = [renderPrompt("intervention", { title, guidance: "Write the real code." })];
    const client = createReplayClientFor(
      cassette(`
turns:
  - content: [ { type: tool_use, name: bash, input: { command: "git status" } } ]
    branches:
      - when: { intervention: looping-on-one-command }
        turns: [ { content: [ { type: text, text: "WRONG BRANCH" } ] } ]
      - when: { intervention: stub-implementation, text_contains: "real code" }
        turns: [ { content: [ { type: text, text: "Writing the real code." } ] } ]
`),
      "intervention.yaml",
      {
        interventionTitles: new Map([
          ["stub-implementation", title],
          ["looping-on-one-command", "Looping on one failing command"],
        ]),
      },
    );
    const exit = await replay(client, services);
    expect(exit.outputTail).toBe("Writing the real code.");
  });

  it("chooses on the restart prompt of the next start, as one cursor runs across starts", async () => {
    const client = createReplayClientFor(
      cassette(`
turns:
  - content: [ { type: text, text: "I need a human to decide." } ]
    branches:
      - when: { text_contains: "denied" }
        turns: [ { content: [ { type: text, text: "Stopping, as the human denied it." } ] } ]
      - turns: [ { content: [ { type: text, text: "Going ahead." } ] } ]
`),
      "restart.yaml",
    );
    const first = await replay(client, new ScriptedVerdicts(checkout, []));
    expect(first.outputTail).toBe("I need a human to decide.");
    const second = await replay(client, new ScriptedVerdicts(checkout, []), "A human decided: denied.");
    expect(second.outputTail).toBe("Stopping, as the human denied it.");

    const other = createReplayClientFor(
      cassette(`
turns:
  - content: [ { type: text, text: "I need a human to decide." } ]
    branches:
      - when: { text_contains: "denied" }
        turns: [ { content: [ { type: text, text: "Stopping." } ] } ]
      - turns: [ { content: [ { type: text, text: "Going ahead." } ] } ]
`),
      "restart.yaml",
    );
    await replay(other, new ScriptedVerdicts(checkout, []));
    const approved = await replay(other, new ScriptedVerdicts(checkout, []), "A human decided: approved.");
    expect(approved.outputTail).toBe("Going ahead.");
  });
});

describe("the cassette cursor", () => {
  const nested = cassette(`
turns:
  - content: [ { type: text, text: "1" } ]
    branches:
      - when: { text_contains: "a" }
        turns:
          - content: [ { type: text, text: "1a" } ]
            branches:
              - when: { text_contains: "b" }
                turns: [ { content: [ { type: text, text: "1ab" } ] } ]
          - content: [ { type: text, text: "1a-2" } ]
      - turns: [ { content: [ { type: text, text: "1-default" } ] } ]
  - content: [ { type: text, text: "2" } ]
`);
  const texts = (cursor: CassetteCursor, said: string[]) =>
    said.map((text) => {
      const turn = cursor.next((when) => when === undefined || text.includes(when.text_contains ?? "\u0000"));
      return turn ? (turn.content[0] as { text: string }).text : null;
    });

  it("walks nested branches and returns to the line each came from", () => {
    expect(texts(new CassetteCursor(nested.turns), ["", "a", "b", "", "", ""])).toEqual([
      "1",
      "1a",
      "1ab",
      "1a-2",
      "2",
      null,
    ]);
    expect(texts(new CassetteCursor(nested.turns), ["", "a", "", "", ""])).toEqual([
      "1",
      "1a",
      "1a-2",
      "2",
      null,
    ]);
    expect(texts(new CassetteCursor(nested.turns), ["", "", "", ""])).toEqual(["1", "1-default", "2", null]);
  });

  it("on a resume, skips served turns along the default branches", () => {
    const cursor = new CassetteCursor(nested.turns);
    cursor.skip(2);
    expect(cursor.served).toBe(2);
    expect(texts(cursor, ["a", ""])).toEqual(["2", null]);
  });

  it("plays a linear cassette exactly as before", () => {
    const linear = cassette(`
turns:
  - content: [ { type: text, text: "1" } ]
  - content: [ { type: text, text: "2" } ]
`);
    expect(texts(new CassetteCursor(linear.turns), ["", "", ""])).toEqual(["1", "2", null]);
  });
});

describe("branch validation", () => {
  it("refuses a branch with an empty condition, naming the field", () => {
    expect(() =>
      cassette(`
turns:
  - content: [ { type: text, text: "1" } ]
    branches:
      - when: {}
        turns: []
`),
    ).toThrow("branches.yaml: turns.0.branches.0.when: names no condition");
  });

  it("refuses a branch waiting for a playbook the run does not have", () => {
    const typo = cassette(`
turns:
  - content: [ { type: text, text: "1" } ]
    branches:
      - when: { intervention: stub-implementaton }
        turns: []
`);
    expect(() => checkCassettePlaybooks(typo, new Set(["stub-implementation"]), "typo.yaml")).toThrow(
      CassetteError,
    );
    expect(() => checkCassettePlaybooks(typo, new Set(["stub-implementation"]), "typo.yaml")).toThrow(
      'typo.yaml: turns.0.branches.0.when.intervention: no playbook has the id "stub-implementaton"',
    );
  });
});
