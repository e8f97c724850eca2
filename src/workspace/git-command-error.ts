import { ExitCode, SuperviseError } from "../errors.ts";

/**
 * A git command the supervisor ran exited non-zero: raised by SafeGit and the local forge's git,
 * never retried. The message names the command and git's own complaint.
 */
export class GitCommandError extends SuperviseError {
  /** The caller's arguments, without the hardening prefix. */
  readonly args: readonly string[];
  readonly gitExitCode: number;
  readonly stderr: string;

  constructor(options: { directory: string; args: readonly string[]; gitExitCode: number; stderr: string }) {
    const { directory, args, gitExitCode, stderr } = options;
    const complaint =
      stderr.split("\n").find((line) => /^(fatal|error): /.test(line)) ??
      (stderr.trim() || `exit code ${gitExitCode}`);
    super(`git ${args.join(" ")} failed in ${directory}: ${complaint}`, {
      exitCode: ExitCode.someNotAccepted,
    });
    this.name = "GitCommandError";
    this.args = args;
    this.gitExitCode = gitExitCode;
    this.stderr = stderr;
  }
}
