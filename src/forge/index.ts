// Owns: the Forge interface and the embedded local forge (bare origin, pull requests, issues and CI under the state dir).
// Must never: run a git hook, or move the base except by merging a pull request whose CI is green on its head.
export type { CheckConclusion, CheckRun, CiStatus, Forge, Issue, MergeResult, PullRequest } from "./forge.ts";
export { issuesClosedBy } from "./local/closing-keywords.ts";
export { createLocalForge, type LocalForge, type LocalForgeOptions } from "./local/local-forge.ts";
export { GitCommandError, LocalForgeError } from "./local/local-forge-error.ts";
export { superviseRemoteName } from "./local/origin-repository.ts";
