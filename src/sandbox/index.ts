// Owns: running every command (worker, gate, local CI) with a scrubbed environment, a timeout, whole-tree kills, capped output, a process bound and OS isolation (bubblewrap, an allow-list proxy, loopback ports bridged in); reading which programs a shell command starts; and redaction, which keeps the same secrets out of everything the run writes.
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
  allowedLoopbackPorts,
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
export { type LoopbackForwarder, startLoopbackForwarder } from "./loopback-forwarder.ts";
export {
  bridgePort,
  findNetworkBridge,
  gatewayBridgePort,
  type LoopbackBridge,
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
export { programsOf } from "./program-names.ts";
export { createRedactor, type Redactor } from "./redactor.ts";
export {
  type CommandHome,
  type CommandInvocation,
  type CommandRequest,
  type CommandResult,
  type CommandRunner,
  type CommandRunnerOptions,
  createCommandRunner,
  defaultOutputCapBytes,
  type IsolateCommand,
  type LoopbackBridges,
  type RunningCommand,
  withHome,
} from "./run-command.ts";
export {
  agentCommandPaths,
  agentInstallPaths,
  createRunIsolation,
  superviseInstallation,
  toolchainPaths,
} from "./run-isolation.ts";
export { runProgram } from "./run-program.ts";
export { describeSandbox, type SandboxFacts, sandboxFacts } from "./sandbox-facts.ts";
