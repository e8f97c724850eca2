/** What one gate observed and concluded; the unit of evidence in a bundle. */

/**
 * A gate's status, and the verb of the journal event that records it (`gate.passed`, …): one table,
 * read both ways (see run/events.ts), so the status and its event cannot disagree.
 */
export const gateEventVerbs = {
  pass: "passed",
  fail: "failed",
  error: "errored",
  skipped: "skipped",
  waived: "waived",
} as const;

export type GateStatus = keyof typeof gateEventVerbs;

export interface CommandObservation {
  command: string;
  exitCode: number | null;
  signal: string | null;
  isTimedOut: boolean;
  durationMs: number;
  /** Path of the full log, relative to the run directory. */
  log: string;
  /** Capped output (head and tail), for rejections. */
  outputTail: string;
  /**
   * A failed command's first error lines, from the start of its full log (error-excerpt.ts); empty
   * when no line reads as an error. Absent for a command that passed, and in older journals.
   */
  excerpt?: string;
  /**
   * The check's test outcomes by file and name as the supervisor's ledger recorded them (a JSON
   * file relative to the run directory); absent when no node:test runner reported.
   */
  ledger?: string;
}

export interface GateResult {
  /** A built-in gate's id or the name of a gate the plan defines. */
  id: string;
  status: GateStatus;
  /** One line a person reads first: what the supervisor saw. */
  detail: string;
  /** What was observed, as data. */
  observed: Record<string, unknown>;
  command?: CommandObservation;
  /**
   * Set when the gate could not run for a reason of the sandbox, not of the claim (a program not
   * found, not executable, a command that could not start): a human is asked, and the claim is
   * not counted against the worker.
   */
  environmentProblem?: string;
  /** What the plan says to do when this gate fails (a plan gate's `fix_hint`). */
  fixHint?: string;
}

export function gateResult(
  id: string,
  status: GateStatus,
  detail: string,
  observed: Record<string, unknown> = {},
): GateResult {
  return { id, status, detail, observed };
}
