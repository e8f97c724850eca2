/**
 * Merging on GitHub so that what lands is what CI checked: the merge names the head SHA the caller
 * saw (GitHub answers 409 when the branch moved since) and is refused while CI on that head is not
 * green. What lands is a merge result CI passed on: the base branch's merge queue tests it when
 * there is one (merge-queue.ts); otherwise a head behind the base is first updated with it and
 * CI must pass on the updated head, to which the merge is pinned (updated-head.ts). A merge whose
 * response was lost is recognized as done on the next look.
 */
import type { Landing, MergeResult } from "../forge.ts";
import { describeRequestFailure, githubMessage, isRequestError } from "./github-forge-error.ts";
import { type MergeQueueContext, mergeThroughQueue } from "./merge-queue.ts";
import { type PullRequestContext, pullRequestView } from "./pull-requests.ts";
import {
  conflict,
  headBeforeBaseMerge,
  judgeTestedHead,
  type UpdatedHeadContext,
  updateWithBase,
} from "./updated-head.ts";

type Refusal = Extract<MergeResult, { isMerged: false }>;
type RefusalReason = Refusal["reason"];

export interface MergeContext extends MergeQueueContext, UpdatedHeadContext {
  /** Does the base take changes only through its merge queue? `isFresh` asks GitHub again. */
  hasMergeQueue(base: string, options?: { isFresh?: boolean }): Promise<boolean>;
}

/** The base may move again while CI runs on the updated head; after this many updates the merge is refused. */
const maxUpdateRounds = 3;

export async function mergePullRequest(
  context: MergeContext,
  request: {
    number: number;
    expectedHeadSha: string;
    method?: "squash" | "merge" | "rebase" | undefined;
    /** How long the merge may wait for a merge result's CI (the queue, or the updated head). */
    maxWaitMs: number;
  },
): Promise<MergeResult> {
  const { number, expectedHeadSha } = request;
  const refuse = (reason: RefusalReason, message: string): Refusal => ({ isMerged: false, reason, message });
  // A pull request this process saw open at the expected head needs no look before the merge:
  // the merge names that head, and GitHub refuses it when the branch moved (409) or the pull
  // request was closed or merged since (405), which the look after a refusal then tells apart.
  let testedSha = expectedHeadSha;
  const known = context.memory.knownByNumber(number);
  if (!(known?.state === "open" && known.headSha === expectedHeadSha)) {
    const before = await readPull(context, number);
    if (before.merged) {
      return refuse(
        "already_merged",
        `Pull request #${number} is already merged as ${before.merge_commit_sha}.`,
      );
    }
    if (before.state !== "open") return refuse("not_mergeable", `Pull request #${number} is closed.`);
    if (before.mergeable === false && before.mergeable_state === "dirty") {
      return conflict(number, context.base, "GitHub finds it not mergeable");
    }
    if (before.head.sha !== expectedHeadSha) {
      // An earlier attempt (perhaps of a process since restarted) updated it with the base.
      if ((await headBeforeBaseMerge(context, context.base, before.head.sha)) !== expectedHeadSha) {
        return refuse(
          "head_moved",
          `The head of #${number} is ${before.head.sha}, not the expected ${expectedHeadSha}.`,
        );
      }
      testedSha = before.head.sha;
    }
  }
  const ci = await context.ciStatus(expectedHeadSha);
  // `none` merges: a repository without CI has nothing to wait for, and GitHub's branch protection
  // still refuses a merge whose required checks are missing.
  if (ci.state === "pending" || ci.state === "failure") {
    const failing = ci.checks.filter((check) => check.status !== "completed" || !isPassing(check.conclusion));
    const names = failing.map((check) => `${check.name} (${check.conclusion ?? check.status})`).join(", ");
    return refuse("ci_not_green", `CI on ${expectedHeadSha} is ${ci.state}: ${names}.`);
  }
  if (await context.hasMergeQueue(context.base)) {
    return viaQueue(context, {
      number,
      expectedHeadSha: testedSha,
      requestedHeadSha: expectedHeadSha,
      maxWaitMs: request.maxWaitMs,
    });
  }

  const startedMs = context.now();
  const remainingMs = () => Math.max(0, request.maxWaitMs - (context.now() - startedMs));
  let landing: Landing | null = null;
  for (let round = 0; landing === null; round += 1) {
    if (!(await context.isUpToDateWithBase(testedSha))) {
      if (round >= maxUpdateRounds) {
        return refuse(
          "not_mergeable",
          `${context.base} moved ${maxUpdateRounds} times while CI ran on #${number} updated with it; merge it again later.`,
        );
      }
      const updated = await updateWithBase(context, {
        number,
        expectedHeadSha: testedSha,
        maxWaitMs: remainingMs(),
      });
      if ("reason" in updated) return updated;
      testedSha = updated.updatedHeadSha;
      const updatedCi = await context.waitForCi(testedSha, remainingMs());
      const judged = judgeTestedHead(
        { number, testedSha, requestedHeadSha: expectedHeadSha, waitedMs: context.now() - startedMs },
        updatedCi,
      );
      if ("reason" in judged) return judged;
      continue; // the base may have moved again while CI ran
    }
    const headCi = testedSha === expectedHeadSha ? ci : await context.ciStatus(testedSha);
    const judged = judgeTestedHead(
      { number, testedSha, requestedHeadSha: expectedHeadSha, waitedMs: context.now() - startedMs },
      headCi,
    );
    if ("reason" in judged) return judged;
    landing = judged.landing;
  }
  return mergePinned(context, { ...request, testedSha, landing });
}

async function viaQueue(
  context: MergeContext,
  request: { number: number; expectedHeadSha: string; requestedHeadSha?: string; maxWaitMs: number },
): Promise<MergeResult> {
  const { result, landing } = await mergeThroughQueue(context, request);
  if (landing) context.memory.rememberLanding(request.number, landing);
  return result;
}

/** The merge itself, at the head CI passed on, which already holds the base. */
async function mergePinned(
  context: MergeContext,
  request: {
    number: number;
    expectedHeadSha: string;
    testedSha: string;
    landing: Landing;
    method?: "squash" | "merge" | "rebase" | undefined;
    maxWaitMs: number;
  },
): Promise<MergeResult> {
  const { number, testedSha } = request;
  const refuse = (reason: RefusalReason, message: string): Refusal => ({ isMerged: false, reason, message });
  const landed = (mergeCommitSha: string): MergeResult => {
    context.memory.rememberMerge(number, mergeCommitSha);
    context.memory.rememberLanding(number, request.landing);
    return { isMerged: true, mergeCommitSha, landing: request.landing };
  };
  try {
    const { data } = await context.client.rest.pulls.merge({
      ...context.repository,
      pull_number: number,
      sha: testedSha,
      merge_method: request.method ?? "squash",
    });
    return landed(data.sha);
  } catch (error) {
    if (isRequestError(error) && error.status === 409) {
      return refuse("head_moved", `GitHub refused to merge #${number}: ${githubMessage(error)}`);
    }
    // Whatever the failure, the merge may have happened (a retried request whose first response
    // was lost is then refused as not mergeable): GitHub's pull request says.
    const after = await readPull(context, number);
    if (after.merged && after.head.sha === testedSha && after.merge_commit_sha) {
      return landed(after.merge_commit_sha);
    }
    if (after.merged) {
      return refuse(
        "already_merged",
        `Pull request #${number} is already merged as ${after.merge_commit_sha}, at the head ${after.head.sha}.`,
      );
    }
    if (after.state !== "open") return refuse("not_mergeable", `Pull request #${number} is closed.`);
    if (isRequestError(error) && (error.status === 405 || error.status === 422)) {
      const message = githubMessage(error);
      // A queue the first look missed (added since, or a rule GraphQL did not show): land through it.
      if (/merge queue/i.test(message) && (await context.hasMergeQueue(context.base, { isFresh: true }))) {
        return viaQueue(context, {
          number,
          expectedHeadSha: testedSha,
          requestedHeadSha: request.expectedHeadSha,
          maxWaitMs: request.maxWaitMs,
        });
      }
      return classifyRefusal(number, message, after);
    }
    throw describeRequestFailure(error, `merge pull request #${number}`);
  }
}

interface PullState {
  state: string;
  merged: boolean;
  merge_commit_sha: string | null;
  mergeable: boolean | null;
  mergeable_state: string;
  head: { sha: string };
}

async function readPull(context: PullRequestContext, number: number): Promise<PullState> {
  try {
    const { data } = await context.client.rest.pulls.get({ ...context.repository, pull_number: number });
    context.memory.remember(pullRequestView(data));
    return data;
  } catch (error) {
    throw describeRequestFailure(error, `read pull request #${number}`);
  }
}

function isPassing(conclusion: string | null): boolean {
  return conclusion === "success" || conclusion === "neutral" || conclusion === "skipped";
}

/** A 405 says only that GitHub will not merge; its message and the pull request's state say why. */
export function classifyRefusal(
  number: number,
  message: string,
  pull: Pick<PullState, "mergeable" | "mergeable_state">,
): Refusal {
  const said = `GitHub refused to merge #${number}: ${message}`;
  if (/merge queue/i.test(message)) {
    return {
      isMerged: false,
      reason: "not_mergeable",
      message: `${said} (the base branch only takes changes through its merge queue; a direct merge cannot land it).`,
    };
  }
  if (pull.mergeable === false && pull.mergeable_state === "dirty") {
    return {
      isMerged: false,
      reason: "conflict",
      message: `${said} (it conflicts with the base branch).`,
      conflictingFiles: [],
    };
  }
  if (pull.mergeable_state === "behind") {
    return {
      isMerged: false,
      reason: "not_mergeable",
      message: `${said} (branch protection requires the branch to be up to date with the base; merge or rebase the base into it).`,
    };
  }
  if (
    pull.mergeable_state === "blocked" ||
    /protected branch|rule violation|required status|review/i.test(message)
  ) {
    return {
      isMerged: false,
      reason: "not_mergeable",
      message: `${said} (branch protection or a repository rule blocks it).`,
    };
  }
  return { isMerged: false, reason: "not_mergeable", message: said };
}
