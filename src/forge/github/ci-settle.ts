/**
 * Waiting for CI on GitHub is polling, on the commit's shared schedule (ci-poller.ts): the first
 * read is new, the polls after it grow apart from 10 s to 2 min while nothing changes, and the wait
 * ends with the verdict, with `none` after a grace for checks to appear, or with the still-pending
 * status once the caller's bound is reached.
 */
import type { Clock } from "../../clock.ts";
import type { CiStatus } from "../forge.ts";
import type { CiPoller } from "./ci-poller.ts";

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
  sha: string;
  poller: CiPoller;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  timing: CiSettleTiming;
  signal?: AbortSignal | undefined;
  /** The caller's bound, on the same clock; the timing's maxWaitMs applies when it is longer. */
  maxWaitMs?: number | undefined;
}): Promise<CiStatus> {
  const { clock, timing, signal, poller, sha } = options;
  const startedMs = clock.now();
  const maxWaitMs = Math.min(timing.maxWaitMs, options.maxWaitMs ?? Number.POSITIVE_INFINITY);
  for (let isFirst = true; ; isFirst = false) {
    signal?.throwIfAborted();
    // The first read is new, so the wait never starts from an answer older than its caller; after
    // it, a read another caller made on the shared schedule is as good as one of its own.
    const status = await (isFirst ? poller.read(sha) : poller.poll(sha));
    const waitedMs = clock.now() - startedMs;
    if (status.state === "success" || status.state === "failure") return status;
    if (status.state === "none" && waitedMs >= timing.startGraceMs) return status;
    if (waitedMs >= maxWaitMs) return status;
    // The last pause ends at the bound, so the final answer is read then, not a pause later.
    const pauseMs = Math.min(poller.dueInMs(sha) || timing.initialIntervalMs, maxWaitMs - waitedMs);
    await abortable(options.sleep(pauseMs), signal);
  }
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
