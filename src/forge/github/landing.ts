/**
 * How a merged pull request landed, read back from GitHub so it survives a supervisor restart:
 * through the merge queue (GitHub's timeline says it was added, and the merge commit is the
 * merge group CI checked), or at a head that already held the base (the merge commit's first
 * parent, the base before, is in the head), green on that head. Anything else landed untested.
 */
import type { CiStatus, Landing, PullRequest } from "../forge.ts";
import { describeRequestFailure } from "./github-forge-error.ts";
import { readQueuedPullRequest } from "./merge-queue.ts";
import type { PullRequestContext } from "./pull-requests.ts";
import { commitsBehindBase, headBeforeBaseMerge, judgeTestedHead } from "./updated-head.ts";

export interface LandingContext extends PullRequestContext {
  ciStatus(sha: string): Promise<CiStatus>;
  hasMergeQueue(base: string): Promise<boolean>;
}

/** The pull request with `landing` when it is merged; an open or closed one is returned as it is. */
export async function withLanding(context: LandingContext, pull: PullRequest): Promise<PullRequest> {
  if (!pull.isMerged || !pull.mergeCommitSha) return pull;
  const known = context.memory.landingOf(pull.number);
  const landing = known ?? (await readLanding(context, { ...pull, mergeCommitSha: pull.mergeCommitSha }));
  if (landing && !known) context.memory.rememberLanding(pull.number, landing);
  return { ...pull, landing };
}

async function readLanding(
  context: LandingContext,
  pull: PullRequest & { mergeCommitSha: string },
): Promise<Landing | null> {
  if (await context.hasMergeQueue(pull.base)) {
    const queued = await readQueuedPullRequest(context, pull.number);
    if (queued.additions.totalCount > 0) {
      // The queue fast-forwards the base to the merge group it tested: the merge commit is it.
      const ci = await context.ciStatus(pull.mergeCommitSha);
      if (ci.state !== "success" && ci.state !== "none") return null;
      return {
        via: "merge_queue",
        testedSha: pull.mergeCommitSha,
        ciState: ci.state,
        ciDetailsUrl: ci.checks[0]?.detailsUrl ?? null,
        batch: [pull.number],
        requestedHeadSha: await requestedHead(context, pull),
      };
    }
  }
  const mergeCommit = await readCommit(context, pull.mergeCommitSha);
  const baseBefore = mergeCommit.parents[0]?.sha;
  if (!baseBefore || (await commitsBehindBase(context, baseBefore, pull.headSha)) > 0) return null;
  const ci = await context.ciStatus(pull.headSha);
  const judged = judgeTestedHead(
    {
      number: pull.number,
      testedSha: pull.headSha,
      requestedHeadSha: await requestedHead(context, pull),
      waitedMs: 0,
    },
    ci,
  );
  return "landing" in judged ? judged.landing : null;
}

/** The head before GitHub's update-branch merged the base into it, else the head itself. */
async function requestedHead(context: PullRequestContext, pull: PullRequest): Promise<string> {
  return (await headBeforeBaseMerge(context, pull.base, pull.headSha)) ?? pull.headSha;
}

async function readCommit(
  context: PullRequestContext,
  sha: string,
): Promise<{ message: string; parents: { sha: string }[] }> {
  try {
    const { data } = await context.client.rest.git.getCommit({ ...context.repository, commit_sha: sha });
    return data;
  } catch (error) {
    throw describeRequestFailure(error, `read the commit ${sha}`);
  }
}
