// Owns: the supervisor's private git: the bare mirror of the user's repository, one clone per workstream, and safe git.
// Must never: write to the user's repository or the forge, or let a worker's repository config run code in the supervisor.
export { GitCommandError, gitLimitReached } from "./git-command-error.ts";
export {
  defaultIncomingLimits,
  type IncomingLimits,
  type IncomingObjects,
  incomingLimitProblem,
  measureIncoming,
} from "./incoming-objects.ts";
export {
  type ConfigEntry,
  driverOverrideArguments,
  parseConfigListing,
  pinnedSettingArguments,
  supervisorIdentity,
  UnsafeGitConfigError,
} from "./protective-config.ts";
export { type GitOutcome, type GitRequest, gitMaxStdoutBytes, gitTimeoutMs, runGit } from "./run-git.ts";
export { createSafeGit, type SafeGit, type SafeGitOptions } from "./safe-git.ts";
export {
  baseCountingCeiling,
  baseGrowthFactor,
  countingCeiling,
  defaultTreeLimits,
  type TreeLimitCheck,
  type TreeLimits,
  treeLimitProblem,
  treeLimitsAbove,
  WorkerCommitLimitError,
} from "./tree-limits.ts";
export { emptyTreeSize, measureTree, type TreeReader, type TreeSize } from "./tree-size.ts";
export {
  inspectUserRepository,
  type UserRepositoryFinding,
  uncommittedTrackedFiles,
} from "./user-repository.ts";
export {
  checkWorkerCommit,
  defaultWorkerCommitLimits,
  type WorkerCommitLimits,
  type WorkerCommitRefusal,
} from "./worker-commit-limits.ts";
export {
  type Checkout,
  Workspace,
  type WorkspaceOptions,
  workerCloneConfig,
} from "./workspace.ts";
