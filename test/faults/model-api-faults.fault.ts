import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/run/journal.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";
import { faultSeed, seededRandom } from "./fault-seed.ts";
import { type FaultyMessagesApi, faultKinds, startFaultyMessagesApi } from "./faulty-messages-api.ts";

/**
 * The Messages API failing a fifth of the time (429, 529, 500, a dropped connection, a stream cut
 * off mid-message): the SDK's retries and the supervisor's restarts carry the campaign through,
 * with every workstream accepted and the tool-use protocol intact in every request.
 */
let workspace: Workspace;
let api: FaultyMessagesApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
  if (process.env.SUPERVISE_KEEP_TEST_DIRECTORY) process.stderr.write(`kept ${workspace.directory}\n`);
  else workspace.cleanup();
});

const workstreamIds = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];

/** Write, commit, claim, end: each step safe to repeat when a restarted worker starts over. */
function script(workstream: string, turn: number) {
  switch (turn) {
    case 0:
      return [
        { type: "text" as const, text: `Writing ${workstream}.txt.` },
        {
          type: "tool_use" as const,
          name: "write_file",
          input: { path: `${workstream}.txt`, content: `${workstream}\n` },
        },
      ];
    case 1:
      return [
        {
          type: "tool_use" as const,
          name: "bash",
          input: {
            command: `git add -A && (git commit -qm "change for ${workstream}" || true) && git log -1 --format=%s`,
          },
        },
      ];
    case 2:
      return [
        {
          type: "tool_use" as const,
          name: "claim_done",
          input: { summary: `wrote ${workstream}.txt, committed` },
        },
      ];
    default:
      return [{ type: "text" as const, text: "The claim was accepted; done." }];
  }
}

describe("Messages API faults at 20% of requests", () => {
  it("completes the campaign: every workstream accepted, every fault kind survived", async () => {
    const seed = faultSeed("model API faults", 20261124);
    const random = seededRandom(seed);
    api = await startFaultyMessagesApi({ script, shouldFault: () => random() < 0.2 });
    workspace = createWorkspace();
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "concurrency: 3",
        "agent: { provider: anthropic }",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "test -f $(git log -1 --format=%s | cut -d\\" \\" -f3).txt", build: null, ci: null }',
        "  stall: { max_restarts: 10 }",
        "workstreams:",
        ...workstreamIds.map((id) => `  - { id: ${id}, goal: make ${id}.txt }`),
      ].join("\n"),
    );

    const result = await workspace.supervise(["plan.yaml"], {
      env: { ANTHROPIC_BASE_URL: api.baseUrl, ANTHROPIC_API_KEY: "test" },
    });
    process.stderr.write(
      `[faults] model API: ${api.requests} requests, faults ${api.faults.map((fault) => `${fault.request}:${fault.kind}`).join(", ")}\n`,
    );

    expect(
      { seed, exitCode: result.exitCode, violations: api.violations },
      result.stdout + result.stderr,
    ).toEqual({
      seed,
      exitCode: 0,
      violations: [],
    });
    const injected = new Set(api.faults.map((fault) => fault.kind));
    expect([...injected].sort(), `seed ${seed}: every kind of fault must have been injected`).toEqual(
      [...faultKinds].sort(),
    );
    const runs = join(workspace.directory, ".supervise", "runs");
    const { events } = await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"));
    expect(events.find((event) => event.type === "run.finished")?.verdicts).toEqual(
      Object.fromEntries(workstreamIds.map((id) => [id, "accepted"])),
    );
  });
});
