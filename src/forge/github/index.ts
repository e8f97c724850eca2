// Owns: the github forge (@octokit/rest with retries, throttling and conditional requests, and git pushes that keep the token out of URLs), an entry of its own so that Octokit's dozens of modules load only for a github plan.
// Must never: put the GitHub token in a URL, argv, file or log, or merge a pull request whose CI is not green on its head, nor land one through a merge result (merge group, or head updated with the base) whose CI it has not seen pass.
export type { CiSettleTiming } from "./ci-settle.ts";
export { computeCiStatus } from "./ci-state.ts";
export type { GithubRequestInfo } from "./github-client.ts";
export {
  createGithubForge,
  type GithubForge,
  type GithubForgeOptions,
  type GithubMergeRequest,
} from "./github-forge.ts";
export { GithubForgeError } from "./github-forge-error.ts";
