import { ExitCode, SuperviseError } from "../errors.ts";
import { formatBytes } from "../text.ts";
import { gitMaxStdoutBytes, gitTimeoutMs } from "./run-git.ts";

/**
 * A git command the supervisor ran exited non-zero, or was stopped at a limit: raised by SafeGit
 * and the local forge's git, never retried. The message names the command and git's own complaint,
 * or the limit it ran into.
 */
export class GitCommandError extends SuperviseError {
  /** The caller's arguments, without the hardening prefix. */
  readonly args: readonly string[];
  readonly gitExitCode: number;
  readonly stderr: string;
  /** Set when the supervisor stopped git at a limit (time, output), not git itself failing. */
  readonly limit: string | null;

  constructor(options: {
    directory: string;
    args: readonly string[];
    gitExitCode: number;
    stderr: string;
    limit?: string | null;
  }) {
    const { directory, args, gitExitCode, stderr } = options;
    const limit = options.limit ?? null;
    const complaint =
      limit ??
      stderr.split("\n").find((line) => /^(fatal|error): /.test(line)) ??
      (stderr.trim() || `exit code ${gitExitCode}`);
    super(`git ${args.join(" ")} failed in ${directory}: ${complaint}`, {
      exitCode: ExitCode.someNotAccepted,
    });
    this.name = "GitCommandError";
    this.args = args;
    this.gitExitCode = gitExitCode;
    this.stderr = stderr;
    this.limit = limit;
  }
}

/** The limit the supervisor stopped git at, in words; null when git ran to its own end. */
export function gitLimitReached(
  outcome: { isTimedOut: boolean; isOutputOverLimit: boolean },
  request: { timeoutMs?: number | undefined; maxStdoutBytes?: number | undefined } = {},
): string | null {
  if (outcome.isTimedOut) {
    const seconds = Number(((request.timeoutMs ?? gitTimeoutMs) / 1000).toFixed(1));
    return `stopped after ${seconds} s, the longest the supervisor lets one git command run`;
  }
  if (outcome.isOutputOverLimit) {
    const bytes = formatBytes(request.maxStdoutBytes ?? gitMaxStdoutBytes);
    return `stopped after printing ${bytes}, the most the supervisor reads from one git command`;
  }
  return null;
}
