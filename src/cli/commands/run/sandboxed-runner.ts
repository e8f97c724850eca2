/**
 * The one command runner of a run (workers, gates, local CI): bounded in processes and, under
 * `isolation: bwrap`, sandboxed by the run's isolation policy with the network the plan allows.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ToolServer } from "../../../agent/index.ts";
import type { Plan } from "../../../plan/index.ts";
import {
  allowedLoopbackPorts,
  type CommandRunner,
  createCommandRunner,
  createRunIsolation,
  type IsolationPolicy,
  type ProcessLimit,
  startLoopbackForwarder,
  startNetworkProxy,
  superviseInstallation,
  toolchainPaths,
} from "../../../sandbox/index.ts";
import type { Workspace } from "../../../workspace/index.ts";
import type { CleanupStack } from "./cleanup-stack.ts";
import type { Preflight } from "./preflight.ts";
import { cliPath } from "./supervise-shim.ts";

/** The network a sandboxed command gets; an allow-list starts the filtering proxy it goes through. */
export async function startSandboxNetwork(
  plan: Plan,
  allowList: Preflight["allowList"],
  socketDirectory: string,
  cleanups: CleanupStack,
): Promise<IsolationPolicy["network"]> {
  if (allowList === undefined) return plan.sandbox.network === "host" ? "host" : "none";
  const proxy = await startNetworkProxy({
    socketPath: join(socketDirectory, "proxy.sock"),
    allow: allowList.hosts,
  });
  cleanups.defer(() => proxy.close());
  const loopback = [];
  for (const port of allowedLoopbackPorts(allowList.hosts)) {
    const forwarder = await startLoopbackForwarder(port, join(socketDirectory, `loopback-${port}.sock`));
    cleanups.defer(() => forwarder.close());
    loopback.push({ port, socketPath: forwarder.socketPath });
  }
  return { proxySocketPath: proxy.socketPath, bridgePath: allowList.bridgePath, loopback };
}

export function createSandboxedRunner(options: {
  plan: Plan;
  stateDirectory: string;
  workspace: Workspace;
  toolServer: ToolServer;
  shimDirectory: string;
  processLimit: ProcessLimit;
  network: IsolationPolicy["network"];
  home: string | undefined;
  /** The PATH commands get: toolchains on it under HOME are mounted read-only. */
  path: string | undefined;
}): CommandRunner {
  const { plan, processLimit } = options;
  if (plan.sandbox.isolation === "none") return createCommandRunner({ processLimit });
  return createCommandRunner({
    processLimit,
    isolate: createRunIsolation({
      stateDirectory: options.stateDirectory,
      userRepository: plan.repo,
      mirrorPath: options.workspace.mirrorPath,
      socketPath: options.toolServer.socketPath,
      readOnly: [
        ...superviseInstallation(cliPath(), process.execPath),
        options.shimDirectory,
        ...toolchainPaths(options.home, options.path, existsSync),
      ],
      network: options.network,
      home: options.home,
    }),
  });
}
