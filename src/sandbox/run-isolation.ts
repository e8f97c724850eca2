/**
 * The isolation policy of one run: every command (a worker's, a gate's, local CI's) may write
 * only the directory it runs in — its checkout or CI clone — and read the system, the mirror its
 * checkout borrows objects from, and supervise itself (for the `supervise` shim). The state dir,
 * the user's repository and other checkouts stay hidden.
 */
import { dirname } from "node:path";
import { createIsolation, type IsolationPolicy } from "./isolation.ts";
import type { IsolateCommand } from "./run-command.ts";

export interface RunIsolationOptions {
  stateDirectory: string;
  userRepository: string;
  /** The supervisor's private mirror: checkouts read objects from it through git alternates. */
  mirrorPath: string;
  /** Where the worker tools' socket is. */
  socketPath: string;
  /** Read-only extras: the supervise installation and the Node binary the shim runs. */
  readOnly: string[];
  network: IsolationPolicy["network"];
  home: string | undefined;
}

export function createRunIsolation(options: RunIsolationOptions): IsolateCommand {
  const hidden = [options.stateDirectory, options.userRepository];
  if (options.home) hidden.push(options.home);
  const readOnly = [options.mirrorPath, ...options.readOnly];
  return (invocation) =>
    createIsolation({
      writable: [invocation.cwd],
      readOnly: readOnly.filter((path) => path !== invocation.cwd),
      hidden,
      sockets: [options.socketPath],
      network: options.network,
    })(invocation);
}

/**
 * What a plan's worker commands need to read beyond the checkout: the plan's own folder (worker
 * scripts, cassettes and prompts usually sit beside the plan) and the folder of every absolute
 * path the agent command names (`bash /opt/agents/run.sh`). Hidden paths inside them stay hidden.
 */
export function planReadablePaths(
  planFile: string,
  agentCommands: readonly string[],
  exists: (path: string) => boolean,
): string[] {
  const paths = new Set<string>([dirname(planFile)]);
  for (const command of agentCommands) {
    for (const word of command.split(/\s+/)) {
      const candidate = word.replace(/^['"]|['"]$/g, "");
      if (!candidate.startsWith("/") || !exists(candidate)) continue;
      // The folder (siblings the script sources) and the path itself: when the folder is hidden (the
      // user's repository), the deeper mount of the file alone still lets the command start.
      paths.add(dirname(candidate));
      paths.add(candidate);
    }
  }
  return [...paths];
}

/** The directories the `supervise` shim needs inside the sandbox: this installation and Node. */
export function superviseInstallation(cliPath: string, nodePath: string): string[] {
  return [dirname(dirname(cliPath)), dirname(nodePath)];
}
