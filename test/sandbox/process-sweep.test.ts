import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  createCommandRunner,
  findProcessesWithMarker,
  killProcessesWithMarker,
  sweepProcessesWithMarker,
} from "../../src/sandbox/index.ts";
import { killLeftovers, pidsIn, runningAmong, testEnvironment } from "./process-fixtures.ts";

const startedPids: number[] = [];

afterEach(() => {
  killLeftovers(startedPids.splice(0));
});

/** A sleeping process outside any command tree of ours, in its own session, with `extraEnvironment`. */
function startSleeper(extraEnvironment: Record<string, string>): ChildProcess {
  const sleeper = spawn("sleep", ["300"], {
    env: { PATH: process.env.PATH, ...extraEnvironment },
    detached: true,
    stdio: "ignore",
  });
  startedPids.push(sleeper.pid!);
  return sleeper;
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

  it("refuses markers that could match more than meant", () => {
    expect(() => findProcessesWithMarker("SUPERVISE_RUN", "")).toThrow(
      'Expected a non-empty marker value without NUL bytes, got "".',
    );
    expect(() => killProcessesWithMarker("A=B", "x", "SIGKILL")).toThrow(
      'Expected a marker name like SUPERVISE_RUN, got "A=B".',
    );
  });
});
