import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  createCommandRunner,
  findProcessesWithMarker,
  killProcessesWithMarker,
  sweepProcessesWithMarker,
} from "../../src/sandbox/index.ts";
import {
  findProcessGroupMembers,
  isProcessAlive,
  sweepProcessesWithMarkerSettled,
} from "../../src/sandbox/process-sweep.ts";
import { killLeftovers, pidsIn, runningAmong, testEnvironment } from "./process-fixtures.ts";

const startedPids: number[] = [];

afterEach(() => {
  killLeftovers(startedPids.splice(0));
});

/** A sleeping process outside any command tree of ours, in its own session, with `extraEnvironment`. */
function startSleeper(extraEnvironment: Record<string, string>): ChildProcess {
  return startSleeperWithEnvironment({ PATH: process.env.PATH ?? "/usr/bin:/bin", ...extraEnvironment });
}

function startSleeperWithEnvironment(environment: Record<string, string>): ChildProcess {
  const sleeper = spawn(pathOf("sleep"), ["300"], { env: environment, detached: true, stdio: "ignore" });
  startedPids.push(sleeper.pid!);
  return sleeper;
}

/** Until the shell has started (before its exec, the child still has Node's environment). */
async function waitUntilRunning(pid: number): Promise<void> {
  while (!(await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).startsWith(`${pathOf("sh")}\0`)) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function pathOf(program: string): string {
  return execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
}

describe("findProcessesWithMarker and killProcessesWithMarker", () => {
  it("find processes by a whole marker entry and signal them", async () => {
    const runId = `run-${randomUUID()}`;
    const marked = startSleeper({ SUPERVISE_RUN: runId });
    const longerValue = startSleeper({ SUPERVISE_RUN: `${runId}0` });
    const longerName = startSleeper({ XSUPERVISE_RUN: runId });
    const exit = once(marked, "exit");

    expect(findProcessesWithMarker("SUPERVISE_RUN", runId)).toEqual([marked.pid]);
    expect(killProcessesWithMarker("SUPERVISE_RUN", runId, "SIGTERM")).toEqual([marked.pid]);
    expect(await exit).toEqual([null, "SIGTERM"]);
    expect(findProcessesWithMarker("SUPERVISE_RUN", runId)).toEqual([]);
    expect(runningAmong([longerValue.pid!, longerName.pid!])).toEqual([longerValue.pid, longerName.pid]);
  });

  it("sweep SIGKILLs every marked process and resolves once they are dead", async () => {
    const value = randomUUID();
    const sleepers = [startSleeper({ SWEEP_TEST: value }), startSleeper({ SWEEP_TEST: value })];
    const pids = sleepers.map((sleeper) => sleeper.pid!);

    expect((await sweepProcessesWithMarker("SWEEP_TEST", value)).toSorted()).toEqual(pids.toSorted());
    expect(runningAmong(pids)).toEqual([]);
    expect(await sweepProcessesWithMarker("SWEEP_TEST", value)).toEqual([]);
  });

  it("never finds the process that is searching", async () => {
    const value = randomUUID();
    const sibling = startSleeper({ SWEEP_TEST: value });
    const moduleUrl = new URL("../../src/sandbox/process-sweep.ts", import.meta.url).href;
    const script = `import { findProcessesWithMarker } from ${JSON.stringify(moduleUrl)};
      console.log(JSON.stringify({ self: process.pid, found: findProcessesWithMarker("SWEEP_TEST", ${JSON.stringify(value)}) }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: { SWEEP_TEST: value },
    });
    const { self, found } = JSON.parse(stdout) as { self: number; found: number[] };
    expect(found).toEqual([sibling.pid]);
    expect(found).not.toContain(self);
  });

  it("lets a resumed supervisor kill the workers of an earlier run", async () => {
    const runner = createCommandRunner({ forceKillAfterMs: 300, lingerGraceMs: 200 });
    const runId = `run-${randomUUID()}`;
    let output = "";
    let sweep: Promise<number[]> | undefined;
    const result = await runner.run({
      command: "sleep 300 & echo child=$!; setsid sleep 300 & echo escapee=$!; echo main=$$; wait",
      cwd: tmpdir(),
      env: testEnvironment(),
      timeoutMs: 60_000,
      markers: { SUPERVISE_RUN: runId },
      onOutput: (chunk) => {
        output += chunk;
        // As a new supervisor would after a crash: it knows only the run id.
        if (/^main=\d+$/m.test(output)) sweep ??= sweepProcessesWithMarker("SUPERVISE_RUN", runId);
      },
    });
    const pids = pidsIn(result.output);
    startedPids.push(...Object.values(pids));

    expect(result).toMatchObject({ exitCode: null, signal: "SIGKILL", isTimedOut: false, isCanceled: false });
    expect((await sweep)?.toSorted()).toEqual(Object.values(pids).toSorted());
    expect(runningAmong(Object.values(pids))).toEqual([]);
  });

  it("finds a marker at the end of an environment larger than its read buffer", () => {
    const value = randomUUID();
    const sleeper = startSleeper({ BULK: "x".repeat(40_000), SWEEP_TEST: value });
    expect(findProcessesWithMarker("SWEEP_TEST", value)).toEqual([sleeper.pid]);
  });

  it("reads the state and group of a process whose name holds parentheses and spaces", async () => {
    const directory = await mkdtemp(join(tmpdir(), "supervise-sweep-"));
    try {
      const oddName = join(directory, "a) b (c");
      await copyFile(pathOf("sleep"), oddName);
      const sleeper = spawn(oddName, ["300"], { detached: true, stdio: "ignore" });
      startedPids.push(sleeper.pid!);
      expect(isProcessAlive(sleeper.pid!)).toBe(true);
      expect(findProcessGroupMembers(sleeper.pid!)).toEqual([sleeper.pid]);
      const exit = once(sleeper, "exit");
      sleeper.kill("SIGKILL");
      await exit;
      expect(isProcessAlive(sleeper.pid!)).toBe(false);
      expect(findProcessGroupMembers(sleeper.pid!)).toEqual([]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("reads again a process whose environment was empty, and sweeps again when it turns out marked", async () => {
    const value = randomUUID();
    const directory = await mkdtemp(join(tmpdir(), "supervise-sweep-"));
    try {
      // A shell with no environment, standing for a process caught inside execve: it waits on a
      // fifo, then becomes a marked process under the same pid.
      const fifo = join(directory, "go");
      execFileSync("mkfifo", [fifo]);
      const script = `read line < '${fifo}'; exec ${pathOf("env")} SWEEP_TEST=${value} ${pathOf("sleep")} 300`;
      const shell = spawn(pathOf("sh"), ["-c", script], { env: {}, detached: true, stdio: "ignore" });
      startedPids.push(shell.pid!);
      const blank = startSleeperWithEnvironment({});
      await waitUntilRunning(shell.pid!);

      const sweeping = sweepProcessesWithMarkerSettled("SWEEP_TEST", value, { recheckDelayMs: 300 });
      // The first scan has run (synchronously): it saw both environments empty.
      await writeFile(fifo, "go\n");
      expect(await sweeping).toEqual([shell.pid]);
      expect(runningAmong([shell.pid!, blank.pid!])).toEqual([blank.pid]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("refuses markers that could match more than meant", () => {
    expect(() => findProcessesWithMarker("SUPERVISE_RUN", "")).toThrow(
      'Expected a non-empty marker value without NUL bytes, got "".',
    );
    expect(() => killProcessesWithMarker("A=B", "x", "SIGKILL")).toThrow(
      'Expected a marker name like SUPERVISE_RUN, got "A=B".',
    );
  });
});
