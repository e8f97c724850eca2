/**
 * A CLI agent cannot change its checkout under the gate: its processes are stopped while the
 * supervisor verifies its claim. The cheat here commits a failing change, leaves a process in the
 * background that swaps in a passing file while the check runs and puts the commit's file back
 * before the supervisor reads the checkout again. Without the pause the check passes on a file
 * the claimed commit does not hold, and the claim is accepted.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/run/journal.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "start\n" });
});
afterEach(() => workspace.cleanup());

// The check marks its run in .git (inside the checkout, so the sandbox lets both sides see it, and
// outside the working tree, so it is no uncommitted change) and passes only on "good".
const check =
  "touch .git/checking; sleep 1; grep -q good src/value.txt; passed=$?; rm -f .git/checking; exit $passed";

const swappingWorker = `#!/usr/bin/env bash
cat >/dev/null
echo bad > src/value.txt
git commit -qam "a change that fails the check"
(
  until [ -e .git/checking ]; do sleep 0.02; done
  echo good > src/value.txt
  while [ -e .git/checking ]; do sleep 0.02; done
  git checkout -q -- src/value.txt
) </dev/null >/dev/null 2>&1 &
supervise tool claim_done --input '{"summary": "the check passes"}'
`;

// The same swap, through the bash tool: that command runs in the supervisor's runner, not in the
// agent's own process tree, and must be stopped as well.
const toolSwap =
  "touch .git/swapper-ready; until [ -e .git/checking ]; do sleep 0.02; done; echo good > src/value.txt; while [ -e .git/checking ]; do sleep 0.02; done; git checkout -q -- src/value.txt";
const toolSwappingWorker = `#!/usr/bin/env bash
cat >/dev/null
echo bad > src/value.txt
git commit -qam "a change that fails the check"
supervise tool bash --input '${JSON.stringify({ command: toolSwap, timeout_seconds: 120 })}' >/dev/null 2>&1 &
for _ in $(seq 1 400); do [ -e .git/swapper-ready ] && break; sleep 0.05; done
supervise tool claim_done --input '{"summary": "the check passes"}'
`;

function planFor(worker: string): string {
  return [
    "repo: ./repo",
    "defaults:",
    "  done: [local_check]",
    `  commands: { check: ${JSON.stringify(check)} }`,
    "  stall: { max_restarts: 0, max_rejections: 1 }",
    "workstreams:",
    `  - { id: w, goal: g, agent: { provider: command, command: "bash ${worker}" } }`,
  ].join("\n");
}

describe("a claim under verification", () => {
  it("is checked with the bash tool's commands stopped too, so a swap started through a tool cannot pass it", async () => {
    const worker = workspace.writeWorker("tool-swap.sh", toolSwappingWorker);
    workspace.writePlan("plan.yaml", planFor(worker));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    const runs = join(workspace.directory, ".supervise", "runs");
    const { events } = await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"));
    expect(events.find((event) => event.type === "gate.failed")).toMatchObject({ gate: "local_check" });
    expect(events.map((event) => event.type)).not.toContain("workstream.accepted");
  });

  it("is checked with the agent's background processes stopped, so a swap under the gate cannot pass it", async () => {
    const worker = workspace.writeWorker("swap.sh", swappingWorker);
    workspace.writePlan("plan.yaml", planFor(worker));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    const runs = join(workspace.directory, ".supervise", "runs");
    const { events } = await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"));
    expect(events.find((event) => event.type === "claim.made")).toMatchObject({ uncommitted_changes: [] });
    expect(events.find((event) => event.type === "gate.failed")).toMatchObject({ gate: "local_check" });
    expect(events.map((event) => event.type)).not.toContain("workstream.accepted");
  });
});
