import { copyFileSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

const fixtures = fileURLToPath(new URL("../fixtures/cassettes/", import.meta.url));

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.js": "export const value = 1;\n" });
});
afterEach(() => workspace.cleanup());

const worker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo "export const value = 2;" > src/value.js
git commit -qam "value is 2"
supervise tool claim_done --input '{"summary": "value is 2"}' || true
`;

function plan(cassette: string): string {
  return [
    "repo: ./repo",
    `reviewer: { provider: replay, cassette: ${cassette} }`,
    "defaults:",
    "  done: [local_check, review]",
    '  commands: { check: "grep -q 2 src/value.js" }',
    "  stall: { max_restarts: 0, max_rejections: 1 }",
    "workstreams:",
    `  - { id: value, goal: set the value to 2, agent: { provider: command, command: "bash ${workspace.writeWorker("worker.sh", worker)}" } }`,
  ].join("\n");
}

function bundle(): Record<string, any> {
  const runs = join(workspace.directory, ".supervise", "runs");
  return JSON.parse(
    readFileSync(join(runs, readdirSync(runs)[0]!, "evidence", "value", "bundle.json"), "utf8"),
  );
}

describe("the review gate through the CLI", () => {
  it("accepts when the replayed reviewer approves, with its reasons in the bundle", async () => {
    copyFileSync(join(fixtures, "review-approve.yaml"), join(workspace.directory, "review.yaml"));
    workspace.writePlan("plan.yaml", plan("review.yaml"));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const review = bundle().gates.find((gate: { id: string }) => gate.id === "review");
    expect(review).toMatchObject({ status: "pass", observed: { verdict: "approve" } });
  });

  it("rejects when the replayed reviewer rejects", async () => {
    copyFileSync(join(fixtures, "review-reject.yaml"), join(workspace.directory, "review.yaml"));
    workspace.writePlan("plan.yaml", plan("review.yaml"));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(1);
    const review = bundle().gates.find((gate: { id: string }) => gate.id === "review");
    expect(review).toMatchObject({ status: "fail", observed: { verdict: "reject" } });
  });
});
