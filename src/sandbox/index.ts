// Owns: running every command (worker, gate, local CI) with a scrubbed environment, a timeout, whole-tree kills, capped output, a process bound and OS isolation (bubblewrap, an allow-list proxy).
// Must never: inherit the supervisor's environment or credentials, or let a command's processes outlive its result.

export {
  buildCommandEnvironment,
  type CommandEnvironmentOptions,
  defaultAllowedVariables,
  ForbiddenVariableError,
  forbiddenVariables,
  secretLookingPatterns,
  supervisorContextPatterns,
} from "./environment.ts";
export {
  defaultAllowedPorts,
  type HostPattern,
  hostPatternProblem,
  isHostAllowed,
  parseHostPattern,
} from "./host-pattern.ts";
export {
  createIsolation,
  type IsolationOptions,
  IsolationPathError,
  type IsolationPolicy,
} from "./isolation.ts";
export {
  checkIsolationAvailable,
  type IsolationAvailability,
  type IsolationCheckOptions,
} from "./isolation-check.ts";
export {
  bridgePort,
  findNetworkBridge,
  type NetworkBridgeAvailability,
  type ProxiedNetwork,
  proxyEnvironment,
} from "./network-bridge.ts";
export {
  type NetworkDecision,
  type NetworkProxy,
  type NetworkProxyOptions,
  startNetworkProxy,
} from "./network-proxy.ts";
export { OutputBuffer } from "./output-buffer.ts";
export {
  type CommandProcessBound,
  createProcessLimit,
  type ProcessLimit,
  type ProcessLimitFacts,
  type ProcessLimitKind,
  type ProcessLimitOptions,
  unboundedProcessLimit,
} from "./process-limit.ts";
export {
  findProcessesWithMarker,
  isProcessAlive,
  killProcessesWithMarker,
  type SweepOptions,
  sweepProcessesWithMarker,
} from "./process-sweep.ts";
export { processTreeMarker } from "./process-tree.ts";
export {
  type CommandInvocation,
  type CommandRequest,
  type CommandResult,
  type CommandRunner,
  type CommandRunnerOptions,
  createCommandRunner,
  defaultOutputCapBytes,
  type IsolateCommand,
} from "./run-command.ts";
export { describeSandbox, type SandboxFacts, sandboxFacts } from "./sandbox-facts.ts";
