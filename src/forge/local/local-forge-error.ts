import { ExitCode, SuperviseError, type SuperviseErrorOptions } from "../../errors.ts";

/**
 * Something the local forge could not do: an unknown pull request or issue, a missing origin
 * branch, a git command that failed. Raised by src/forge/local/; never retried by the forge itself.
 * It stops the operation at hand, not the run, unless the caller decides so (hence exit code 1).
 */
export class LocalForgeError extends SuperviseError {
  constructor(message: string, options: SuperviseErrorOptions = {}) {
    super(message, { exitCode: ExitCode.someNotAccepted, ...options });
    this.name = "LocalForgeError";
  }
}

/** A supervisor git command that exited non-zero; the message carries git's own `fatal:` line. */
export class GitCommandError extends LocalForgeError {
  readonly gitArguments: readonly string[];
  readonly gitExitCode: number | null;
  readonly stderr: string;

  constructor(gitArguments: readonly string[], gitExitCode: number | null, stderr: string) {
    const reason = stderr.split("\n").find((line) => /^(fatal|error): /.test(line)) ?? stderr.trim();
    super(
      `\`git ${gitArguments.join(" ")}\` failed (exit ${gitExitCode ?? "none"}): ${reason || "no output"}`,
    );
    this.name = "GitCommandError";
    this.gitArguments = gitArguments;
    this.gitExitCode = gitExitCode;
    this.stderr = stderr;
  }
}
