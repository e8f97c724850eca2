/**
 * The one forge interface shared by the embedded `local` forge and `github`. The supervisor acts
 * on the forge for the worker (push, PR, merge, close); gates read it to observe for themselves.
 */

export interface PullRequest {
  number: number;
  url: string;
  title: string;
  body: string;
  /** Branch name on the forge. */
  head: string;
  headSha: string;
  base: string;
  state: "open" | "closed";
  isMerged: boolean;
  mergeCommitSha: string | null;
  mergedAt: string | null;
  /**
   * How a merged pull request reached the base, when the forge tested the result before the
   * base moved; null when it landed untested (merged by hand, or a forge that cannot say).
   */
  landing?: Landing | null;
}

/**
 * The merge result CI tested before the base moved: the base as it would be once this pull
 * request (and the others of its batch) landed. The evidence `pr_merged` and `base_green` read.
 */
export interface Landing {
  /** merge_queue: a queue tested the merge result (local forge, GitHub merge queue); updated_head: the head updated with the base was tested, then merged pinned to it. */
  via: "merge_queue" | "updated_head";
  /** The commit CI ran on: the merge result (a batch's top), or the updated head. */
  testedSha: string;
  /** CI on `testedSha`: success, or none when the branch has no CI to run. */
  ciState: "success" | "none";
  /** Where the merge result's CI log is (a path for the local forge, a URL for GitHub). */
  ciDetailsUrl: string | null;
  /** Every pull request tested together, this one included, in the order they landed. */
  batch: number[];
  /**
   * The head the supervisor asked to land, when the forge moved the head itself (GitHub's
   * update-branch merges the base into it): `testedSha` then has it as its first parent.
   */
  requestedHeadSha?: string;
}

export type CheckConclusion =
  | "success"
  | "failure"
  | "neutral"
  | "skipped"
  | "cancelled"
  | "timed_out"
  | "action_required";

export interface CheckRun {
  name: string;
  status: "queued" | "in_progress" | "completed";
  conclusion: CheckConclusion | null;
  /** Where the full log is, when the forge keeps one (a path for local CI, a URL for GitHub). */
  detailsUrl: string | null;
  startedAt: string | null;
  completedAt: string | null;
  /** Short tail of the output, for rejections and playbooks. */
  summary: string | null;
}

export interface CiStatus {
  sha: string;
  /** success: every check completed successfully; pending: some still run; none: no check at all. */
  state: "success" | "pending" | "failure" | "none";
  checks: CheckRun[];
}

export interface Issue {
  number: number;
  title: string;
  state: "open" | "closed";
  closedAt: string | null;
  /** What closed it as the forge records it: a merged PR's merge commit, or a manual close. */
  closedBy: { kind: "pull_request"; pullRequest: number; commitSha: string } | { kind: "manual" } | null;
}

export type MergeResult =
  | {
      isMerged: true;
      mergeCommitSha: string;
      /** How it landed, when the forge knows it at once (the same as the pull request's `landing`). */
      landing?: Landing | null;
    }
  | {
      isMerged: false;
      reason:
        | "head_moved"
        | "not_mergeable"
        | "ci_not_green"
        | "already_merged"
        | "conflict"
        | "merge_result_failed";
      message: string;
      /** For merge_result_failed: the merge result CI failed on, its log, and the batch it was tested with. */
      mergeResult?: { testedSha: string; ciDetailsUrl: string | null; batch: number[] };
      /** For conflict: the files that no longer apply on the base. */
      conflictingFiles?: string[];
    };

/** A branch holding the commit that undoes a change already on the base. */
export interface RevertBranch {
  branch: string;
  /** The revert commit: parent `landedSha`, tree of `restoredSha`. */
  sha: string;
  /** The commit whose tree the revert restores. */
  restoredSha: string;
}

export interface PullRequestComment {
  id: number;
  url: string;
  /** What the call did: made the marked comment, edited it, or found it saying this already. */
  action: "created" | "updated" | "unchanged";
}

export interface Forge {
  readonly kind: "local" | "github";
  /** Make the forge usable: origin present and holding the base branch, issues present. Idempotent. */
  prepare(options: { issues: { number: number; title: string }[] }): Promise<void>;
  /** Push `sha` of the supervisor-held repository at `fromRepository` to `branch` on the forge (force). */
  push(options: { fromRepository: string; sha: string; branch: string }): Promise<void>;
  /**
   * The open pull request for head→base, else the newest closed one. With `mayReuseKnown`, a
   * forge that remembers the pull request from its own create, push or an earlier read may answer
   * from that without asking: for steps that check again where it matters (a merge names the
   * head it expects, and GitHub refuses a moved one) or only inform the worker. Gates never set
   * it: a verdict rests on what the forge says after the claim.
   */
  findPullRequest(options: {
    head: string;
    base: string;
    mayReuseKnown?: boolean;
  }): Promise<PullRequest | null>;
  /** Opens the PR for head→base, or updates title and body of the existing open one. */
  openOrUpdatePullRequest(options: {
    head: string;
    base: string;
    title: string;
    body: string;
  }): Promise<PullRequest>;
  getPullRequest(number: number): Promise<PullRequest>;
  /**
   * CI on `sha` now. With `isPolling` (a caller asking again and again, the worker's ci_status), a
   * forge that polls may answer from its last read until its poll interval has passed.
   */
  ciStatus(sha: string, options?: { isPolling?: boolean }): Promise<CiStatus>;
  /**
   * Squash (default) merge, refused when the head moved from `expectedHeadSha` or CI is not green;
   * lands only through a merge result the forge saw CI pass on (its merge queue, or the head
   * updated with the base), waiting at most `maxWaitMs` for that CI.
   */
  mergePullRequest(options: {
    number: number;
    expectedHeadSha: string;
    method?: "squash" | "merge" | "rebase";
    maxWaitMs?: number;
  }): Promise<MergeResult>;
  getIssue(number: number): Promise<Issue>;
  closeIssue(options: { number: number; comment?: string }): Promise<Issue>;
  /** The SHA the base branch points to on the forge now. */
  baseSha(base: string): Promise<string>;
  /**
   * Fetches the base branch as it is on the forge now (the merges of earlier workstreams included)
   * into `ref` of the supervisor's repository at `intoRepository`; returns its SHA.
   */
  fetchBase(options: { intoRepository: string; base: string; ref: string }): Promise<string>;
  /**
   * Resolves once CI on `sha` is no longer pending (or there is none); gates wait on it, bounded by
   * their own timeout. A forge that polls stops when `signal` aborts (rejecting with its reason),
   * and resolves with the still-pending status after `maxWaitMs` of its own clock.
   */
  whenCiSettled(sha: string, options?: { signal?: AbortSignal; maxWaitMs?: number }): Promise<CiStatus>;
  /**
   * Points `branch` (force) at one new commit that undoes a change already on the base: its parent
   * is `landedSha` and its tree is `restoreSha`'s (default: landedSha's first parent, the base
   * before a merge or squash commit). Based on the landed commit rather than the base's tip, a
   * pull request from it into the base shows exactly the inverse of that change, and merging it
   * applies the inverse on top of whatever landed since, as `git revert -m1` would. Made where the
   * landed commit is (origin, GitHub's git data API): the supervisor's mirror never holds a merge
   * the forge made.
   */
  createRevertBranch(options: {
    branch: string;
    landedSha: string;
    restoreSha?: string;
    message: string;
  }): Promise<RevertBranch>;
  /** Closes an open pull request without merging it; a closed or merged one is returned as it is. */
  closePullRequest(number: number): Promise<PullRequest>;
  /** Is `sha` reachable from the forge's `base` branch? */
  isAncestorOfBase(options: { sha: string; base: string }): Promise<boolean>;
  /**
   * Keeps one comment on pull request `number` carrying `marker`, an HTML comment such as
   * `<!-- supervise:bundle -->` (hidden when rendered): edited in place, created only when none
   * exists, never duplicated. Optional: a forge without comments (local) leaves it out.
   */
  commentOnPullRequest?(options: {
    number: number;
    marker: string;
    body: string;
  }): Promise<PullRequestComment>;
}
