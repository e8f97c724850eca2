/**
 * Before workers start, the check command runs once at the base: a check whose tests cannot be
 * listed by name stops the run with exit 2 (no worker burns its claims on it); tests already failing
 * there are named in a warning, count against no worker, and show as fixed when a claim makes them
 * pass; the claim's base run reads the preflight's cached run. Real CLI, real git, real node --test.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "package.json": '{ "name": "value", "type": "module" }\n',
    "src/value.mjs": "export const value = 1;\n",
    "test/value.test.mjs": [
      'import assert from "node:assert/strict";',
      'import { test } from "node:test";',
      'import { value } from "../src/value.mjs";',
      'test("value is positive", () => assert.ok(value > 0));',
      'test("value is two", () => assert.equal(value, 2));',
      "",
    ].join("\n"),
  });
});
afterEach(() => workspace.cleanup());

function plan(check: string, worker: string): string {
  return [
    "repo: ./repo",
    "defaults:",
    "  done: [local_check, diff_scope]",
    `  commands: { check: ${JSON.stringify(check)}, build: null, ci: null }`,
    "  stall: { max_restarts: 0, max_rejections: 1 }",
    "workstreams:",
    `  - { id: fix, goal: "make the value two", agent: { provider: command, command: "bash ${worker}" } }`,
  ].join("\n");
}

function honestWorker(): string {
  return workspace.writeWorker(
    "fix.sh",
    `#!/usr/bin/env bash
set -eu
cat >/dev/null
touch "${join(workspace.directory, "worker-ran")}"
echo 'export const value = 2;' > src/value.mjs
git commit -qam "value is two"
supervise tool claim_done --input '{"summary": "the value is two"}'
`,
  );
}

describe("the check at the base, before workers start", () => {
  it("stops the run with exit 2, naming the check and what to change, when its tests cannot be listed by name", async () => {
    const check = "node --test --test-reporter=dot";
    workspace.writePlan("plan.yaml", plan(check, honestWorker()));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stderr).toContain("cannot be compared by name at the base");
    expect(result.stderr).toContain(
      `\`${check}\` (check of workstream fix): its tests could not be listed by name`,
    );
    expect(result.stderr).toContain("use a reporter that lists tests");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(workspace.directory, "worker-ran"))).toBe(false);
  });

  it("warns of tests failing at the base, holds none against the worker, shows the one it fixed, and runs the base once", async () => {
    workspace.writePlan("plan.yaml", plan("node --test", honestWorker()));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.stderr).toMatch(
      /Warning: 1 test of `node --test` \(check of workstream fix\) already fails at the base [0-9a-f]{12}: "test\/value\.test\.mjs > value is two"\. They count against no worker/,
    );
    const runs = join(workspace.directory, ".supervise", "runs");
    const bundle = JSON.parse(
      readFileSync(join(runs, readdirSync(runs)[0]!, "evidence", "fix", "bundle.json"), "utf8"),
    );
    expect(
      bundle.gates.map((gate: { id: string; status: string }) => `${gate.id}:${gate.status}`),
      JSON.stringify(bundle.gates, null, 2),
    ).toEqual(["local_check:pass", "diff_scope:pass"]);
    expect(result.exitCode).toBe(0);
    expect(bundle.fixed_tests).toEqual([
      { name: "test/value.test.mjs > value is two", base: "failed", claim: "passed", count: 1 },
    ]);
    const diffScope = bundle.gates.find((gate: { id: string }) => gate.id === "diff_scope");
    expect(diffScope.observed.test_runs.base.source).toBe("cached");
    const markdown = readFileSync(join(runs, readdirSync(runs)[0]!, "evidence", "fix", "bundle.md"), "utf8");
    expect(markdown).toContain(
      "- test/value.test.mjs > value is two: failed at the base, passed at the claim",
    );
  });
});
