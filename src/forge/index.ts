// Owns: the Forge interface, the facts the run and the gates record of what a forge says (pull requests, issues, CI waited on within a bound), and the embedded local forge (bare origin, pull requests, issues and CI under the state dir); the github forge is the entry forge/github/index.ts, loaded only for a github plan.
// Must never: judge what it reports (verdicts are the gates'), run a git hook, move the base except by merging a pull request whose CI is green on its head, or put the GitHub token in a URL, argv, file or log.
export type {
  CheckConclusion,
  CheckRun,
  CiStatus,
  Forge,
  Issue,
  Landing,
  MergeResult,
  PullRequest,
  PullRequestComment,
  RevertBranch,
} from "./forge.ts";
export {
  issueFacts,
  type PullRequestFacts,
  pullRequestFacts,
  requestedHeadOf,
  settleWithin,
} from "./forge-facts.ts";
export { issuesClosedBy, withoutForeignClosingReferences } from "./local/closing-keywords.ts";
export { createLocalForge, type LocalForge, type LocalForgeOptions } from "./local/local-forge.ts";
export { LocalForgeError } from "./local/local-forge-error.ts";
export { superviseRemoteName } from "./local/origin-repository.ts";
