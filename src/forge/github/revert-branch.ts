/**
 * The commit that undoes a change already on GitHub's base, made through the git data API: a
 * commit object over a tree GitHub already has, then the branch pointed at it. Nothing is pushed
 * from the supervisor's mirror, which never holds a merge commit GitHub made. A repeated call
 * makes another commit and moves the branch to it (a dangling commit costs nothing).
 */
import type { RevertBranch } from "../forge.ts";
import { describeRequestFailure, GithubForgeError, githubMessage, hasStatus } from "./github-forge-error.ts";
import type { PullRequestContext } from "./pull-requests.ts";

export async function createRevertBranch(
  context: PullRequestContext & { base: string },
  request: { branch: string; landedSha: string; restoreSha?: string; message: string },
): Promise<RevertBranch> {
  const { client, repository } = context;
  if (request.branch === context.base) {
    throw new GithubForgeError(
      `\`${context.base}\` is protected: a revert goes through a pull request from a branch of its own.`,
    );
  }
  const readCommit = async (sha: string) => {
    try {
      return (await client.rest.git.getCommit({ ...repository, commit_sha: sha })).data;
    } catch (error) {
      throw describeRequestFailure(error, `read the commit ${sha}`);
    }
  };
  const landed = await readCommit(request.landedSha);
  const restoredSha = request.restoreSha ?? landed.parents[0]?.sha;
  if (restoredSha === undefined) {
    throw new GithubForgeError(`Cannot revert ${request.landedSha}: it has no parent to restore.`);
  }
  const restored = await readCommit(restoredSha);
  let sha: string;
  try {
    const { data } = await client.rest.git.createCommit({
      ...repository,
      message: request.message,
      tree: restored.tree.sha,
      parents: [landed.sha],
    });
    sha = data.sha;
  } catch (error) {
    throw describeRequestFailure(error, `make the commit that reverts ${request.landedSha}`);
  }
  try {
    await client.rest.git.createRef({ ...repository, ref: `refs/heads/${request.branch}`, sha });
  } catch (error) {
    if (!(hasStatus(error, 422) && /already exists/i.test(githubMessage(error))))
      throw describeRequestFailure(error, `create the branch ${request.branch}`);
    try {
      await client.rest.git.updateRef({ ...repository, ref: `heads/${request.branch}`, sha, force: true });
    } catch (updateError) {
      throw describeRequestFailure(updateError, `move the branch ${request.branch}`);
    }
  }
  context.memory.rememberPush(request.branch, sha);
  return { branch: request.branch, sha, restoredSha };
}
