/**
 * Whether OS isolation can work on this machine, found by isolating a real `true` with the same
 * arguments every command gets: bwrap's presence, its version and the kernel's namespace rules
 * all show up in that one run, which no flag or sysctl reading covers on its own.
 */
import { platform } from "node:os";
import { createIsolation, type IsolationOptions } from "./isolation.ts";
import { runProgram } from "./run-program.ts";

export interface IsolationAvailability {
  available: boolean;
  /** Why not, and what would fix it; only when unavailable. */
  reason?: string;
}

export interface IsolationCheckOptions extends IsolationOptions {
  /** The PATH to find bwrap and `true` on; default the usual system directories. */
  path?: string;
  /** Default 10 s: a sandbox that cannot start within that is not usable for every command. */
  timeoutMs?: number;
}

const installHint = "Install bubblewrap (Debian and Ubuntu: `apt-get install bubblewrap`).";

export async function checkIsolationAvailable(
  options: IsolationCheckOptions = {},
): Promise<IsolationAvailability> {
  if (platform() !== "linux") {
    return {
      available: false,
      reason: `OS isolation uses bubblewrap, which needs Linux; this is ${platform()}.`,
    };
  }
  const bwrapPath = options.bwrapPath ?? "bwrap";
  const timeoutMs = options.timeoutMs ?? 10_000;
  const environment = { PATH: options.path ?? "/usr/local/bin:/usr/bin:/bin" };
  const isolate = createIsolation(
    { writable: [], readOnly: [], hidden: [], sockets: [], network: "none" },
    { bwrapPath },
  );
  const invocation = await isolate({ argv: ["true"], cwd: "/", env: environment });
  const [file, ...args] = invocation.argv;
  const result = await runProgram(file, args, {
    cwd: invocation.cwd,
    env: invocation.env,
    timeoutMs,
  });
  if (result.exitCode === 0) return { available: true };
  if (result.startError?.includes("ENOENT")) {
    return { available: false, reason: `bubblewrap (${bwrapPath}) was not found. ${installHint}` };
  }
  if (result.startError !== null) {
    return {
      available: false,
      reason: `bubblewrap (${bwrapPath}) could not be started: ${result.startError}`,
    };
  }
  if (result.isTimedOut) {
    return {
      available: false,
      reason: `bubblewrap (${bwrapPath}) did not start a sandbox within ${timeoutMs} ms.`,
    };
  }
  const message = result.stderr.trim() || `it exited with ${result.exitCode ?? result.signal}.`;
  return {
    available: false,
    reason: `bubblewrap could not start a sandbox: ${message}${namespaceHint(message)}`,
  };
}

/** The usual cause of a bwrap that is installed but fails: the kernel refuses unprivileged namespaces. */
function namespaceHint(message: string): string {
  if (!/namespace|permission|not permitted/i.test(message)) return "";
  return (
    " Unprivileged user namespaces look disabled: check `sysctl kernel.unprivileged_userns_clone`" +
    " (Debian), `kernel.apparmor_restrict_unprivileged_userns` (Ubuntu 24.04+) and" +
    " `user.max_user_namespaces`, or the container's seccomp profile, which may forbid them."
  );
}
