/**
 * `supervise logs WS -f` and `supervise watch` from a second terminal, beside a run in progress: the
 * worker prints a line, then waits for a file the test creates, so the followers are shown to
 * print what arrives while the run holds its state lock, and to end when the run does.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

const waitingWorker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo "first line from the worker"
for _ in $(seq 1 600); do [ -e .git/go ] && break; sleep 0.1; done
echo "second line from the worker"
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool claim_done --input '{"summary": "value set"}'
`;

/** Resolves once the child's stdout has printed `text`; fails if the child ends first. */
function printed(child: ResultPromise, text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve();
    });
    void child.then((result) =>
      reject(new Error(`ended before printing "${text}": ${result.stdout}${result.stderr}`)),
    );
  });
}

describe("following a run from a second terminal", () => {
  it("logs -f prints the worker's output as it comes and ends with the workstream; watch ends with the run", async () => {
    const worker = workspace.writeWorker("waiting.sh", waitingWorker);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "echo checking value; test $(cat src/value.txt) = 2" }',
        "workstreams:",
        `  - { id: w, goal: set the value, agent: { provider: command, command: "bash ${worker}" } }`,
      ].join("\n"),
    );
    const run = workspace.supervise(["plan.yaml", "--json"]);
    await printed(run, '"workstream.started"');

    const follower = workspace.supervise(["logs", "w", "-f"]);
    const interrupted = workspace.supervise(["logs", "w", "--follow"]);
    const watcher = workspace.supervise(["watch", "plan.yaml"]);
    await Promise.all([
      printed(follower, "first line from the worker"),
      printed(interrupted, "first line from the worker"),
      printed(watcher, "Watching run"),
    ]);
    interrupted.kill("SIGINT");
    expect((await interrupted).exitCode).toBe(130);

    const checkout = join(workspace.directory, ".supervise", "checkouts", "w");
    expect(existsSync(checkout)).toBe(true);
    writeFileSync(join(checkout, ".git", "go"), "");

    const followed = await follower;
    expect(followed.exitCode, followed.stderr).toBe(0);
    const lines = followed.stdout.split("\n");
    expect(lines.indexOf("first line from the worker")).toBeGreaterThan(0);
    expect(lines.indexOf("second line from the worker")).toBeGreaterThan(
      lines.indexOf("first line from the worker"),
    );
    expect(followed.stdout).toContain("→ claim_done");

    const watched = await watcher;
    expect(watched.exitCode, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/^Watching run \S+: 1 to go\.$/m);
    expect(watched.stdout).toMatch(/^Run \S+ finished: 1 accepted\.$/m);
    expect((await run).exitCode).toBe(0);

    const gateLog = await workspace.supervise(["logs", "w", "--gate", "local_check"]);
    expect(gateLog.exitCode, gateLog.stderr).toBe(0);
    expect(gateLog.stdout).toContain("checking value");
    const whole = await workspace.supervise(["logs", "w"]);
    expect(whole.stdout).toMatch(/^── start 1: bash /m);
    expect(whole.stderr).toContain(join(".supervise", "runs"));
    expect(whole.stderr).toMatch(/Gate logs: .*supervise logs w --gate NAME/);
    const unknownGate = await workspace.supervise(["logs", "w", "--gate", "ci_green"]);
    expect(unknownGate.exitCode).toBe(2);
    expect(unknownGate.stderr).toContain("Its gate logs: local_check.");
    const rewatched = await workspace.supervise(["watch"]);
    expect(rewatched.exitCode).toBe(0);
    expect(rewatched.stdout).toMatch(/^Run \S+ finished: 1 accepted\.$/m);
  }, 90_000);
});
