import { ExitCode, SuperviseError, type SuperviseErrorOptions } from "../../errors.ts";

/**
 * Something the local forge could not do: an unknown pull request or issue, a missing origin
 * branch, a cancelled git command (a failed one is a GitCommandError). Raised by src/forge/local/;
 * never retried by the forge itself.
 * It stops the operation at hand, not the run, unless the caller decides so (hence exit code 1).
 */
export class LocalForgeError extends SuperviseError {
  constructor(message: string, options: SuperviseErrorOptions = {}) {
    super(message, { exitCode: ExitCode.someNotAccepted, ...options });
    this.name = "LocalForgeError";
  }
}
