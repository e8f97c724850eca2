import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadCassette } from "../../src/model/cassette.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";
import { type FaultyMessagesApi, startFaultyMessagesApi } from "../faults/faulty-messages-api.ts";

/**
 * `supervise PLAN --record DIR` against a loopback fake of the Messages API (the CLI runs as a
 * child, so msw cannot reach it), then the written cassette replayed in a fresh state dir: the
 * supervisor must reach the same claims and the same verdict without the API.
 */
let workspace: Workspace;
let api: FaultyMessagesApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  workspace.cleanup();
});

const apiKey = "sk-ant-record-test-0123456789abcdef";

/** A worker that claims too early (rejected: nothing written), then writes, commits and claims again. */
function script(_workstream: string, turn: number) {
  switch (turn) {
    case 0:
      return [
        { type: "text" as const, text: `Claiming straight away (my key is ${apiKey}).` },
        { type: "tool_use" as const, name: "claim_done", input: { summary: "Done already." } },
      ];
    case 1:
      return [
        { type: "tool_use" as const, name: "write_file", input: { path: "alpha.txt", content: "alpha\n" } },
      ];
    case 2:
      return [
        { type: "tool_use" as const, name: "bash", input: { command: "git add -A && git commit -qm alpha" } },
      ];
    case 3:
      return [{ type: "tool_use" as const, name: "claim_done", input: { summary: "alpha.txt committed." } }];
    default:
      return [{ type: "text" as const, text: "Accepted; done." }];
  }
}

const planBody = [
  "defaults:",
  "  done: [local_check]",
  '  commands: { check: "test -f alpha.txt", build: null, ci: null }',
  "workstreams:",
  "  - { id: alpha, goal: make alpha.txt }",
];

function claimVerdicts(stdout: string): string[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { type: string; verdicts?: Record<string, string> })
    .flatMap((event) => {
      if (event.type === "claim.rejected" || event.type === "claim.accepted") return [event.type];
      if (event.type === "run.finished") return [`finished ${JSON.stringify(event.verdicts)}`];
      return [];
    });
}

describe("supervise --record", () => {
  it("writes a live run's turns as a cassette that replays to the same verdict, secrets redacted", async () => {
    api = await startFaultyMessagesApi({ script, shouldFault: () => false });
    workspace = createWorkspace();
    workspace.writePlan(
      "live.yaml",
      ["repo: ./repo", "agent: { provider: anthropic }", ...planBody].join("\n"),
    );
    const live = await workspace.supervise(["live.yaml", "--json", "--record", "cassettes"], {
      env: { ANTHROPIC_BASE_URL: api.baseUrl, ANTHROPIC_API_KEY: apiKey },
    });
    expect(live.exitCode, live.stderr).toBe(0);
    expect(api.violations).toEqual([]);
    const liveVerdicts = claimVerdicts(live.stdout);
    expect(liveVerdicts).toEqual(["claim.rejected", "claim.accepted", 'finished {"alpha":"accepted"}']);

    const file = join(workspace.directory, "cassettes", "alpha.yaml");
    expect(existsSync(file)).toBe(true);
    const written = readFileSync(file, "utf8");
    expect(written).not.toContain(apiKey);
    expect(written).toContain("[REDACTED:ANTHROPIC_API_KEY]");
    const cassette = loadCassette(file);
    expect(cassette.model).toBe("claude-sonnet-5-5");
    expect(cassette.turns.map((turn) => [turn.stop_reason, turn.content.map((block) => block.type)])).toEqual(
      [
        ["tool_use", ["text", "tool_use"]],
        ["tool_use", ["tool_use"]],
        ["tool_use", ["tool_use"]],
        ["tool_use", ["tool_use"]],
        ["end_turn", ["text"]],
      ],
    );

    const requestsBeforeReplay = api.requests;
    workspace.writePlan(
      "replay.yaml",
      ["repo: ./repo", "agent: { provider: replay, cassette: cassettes/alpha.yaml }", ...planBody].join("\n"),
    );
    const replayed = await workspace.supervise(["replay.yaml", "--json", "--state-dir", "replay-state"], {
      env: { ANTHROPIC_API_KEY: "" },
    });
    expect(replayed.exitCode, replayed.stderr).toBe(0);
    expect(claimVerdicts(replayed.stdout)).toEqual(liveVerdicts);
    expect(api.requests).toBe(requestsBeforeReplay);
  });

  it("refuses --record when no workstream of the run talks to the API", async () => {
    workspace = createWorkspace();
    workspace.writePlan(
      "plan.yaml",
      ["repo: ./repo", "agent: { provider: command, command: 'true' }", ...planBody].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml", "--record", "cassettes"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      "--record records the model turns of `agent: { provider: anthropic }` workstreams, and this run has none.",
    );
  });
});
