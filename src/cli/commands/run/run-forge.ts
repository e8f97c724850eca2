/** The forge the plan names: the local one in the state dir, or GitHub through its API. */
import { systemClock } from "../../../clock.ts";
import type { GithubRequestInfo } from "../../../forge/github/index.ts";
import { createLocalForge, type Forge } from "../../../forge/index.ts";
import type { Plan } from "../../../plan/index.ts";
import { revertBranchOf } from "../../../run/index.ts";
import type { CommandHome, CommandRunner } from "../../../sandbox/index.ts";

export interface ForgeWiring {
  stateDirectory: string;
  runner: CommandRunner;
  /** The scrubbed environment commands get (local CI runs in it; git finds its PATH there). */
  environment: Record<string, string>;
  /** The supervisor's own environment: the only place the GitHub token is read from. */
  parentEnvironment: NodeJS.ProcessEnv;
  onGithubRequest: (info: GithubRequestInfo) => void;
  /** The HOME a workstream's local CI runs get: its gates' caches (CI runs the claim's code, as they do). */
  ciHomeOf?: (workstreamId: string) => CommandHome;
}

export async function createForge(
  plan: Plan,
  wiring: ForgeWiring,
): Promise<Forge & { close?: () => Promise<void> }> {
  if (plan.forge.kind === "github") {
    // Loaded only for a github plan: Octokit and its plugins are dozens of modules to start.
    const { createGithubForge } = await import("../../../forge/github/index.ts");
    return createGithubForge({
      owner: plan.forge.owner,
      repo: plan.forge.repo,
      apiUrl: wiring.parentEnvironment.GITHUB_API_URL || "https://api.github.com",
      token: wiring.parentEnvironment.GITHUB_TOKEN ?? "",
      userRepository: plan.repo,
      remote: plan.forge.remote,
      base: plan.base,
      clock: systemClock,
      environment: wiring.environment,
      onRequest: wiring.onGithubRequest,
    });
  }
  // A revert of a workstream's unverified landing is checked by that workstream's CI.
  const owner = (branch: string) =>
    plan.workstreams.find(
      (workstream) => workstream.branch === branch || revertBranchOf(workstream.branch) === branch,
    );
  return createLocalForge({
    stateDir: wiring.stateDirectory,
    userRepository: plan.repo,
    base: plan.base,
    ciCommandFor: (branch) => owner(branch)?.commands.ci,
    ...(wiring.ciHomeOf
      ? {
          ciHomeFor: (branch: string) => {
            const workstream = owner(branch);
            return workstream ? wiring.ciHomeOf!(workstream.id) : undefined;
          },
        }
      : {}),
    runner: wiring.runner,
    environment: wiring.environment,
    clock: systemClock,
    ...(plan.forge.merge_batch === undefined ? {} : { maxMergeBatch: plan.forge.merge_batch }),
  });
}
