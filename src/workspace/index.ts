// Owns the supervisor's private git: the bare mirror of the user's repository, one clone per workstream, and safe git.
// Must never write to the user's repository or the forge, nor let a worker's repository config run code in the supervisor.
export {
  type ConfigEntry,
  parseConfigListing,
  protectiveConfigArguments,
  supervisorIdentity,
  UnsafeGitConfigError,
} from "./protective-config.ts";
export { createSafeGit, GitCommandError, type SafeGit, type SafeGitOptions } from "./safe-git.ts";
export {
  type Checkout,
  disabledPushUrl,
  Workspace,
  type WorkspaceOptions,
  workerIdentity,
} from "./workspace.ts";
