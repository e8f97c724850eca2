/**
 * `--new-run` starts every workstream from a fresh checkout of the base: the worker below passes
 * the check only when its checkout holds no commit but the base's, so a new run that reused the
 * earlier run's checkout (with that run's commit in it) would be rejected.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n" });
});
afterEach(() => workspace.cleanup());

const worker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
git rev-list --count HEAD > commits-before.txt
git add -A
git commit -qm "count the commits"
supervise tool claim_done --input '{"summary": "counted"}'
`;

describe("--new-run", () => {
  it("gives each workstream a fresh checkout instead of the earlier run's", async () => {
    const script = workspace.writeWorker("worker.sh", worker);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "test $(cat commits-before.txt) = 1" }',
        "  stall: { max_restarts: 0, max_rejections: 1 }",
        "workstreams:",
        `  - { id: count, goal: count the commits, agent: { provider: command, command: "bash ${script}" } }`,
      ].join("\n"),
    );
    const first = await workspace.supervise(["plan.yaml"]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(0);
    const again = await workspace.supervise(["plan.yaml", "--new-run"]);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/finished: 1 accepted\./);
  }, 90_000);
});
