/**
 * Expected failures: every error a user can cause or fix extends SuperviseError, carrying the
 * message written for them, an optional hint, and the exit code of DESIGN.md. Anything else that
 * reaches the CLI's top-level handler is a bug.
 */

export const ExitCode = {
  allAccepted: 0,
  someNotAccepted: 1,
  badInput: 2,
  waitingOnHuman: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface SuperviseErrorOptions {
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

export class SuperviseError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, options: SuperviseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SuperviseError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.badInput;
  }
}

/** Bad flags, unknown commands or arguments. Raised by src/cli/; never retried. */
export class UsageError extends SuperviseError {
  constructor(message: string, options: SuperviseErrorOptions = {}) {
    super(message, { hint: "Run `supervise --help` for the commands and flags.", ...options });
    this.name = "UsageError";
  }
}

/** One problem in a plan file, located in the YAML source. */
export interface PlanProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted field path, e.g. `workstreams[1].depends_on[0]`; empty for the document itself. */
  path: string;
  message: string;
}

export function formatPlanProblem(problem: PlanProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  return problem.path ? `${where}: ${problem.path}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** A plan that does not validate; carries every problem at once. Raised by src/plan/. */
export class PlanError extends SuperviseError {
  readonly problems: PlanProblem[];

  constructor(problems: PlanProblem[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(
      `The plan is not valid (${count}):\n${problems.map((p) => `  ${formatPlanProblem(p)}`).join("\n")}`,
      {
        hint: "Fix the fields named above; `supervise schema` prints every field the plan accepts.",
      },
    );
    this.name = "PlanError";
    this.problems = problems;
  }
}

/** The state dir or a run in it cannot be used (unwritable, locked, corrupt). */
export class StateError extends SuperviseError {
  constructor(message: string, options: SuperviseErrorOptions = {}) {
    super(message, options);
    this.name = "StateError";
  }
}

/** A journal write or fsync failed: the run stops at once and is never retried. */
export class JournalWriteError extends SuperviseError {
  constructor(message: string, options: SuperviseErrorOptions = {}) {
    super(message, { exitCode: ExitCode.someNotAccepted, ...options });
    this.name = "JournalWriteError";
  }
}

/** The `code` of an OS error (`ENOENT`, `EACCES`, …), if it has one. */
export function osErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The message of anything thrown: an Error's own message, anything else as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
