import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/run/journal.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

function plan(worker: string): string {
  return [
    "repo: ./repo",
    "defaults:",
    "  done: [local_check]",
    '  commands: { check: "true" }',
    "  stall: { idle_seconds: 1, max_restarts: 0 }",
    "workstreams:",
    `  - { id: w, goal: g, agent: { provider: command, command: "bash ${worker}" } }`,
  ].join("\n");
}

async function events() {
  const runs = join(workspace.directory, ".supervise", "runs");
  return (await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"))).events;
}

describe("idle", () => {
  it("a silent worker that keeps changing its checkout is not idle", async () => {
    const worker = workspace.writeWorker(
      "silent.sh",
      `#!/usr/bin/env bash
exec >/dev/null 2>&1
for i in 1 2 3 4 5; do sleep 0.7; echo "$i" >> src/value.txt; done
git commit -qam "silent work"
supervise tool claim_done --input '{"summary": "done quietly"}'
`,
    );
    workspace.writePlan("plan.yaml", plan(worker));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout).toBe(0);
    expect((await events()).filter((event) => event.type === "signal.detected")).toEqual([]);
  });

  it("a worker with no output and no change for idle_seconds is stopped, with the idle signal", async () => {
    const worker = workspace.writeWorker("stuck.sh", "#!/usr/bin/env bash\ncat >/dev/null\nsleep 60\n");
    workspace.writePlan("plan.yaml", plan(worker));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(1);
    const recorded = await events();
    expect(recorded.find((event) => event.type === "signal.detected")).toMatchObject({ signal: "idle" });
    expect(recorded.find((event) => event.type === "worker.exited")).toMatchObject({
      description: "stopped after 1 s without activity",
    });
  });
});
