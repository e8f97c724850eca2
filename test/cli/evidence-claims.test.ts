/**
 * `supervise evidence WS` keeps every claim's findings: the worker's first claim is rejected by the
 * check, its second accepted, and the first claim's failing gate (its detail and first errors)
 * is still shown after the second, in the text, in bundle.json and through `--claim 1`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

const worker = `#!/usr/bin/env bash
set -u
cat >/dev/null
echo 3 > src/value.txt
git commit -qam "value is 3"
supervise tool claim_done --input '{"summary": "first try"}'
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool claim_done --input '{"summary": "second try"}'
`;

describe("supervise evidence", () => {
  it("shows what every claim's gates found, not only the last claim's", async () => {
    const script = workspace.writeWorker("worker.sh", worker);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "v=$(cat src/value.txt); [ $v = 2 ] || { echo \\"error: value is $v, expected 2\\"; exit 1; }" }',
        "workstreams:",
        `  - { id: w, goal: set the value, agent: { provider: command, command: "bash ${script}" } }`,
      ].join("\n"),
    );
    const run = await workspace.supervise(["plan.yaml"]);
    expect(run.exitCode, run.stdout + run.stderr).toBe(0);

    const text = await workspace.supervise(["evidence", "w"]);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toContain("### Claim 1: **rejected** (failed: local_check)");
    expect(text.stdout).toMatch(/- local_check: \*\*fail\*\* — .*exited 1/);
    expect(text.stdout).toContain("error: value is 3, expected 2");
    expect(text.stdout).toContain("### Claim 2: **accepted**");

    const one = await workspace.supervise(["evidence", "w", "--claim", "1"]);
    expect(one.stdout).toContain("# Evidence: w, claim 1");
    expect(one.stdout).toContain("error: value is 3, expected 2");
    expect(one.stdout).not.toContain("Claim 2");

    const json = JSON.parse((await workspace.supervise(["evidence", "w", "--json"])).stdout) as {
      claims: { id: number; gates: { id: string; status: string; first_errors: string | null }[] }[];
    };
    expect(json.claims.map((claim) => claim.gates.map((gate) => [claim.id, gate.id, gate.status]))).toEqual([
      [[1, "local_check", "fail"]],
      [[2, "local_check", "pass"]],
    ]);
    expect(json.claims[0]!.gates[0]!.first_errors).toContain("value is 3");

    const missing = await workspace.supervise(["evidence", "w", "--claim", "7"]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("Workstream w has no claim 7; its claims: 1, 2.");
  }, 90_000);
});
