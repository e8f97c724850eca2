/**
 * Two plans in one folder keep their state apart: the first plan's runs stay in `.supervise/` (where
 * every state dir made so far has them), the second's go to `.supervise/plans/<name>/`, and the
 * reading commands find each by --plan, or the latest run without it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

const worker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo "$SUPERVISE_WORKSTREAM" > "src/$SUPERVISE_WORKSTREAM.txt"
git add -A
git commit -qm "$SUPERVISE_WORKSTREAM"
supervise tool claim_done --input '{"summary": "done"}'
`;

function planOf(workstream: string, script: string): string {
  return [
    "repo: ./repo",
    "defaults:",
    "  done: [local_check]",
    '  commands: { check: "true" }',
    "workstreams:",
    `  - { id: ${workstream}, goal: write a file, agent: { provider: command, command: "bash ${script}" } }`,
  ].join("\n");
}

describe("the state dir keyed by plan", () => {
  it("lets two plans in one folder each run, resume and be read on their own", async () => {
    const script = workspace.writeWorker("worker.sh", worker);
    workspace.writePlan("first.yaml", planOf("one", script));
    workspace.writePlan("second.yaml", planOf("two", script));
    const root = join(workspace.directory, ".supervise");

    const first = await workspace.supervise(["first.yaml"]);
    expect(first.exitCode, first.stderr).toBe(0);
    const second = await workspace.supervise(["second.yaml"]);
    expect(second.exitCode, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).not.toContain("already finished");
    expect(second.stdout).toMatch(/finished: 1 accepted\./);

    expect(readdirSync(join(root, "runs"))).toHaveLength(1);
    expect(readdirSync(join(root, "plans"))).toEqual(["second"]);
    expect(readdirSync(join(root, "plans", "second", "runs"))).toHaveLength(1);
    expect(existsSync(join(root, "checkouts", "one"))).toBe(true);
    expect(existsSync(join(root, "plans", "second", "checkouts", "two"))).toBe(true);

    const statusOf = async (args: string[]) => {
      const result = await workspace.supervise(["status", "--json", ...args]);
      expect(result.exitCode, result.stdout).toBe(0);
      const status = JSON.parse(result.stdout) as {
        workstreams: { id: string; state: string }[];
        state_dir: string;
      };
      return { ids: status.workstreams.map((row) => `${row.id} ${row.state}`), stateDir: status.state_dir };
    };
    expect(await statusOf(["--plan", "first.yaml"])).toEqual({ ids: ["one accepted"], stateDir: root });
    expect(await statusOf(["--plan", "second.yaml"])).toEqual({
      ids: ["two accepted"],
      stateDir: join(root, "plans", "second"),
    });
    // Without --plan: the run that started last.
    expect((await statusOf([])).ids).toEqual(["two accepted"]);

    const again = await workspace.supervise(["first.yaml"]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^Run \S+ of this plan already finished \(one accepted\)/);
  }, 90_000);
});
