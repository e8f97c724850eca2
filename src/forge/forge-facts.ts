/**
 * What the forge says about a pull request, an issue and CI, as the journal, the gates and the
 * bundles record it: facts, never verdicts (the gates in evidence/ judge them).
 */
import type { CiStatus, Forge, Issue, Landing, PullRequest } from "./forge.ts";

/** A pull request as the journal (`pull_request.opened`), gates and bundles record it. */
export type PullRequestFacts = {
  number: number;
  url: string;
  head: string;
  head_sha: string;
  base: string;
  state: PullRequest["state"];
  merged: boolean;
  merge_commit: string | null;
  merged_at: string | null;
  /** How it landed (merge result tested, batch); absent when the forge cannot say. */
  landing?: Record<string, unknown> | null;
};

export function pullRequestFacts(pullRequest: PullRequest): PullRequestFacts;
export function pullRequestFacts(pullRequest: PullRequest | null): PullRequestFacts | null;
export function pullRequestFacts(pullRequest: PullRequest | null): PullRequestFacts | null {
  if (!pullRequest) return null;
  return {
    number: pullRequest.number,
    url: pullRequest.url,
    head: pullRequest.head,
    head_sha: pullRequest.headSha,
    base: pullRequest.base,
    state: pullRequest.state,
    merged: pullRequest.isMerged,
    merge_commit: pullRequest.mergeCommitSha,
    merged_at: pullRequest.mergedAt,
    ...(pullRequest.landing === undefined ? {} : { landing: landingFacts(pullRequest.landing) }),
  };
}

/**
 * The head the supervisor asked the forge to merge: the pull request's head, unless the forge
 * updated it with the base before merging (GitHub without a merge queue), whose first parent is
 * the head asked for. A claim is judged at that commit.
 */
export function requestedHeadOf(pullRequest: PullRequest): string {
  const landing = pullRequest.landing;
  return landing?.via === "updated_head" && landing.requestedHeadSha
    ? landing.requestedHeadSha
    : pullRequest.headSha;
}

/** What CI tested before the base moved, as the journal and bundle.json spell it. */
export function landingFacts(landing: Landing | null): Record<string, unknown> | null {
  if (!landing) return null;
  return {
    via: landing.via,
    tested_commit: landing.testedSha,
    ...(landing.requestedHeadSha ? { requested_head: landing.requestedHeadSha } : {}),
    ci: landing.ciState,
    ci_details: landing.ciDetailsUrl,
    batch: landing.batch,
  };
}

export function issueFacts(issue: Issue | null): Record<string, unknown> | null {
  if (!issue) return null;
  return { number: issue.number, state: issue.state, closed_at: issue.closedAt, closed_by: issue.closedBy };
}

/**
 * Waits at most `waitMs` for CI to settle, then judges what the forge says. A forge that polls
 * takes the bound on its own clock; the timer is for one that does not, and it stops the polling,
 * which would otherwise go on for hours after the gate has judged.
 */
export async function settleWithin(forge: Forge, sha: string, waitMs: number): Promise<CiStatus> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error("the CI wait is over")), waitMs);
  try {
    return await forge.whenCiSettled(sha, { signal: controller.signal, maxWaitMs: waitMs });
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    return await forge.ciStatus(sha);
  } finally {
    clearTimeout(timer);
    controller.abort(new Error("the CI wait is over"));
  }
}
