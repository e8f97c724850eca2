/**
 * Time spent waiting on a human decision: from each escalation's opening to its decision (or to
 * now while it is open). It is shown apart from the workers' time, never counted as work.
 */

export interface WaitedEscalation {
  opened_at: string;
  decided_at: string | null;
}

/** The intervals a workstream waited on a human, in ms since the epoch, oldest first. */
export function humanWaitIntervals(
  escalations: readonly WaitedEscalation[],
  nowMs: number,
): { fromMs: number; toMs: number }[] {
  return escalations
    .map((escalation) => ({
      fromMs: Date.parse(escalation.opened_at),
      toMs: escalation.decided_at === null ? nowMs : Date.parse(escalation.decided_at),
    }))
    .filter((interval) => Number.isFinite(interval.fromMs) && interval.toMs > interval.fromMs)
    .sort((left, right) => left.fromMs - right.fromMs);
}

/** The total time of the intervals, overlaps counted once (two questions open at once are one wait). */
export function humanWaitMs(escalations: readonly WaitedEscalation[], nowMs: number): number {
  let total = 0;
  let coveredUntil = Number.NEGATIVE_INFINITY;
  for (const { fromMs, toMs } of humanWaitIntervals(escalations, nowMs)) {
    const start = Math.max(fromMs, coveredUntil);
    if (toMs > start) total += toMs - start;
    coveredUntil = Math.max(coveredUntil, toMs);
  }
  return total;
}
