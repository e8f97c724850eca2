/**
 * A program the plan's commands need that the sandbox does not have is the environment's
 * problem, never the worker's: found missing before any worker starts (exit 2, naming it and
 * where it was looked for), and when a gate still exits 127 during the run, a human is asked and
 * the claim is not counted as a rejection.
 */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/run/journal.ts";
import { checkIsolationAvailable } from "../../src/sandbox/index.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "README.md": "# demo\n",
    "src/value.txt": "1\n",
    "ci/check.sh": 'missing-linter-7f2 src/ && test "$(cat src/value.txt)" = 2\n',
  });
});
afterEach(() => workspace.cleanup());

const claimingWorker = `#!/usr/bin/env bash
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool claim_done --input '{"summary": "value set to 2"}'
`;

function planFor(check: string): string {
  const worker = workspace.writeWorker("worker.sh", claimingWorker);
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

const isolation = await checkIsolationAvailable();

async function journalEvents() {
  const runs = join(workspace.directory, ".supervise", "runs");
  return (await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"))).events;
}

describe("a program the sandbox does not have", () => {
  it("stops the run before any worker starts, naming the program, the command and the PATH looked on", async () => {
    workspace.writePlan("plan.yaml", planFor("cargo-nowhere-3c1 test --workspace"));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(
      "`cargo-nowhere-3c1`, run by workstream w's check command (`cargo-nowhere-3c1 test --workspace`); it is not on the supervisor's PATH either",
    );
    expect(result.stderr).toContain("looked up on PATH=");
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain("worker.started");
  });

  it("leaves no run behind when the preflight stops it: the fixed plan starts a fresh run", async () => {
    workspace.writePlan("plan.yaml", planFor("cargo-nowhere-3c1 test --workspace"));
    const stopped = await workspace.supervise(["plan.yaml"]);
    expect(stopped.exitCode, stopped.stdout + stopped.stderr).toBe(2);
    expect(readdirSync(join(workspace.directory, ".supervise", "runs"))).toEqual([]);

    workspace.writePlan("plan.yaml", planFor('test "$(cat src/value.txt)" = 2'));
    const fixed = await workspace.supervise(["plan.yaml"]);
    expect(fixed.exitCode, fixed.stdout + fixed.stderr).toBe(0);
    expect(readdirSync(join(workspace.directory, ".supervise", "runs"))).toHaveLength(1);
    const types = (await journalEvents()).map((event) => event.type);
    expect(types[0]).toBe("run.started");
    expect(types).not.toContain("run.resumed");
    expect(types).toContain("workstream.accepted");
  });

  it.skipIf(!isolation.available && !process.env.CI)(
    "says where a program is outside the sandbox when its folder is not mounted",
    async () => {
      const tools = join(workspace.directory, "tools", "bin");
      mkdirSync(tools, { recursive: true });
      writeFileSync(join(tools, "lint-only-here"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
      workspace.writePlan(
        "plan.yaml",
        `${planFor("lint-only-here && true")}\nsandbox: { isolation: bwrap }\n`,
      );
      const result = await workspace.supervise(["plan.yaml"], {
        env: { PATH: `${tools}:${process.env.PATH}` },
      });
      expect(result.exitCode, result.stdout + result.stderr).toBe(2);
      expect(result.stderr).toContain(
        `; outside the sandbox it is ${join(tools, "lint-only-here")}, in a folder the sandbox does not mount`,
      );
    },
  );

  it("asks a human when a gate exits 127 during the run, and does not count the claim against the worker", async () => {
    workspace.writePlan("plan.yaml", planFor("bash ci/check.sh"));
    const result = await workspace.supervise(["plan.yaml", "--no-wait"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(3);
    const events = await journalEvents();
    expect(events.find((event) => event.type === "gate.errored")).toMatchObject({
      gate: "local_check",
      detail: expect.stringContaining("exited 127: a program it runs was not found in the sandbox"),
    });
    expect(events.find((event) => event.type === "gate.errored")).toMatchObject({
      detail: expect.stringMatching(/\(it exits 127 at the base too\)$/),
    });
    expect(events.find((event) => event.type === "claim.rejected")).toMatchObject({ charged: false });
    expect(events.find((event) => event.type === "signal.detected")).toMatchObject({
      signal: "environment_problem",
    });
    expect(events.find((event) => event.type === "escalation.opened")).toMatchObject({ source: "monitor" });
    expect(events.map((event) => event.type)).not.toContain("workstream.rejected");
  });

  it.skipIf(!isolation.available && !process.env.CI)(
    "charges the worker a 127 its own change brings about, when the same command runs at the base",
    async () => {
      const dodger = workspace.writeWorker(
        "dodger.sh",
        `#!/usr/bin/env bash
cat >/dev/null
printf 'no-such-checker-5d1 src/\\n' > ci/check.sh
git commit -qam "checks differently"
supervise tool claim_done --input '{"summary": "done"}'
`,
      );
      workspace.writePlan(
        "plan.yaml",
        [
          "repo: ./repo",
          "sandbox: { isolation: bwrap }",
          "defaults:",
          "  done: [local_check]",
          "  commands: { check: bash ci/check.sh }",
          "  stall: { max_restarts: 0, max_rejections: 1 }",
          "workstreams:",
          `  - { id: w, goal: g, agent: { provider: command, command: "bash ${dodger}" } }`,
        ].join("\n"),
      );
      // At the base the check runs and fails plainly: it exits 1, not 127.
      writeFileSync(join(workspace.repository, "ci", "check.sh"), 'test "$(cat src/value.txt)" = 2\n');
      workspace.git(["commit", "-qam", "a check every program of which is installed"]);
      const result = await workspace.supervise(["plan.yaml", "--no-wait"]);
      const events = await journalEvents();
      expect(events.find((event) => event.type === "gate.failed")).toMatchObject({
        gate: "local_check",
        detail: expect.stringContaining(
          "yet every program its command line names is in the sandbox and it exits 1 at the base: the claim's own code runs what is missing",
        ),
      });
      const rejection = events.find((event) => event.type === "claim.rejected");
      expect(rejection).toBeDefined();
      expect(rejection).not.toMatchObject({ charged: false });
      expect(events.map((event) => event.type)).not.toContain("escalation.opened");
      expect(result.exitCode, result.stdout + result.stderr).toBe(1);
      // The base ran with the run's base caches, which no claim's code writes, not the workstream's.
      const runs = join(workspace.directory, ".supervise", "runs");
      expect(readdirSync(join(runs, readdirSync(runs)[0]!)).sort()).toEqual(
        expect.arrayContaining(["base-cache", "workstreams"]),
      );
    },
  );
});
