/**
 * Simulated time for concurrent tasks: `sleep` waits on a ManualClock, and `run` moves the clock
 * to the next wake-up whenever every running task is asleep. Everything else (HTTP through msw,
 * promises) runs for real in between, so an hour of polling takes seconds.
 */
import type { ManualClock } from "../src/clock.ts";

export interface SimulatedTime {
  sleep(ms: number): Promise<void>;
  /** Runs the tasks to their ends; rejects with the first failure, or when none can go on. */
  run(tasks: (() => Promise<void>)[]): Promise<void>;
}

/** Real time allowed for a step with no sleeper to wake: a task stuck on something else. */
const stuckAfterMs = 10_000;

export function createSimulatedTime(clock: ManualClock): SimulatedTime {
  const sleepers: { wakeAtMs: number; wake: () => void }[] = [];

  return {
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        sleepers.push({ wakeAtMs: clock.now() + Math.max(0, ms), wake: resolve });
      }),
    async run(tasks) {
      let running = tasks.length;
      let failure: { error: unknown } | null = null;
      for (const task of tasks) {
        task()
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            running -= 1;
          });
      }
      let waitingSinceMs = Date.now();
      while (running > 0) {
        if (failure) throw (failure as { error: unknown }).error;
        if (sleepers.length < running) {
          if (Date.now() - waitingSinceMs > stuckAfterMs) {
            throw new Error(
              `simulated time is stuck: ${running - sleepers.length} task(s) neither ran nor slept`,
            );
          }
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const nextMs = Math.min(...sleepers.map((sleeper) => sleeper.wakeAtMs));
        if (nextMs > clock.now()) clock.advance(nextMs - clock.now());
        for (const sleeper of sleepers.filter((candidate) => candidate.wakeAtMs <= clock.now())) {
          sleepers.splice(sleepers.indexOf(sleeper), 1);
          sleeper.wake();
        }
        waitingSinceMs = Date.now();
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (failure) throw (failure as { error: unknown }).error;
    },
  };
}
