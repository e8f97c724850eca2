/**
 * The commit that undoes a change already on origin's base, made in origin itself with the
 * forge's hardened git: no checkout, no merge, only `commit-tree` over a tree origin already has,
 * so nothing in the repository (hooks, attributes, filters) takes part.
 */
import type { Clock } from "../../clock.ts";
import type { RevertBranch } from "../forge.ts";
import type { Git } from "./git.ts";
import { LocalForgeError } from "./local-forge-error.ts";

export interface RevertBranchRequest {
  branch: string;
  landedSha: string;
  restoreSha?: string;
  message: string;
}

export async function createRevertBranch(
  options: { git: Git; originPath: string; base: string; clock: Clock },
  request: RevertBranchRequest,
): Promise<RevertBranch> {
  const { git } = options;
  const inOrigin = { gitDirectory: options.originPath };
  if (request.branch === options.base) {
    throw new LocalForgeError(
      `\`${options.base}\` is protected: a revert goes through a pull request from a branch of its own.`,
    );
  }
  if ((await git.attempt(["check-ref-format", `refs/heads/${request.branch}`], inOrigin)).exitCode !== 0) {
    throw new LocalForgeError(
      `Cannot make a revert branch: \`${request.branch}\` is not a valid branch name.`,
    );
  }
  const commitOf = async (name: string, what: string): Promise<string> => {
    const outcome = await git.attempt(["rev-parse", "--verify", "--quiet", `${name}^{commit}`], inOrigin);
    if (outcome.exitCode !== 0)
      throw new LocalForgeError(`Cannot revert: origin has no commit ${name} (${what}).`);
    return outcome.stdout.trim();
  };
  const landedSha = await commitOf(request.landedSha, "the landed change");
  const restoredSha = await commitOf(request.restoreSha ?? `${landedSha}^1`, "what the revert restores");
  const tree = await git.run(["rev-parse", `${restoredSha}^{tree}`], inOrigin);
  const date = `@${Math.floor(options.clock.now() / 1000)} +0000`;
  const sha = await git.run(["commit-tree", tree, "-p", landedSha, "-F", "-"], {
    ...inOrigin,
    input: request.message,
    environment: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
  });
  await git.run(
    ["update-ref", "-m", "revert an unverified landing", `refs/heads/${request.branch}`, sha],
    inOrigin,
  );
  return { branch: request.branch, sha, restoredSha };
}
