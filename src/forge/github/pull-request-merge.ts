/**
 * Merging on GitHub so that what lands is what was checked: the merge names the head SHA the
 * caller saw (GitHub answers 409 when the branch moved since), is refused here while CI on that
 * head is not green, and a merge whose response was lost is recognized as done on the next look.
 */
import type { CiStatus, MergeResult } from "../forge.ts";
import { describeRequestFailure, githubMessage, isRequestError } from "./github-forge-error.ts";
import { type PullRequestContext, pullRequestView } from "./pull-requests.ts";

type Refusal = Extract<MergeResult, { isMerged: false }>;
type RefusalReason = Refusal["reason"];

export interface MergeContext extends PullRequestContext {
  ciStatus: (sha: string) => Promise<CiStatus>;
}

export async function mergePullRequest(
  context: MergeContext,
  request: { number: number; expectedHeadSha: string; method?: "squash" | "merge" | "rebase" },
): Promise<MergeResult> {
  const { number, expectedHeadSha } = request;
  const refuse = (reason: RefusalReason, message: string): Refusal => ({ isMerged: false, reason, message });
  // A pull request this process saw open at the expected head needs no look before the merge:
  // the merge names that head, and GitHub refuses it when the branch moved (409) or the pull
  // request was closed or merged since (405), which the look after a refusal then tells apart.
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
    if (before.head.sha !== expectedHeadSha) {
      return refuse(
        "head_moved",
        `The head of #${number} is ${before.head.sha}, not the expected ${expectedHeadSha}.`,
      );
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

  try {
    const { data } = await context.client.rest.pulls.merge({
      ...context.repository,
      pull_number: number,
      sha: expectedHeadSha,
      merge_method: request.method ?? "squash",
    });
    context.memory.rememberMerge(number, data.sha);
    return { isMerged: true, mergeCommitSha: data.sha };
  } catch (error) {
    if (isRequestError(error) && error.status === 409) {
      return refuse("head_moved", `GitHub refused to merge #${number}: ${githubMessage(error)}`);
    }
    // Whatever the failure, the merge may have happened (a retried request whose first response
    // was lost is then refused as not mergeable): GitHub's pull request says.
    const after = await readPull(context, number);
    if (after.merged && after.head.sha === expectedHeadSha && after.merge_commit_sha) {
      context.memory.rememberMerge(number, after.merge_commit_sha);
      return { isMerged: true, mergeCommitSha: after.merge_commit_sha };
    }
    if (after.merged) {
      return refuse(
        "already_merged",
        `Pull request #${number} is already merged as ${after.merge_commit_sha}, at the head ${after.head.sha}.`,
      );
    }
    if (after.state !== "open") return refuse("not_mergeable", `Pull request #${number} is closed.`);
    if (isRequestError(error) && (error.status === 405 || error.status === 422)) {
      return classifyRefusal(number, githubMessage(error), after);
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
    return { isMerged: false, reason: "conflict", message: `${said} (it conflicts with the base branch).` };
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
