/**
 * Waiting for CI on GitHub is polling. Each poll is a few conditional requests (free when nothing
 * changed), and the pause between polls grows from 10 s to 2 min while nothing changes, resets
 * when something does, and is never shorter than GitHub asks (`x-poll-interval`, `retry-after`).
 */
import type { Clock } from "../../clock.ts";
import type { CiStatus } from "../forge.ts";
import type { CiObservation } from "./ci-reader.ts";

export interface CiSettleTiming {
  initialIntervalMs: number;
  maxIntervalMs: number;
  /**
   * How long `none` is waited on: checks appear some seconds after a push, so a commit with
   * nothing yet may still get CI. After this it is taken as a commit without CI.
   */
  startGraceMs: number;
  /** After this the still-pending status is returned; callers bound their waits more tightly. */
  maxWaitMs: number;
}

export const defaultCiSettleTiming: CiSettleTiming = {
  initialIntervalMs: 10_000,
  maxIntervalMs: 120_000,
  startGraceMs: 60_000,
  // GitHub Actions stops any job after 6 hours.
  maxWaitMs: 6 * 60 * 60 * 1000,
};

export async function waitForCiSettled(options: {
  read: () => Promise<CiObservation>;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  timing: CiSettleTiming;
  signal?: AbortSignal | undefined;
}): Promise<CiStatus> {
  const { clock, timing, signal } = options;
  const startedMs = clock.now();
  let intervalMs = timing.initialIntervalMs;
  let previous: string | null = null;
  for (;;) {
    signal?.throwIfAborted();
    const { status, pollAfterMs } = await options.read();
    const waitedMs = clock.now() - startedMs;
    if (status.state === "success" || status.state === "failure") return status;
    if (status.state === "none" && waitedMs >= timing.startGraceMs) return status;
    if (waitedMs >= timing.maxWaitMs) return status;

    const fingerprint = fingerprintOf(status);
    if (previous !== null) {
      intervalMs =
        fingerprint === previous ? Math.min(intervalMs * 2, timing.maxIntervalMs) : timing.initialIntervalMs;
    }
    previous = fingerprint;
    await abortable(options.sleep(Math.max(intervalMs, pollAfterMs)), signal);
  }
}

/** What counts as a change: a check appearing, starting or finishing. */
function fingerprintOf(status: CiStatus): string {
  return JSON.stringify([
    status.state,
    status.checks.map((check) => [check.name, check.status, check.conclusion, check.startedAt]),
  ]);
}

async function abortable(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([wait, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}
