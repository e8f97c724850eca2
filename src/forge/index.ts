// Owns: the Forge interface, the embedded local forge (bare origin, pull requests, issues and CI under the state dir) and the github forge.
// Must never: run a git hook, move the base except by merging a pull request whose CI is green on its head, or put the GitHub token in a URL, argv, file or log.
export type {
  CheckConclusion,
  CheckRun,
  CiStatus,
  Forge,
  Issue,
  MergeResult,
  PullRequest,
  PullRequestComment,
} from "./forge.ts";
export type { CiSettleTiming } from "./github/ci-settle.ts";
export { computeCiStatus } from "./github/ci-state.ts";
export type { GithubRequestInfo } from "./github/github-client.ts";
export { createGithubForge, type GithubForge, type GithubForgeOptions } from "./github/github-forge.ts";
export { GithubForgeError } from "./github/github-forge-error.ts";
export { issuesClosedBy, withoutForeignClosingReferences } from "./local/closing-keywords.ts";
export { createLocalForge, type LocalForge, type LocalForgeOptions } from "./local/local-forge.ts";
export { LocalForgeError } from "./local/local-forge-error.ts";
export { superviseRemoteName } from "./local/origin-repository.ts";
