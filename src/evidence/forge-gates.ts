/**
 * `ci_green`, `pr_merged` and `issue_closed`: the supervisor asks the forge itself. Each gate has
 * an observation step (forge calls) and a pure judgement over what was observed.
 */
import {
  type CiStatus,
  type Forge,
  type Issue,
  issueFacts,
  type PullRequest,
  pullRequestFacts,
  requestedHeadOf,
  settleWithin,
} from "../forge/index.ts";
import type { Plan, Workstream } from "../plan/index.ts";
import { type GateResult, gateResult } from "./gate-result.ts";

export interface ForgeGateContext {
  forge: Forge;
  plan: Plan;
  workstream: Workstream;
  /** The claimed commit. */
  commit: string;
  /** How long ci_green waits for pending CI to settle before judging it. */
  ciWaitMs: number;
  /** The forge's last refusal of this workstream's merge, told with an unmerged PR (playbooks match on it). */
  lastMergeRefusal?: { reason: string; message: string } | null;
}

function findWorkstreamPullRequest(context: ForgeGateContext): Promise<PullRequest | null> {
  return context.forge.findPullRequest({ head: context.workstream.branch, base: context.plan.base });
}

// ── ci_green ────────────────────────────────────────────────────────────────

export async function observeCiGreen(context: ForgeGateContext): Promise<GateResult> {
  const pullRequest = await findWorkstreamPullRequest(context);
  let status: CiStatus | null = null;
  let isStillPending = false;
  if (pullRequest && requestedHeadOf(pullRequest) === context.commit) {
    status = await settleWithin(context.forge, context.commit, context.ciWaitMs);
    isStillPending = status.state === "pending";
  }
  return judgeCiGreen({
    pullRequest,
    commit: context.commit,
    status,
    isStillPending,
    waitedMs: context.ciWaitMs,
  });
}

export function judgeCiGreen(observation: {
  pullRequest: PullRequest | null;
  commit: string;
  status: CiStatus | null;
  isStillPending: boolean;
  waitedMs: number;
}): GateResult {
  const { pullRequest, commit, status } = observation;
  const facts = { pr: pullRequestFacts(pullRequest), claimed_commit: commit };
  if (!pullRequest) {
    return gateResult(
      "ci_green",
      "fail",
      "no pull request for this workstream: CI is only judged on a PR's head",
      facts,
    );
  }
  if (requestedHeadOf(pullRequest) !== commit) {
    return gateResult(
      "ci_green",
      "fail",
      `PR #${pullRequest.number} head is ${short(pullRequest.headSha)}, not the claimed commit ${short(commit)}: push the claimed commit`,
      facts,
    );
  }
  const checks = status?.checks ?? [];
  const observed = {
    ...facts,
    ci_state: status?.state ?? "none",
    checks: checks.map((check) => ({
      name: check.name,
      status: check.status,
      conclusion: check.conclusion,
      details: check.detailsUrl,
    })),
  };
  switch (status?.state) {
    case "success":
      return gateResult(
        "ci_green",
        "pass",
        `CI green on ${short(commit)}: ${checks.map((check) => check.name).join(", ")}`,
        observed,
      );
    case "pending": {
      const detail = `CI still pending on ${short(commit)} after waiting ${describeWait(observation.waitedMs)}: pending is not green`;
      const result = gateResult("ci_green", "fail", detail, observed);
      // CI that outlasts the plan's wait is slow CI, not bad work: a human decides, no rejection is spent.
      return observation.isStillPending
        ? {
            ...result,
            environmentProblem: `${detail}; the plan waits forge.ci_wait_minutes for CI (bounded by the workstream's budget minutes)`,
          }
        : result;
    }
    case "failure": {
      const failing = checks.filter(
        (check) =>
          check.status === "completed" && !["success", "neutral", "skipped"].includes(check.conclusion ?? ""),
      );
      const tails = failing.map(
        (check) =>
          `${check.name} ${check.conclusion}${check.summary ? `:\n${check.summary.slice(-1500)}` : ""}`,
      );
      return gateResult(
        "ci_green",
        "fail",
        `CI failed on ${short(commit)}: ${tails.join("\n") || "a check failed"}`,
        observed,
      );
    }
    default:
      return gateResult(
        "ci_green",
        "fail",
        `no CI ran on ${short(commit)}: a commit without CI is not green`,
        observed,
      );
  }
}

// ── pr_merged ───────────────────────────────────────────────────────────────

export async function observePrMerged(context: ForgeGateContext): Promise<GateResult> {
  const pullRequest = await findWorkstreamPullRequest(context);
  const isOnBase =
    pullRequest?.isMerged && pullRequest.mergeCommitSha
      ? await context.forge.isAncestorOfBase({ sha: pullRequest.mergeCommitSha, base: context.plan.base })
      : false;
  return judgePrMerged({
    pullRequest,
    commit: context.commit,
    base: context.plan.base,
    isMergeCommitOnBase: isOnBase,
    lastMergeRefusal: context.lastMergeRefusal ?? null,
  });
}

export function judgePrMerged(observation: {
  pullRequest: PullRequest | null;
  commit: string;
  base: string;
  isMergeCommitOnBase: boolean;
  lastMergeRefusal?: { reason: string; message: string } | null;
}): GateResult {
  const { pullRequest, commit, base } = observation;
  const facts = {
    pr: pullRequestFacts(pullRequest),
    claimed_commit: commit,
    merge_commit_on_base: observation.isMergeCommitOnBase,
  };
  if (!pullRequest)
    return gateResult(
      "pr_merged",
      "fail",
      "no pull request for this workstream: open one with open_pull_request",
      facts,
    );
  if (!pullRequest.isMerged) {
    return gateResult(
      "pr_merged",
      "fail",
      `PR #${pullRequest.number} is ${pullRequest.state}, not merged: a PR is not done until it is merged${refusalNote(observation.lastMergeRefusal)}`,
      facts,
    );
  }
  if (pullRequest.base !== base) {
    return gateResult(
      "pr_merged",
      "fail",
      `PR #${pullRequest.number} was merged into ${pullRequest.base}, not ${base}`,
      facts,
    );
  }
  if (requestedHeadOf(pullRequest) !== commit) {
    return gateResult(
      "pr_merged",
      "fail",
      `PR #${pullRequest.number} merged head ${short(requestedHeadOf(pullRequest))}, not the claimed commit ${short(commit)}`,
      facts,
    );
  }
  if (!observation.isMergeCommitOnBase) {
    return gateResult(
      "pr_merged",
      "fail",
      `the merge commit ${short(pullRequest.mergeCommitSha ?? "")} is not on ${base}`,
      facts,
    );
  }
  // undefined: a forge that cannot say how a merge landed; null: it says nothing tested it.
  const { landing } = pullRequest;
  if (landing === null) {
    return gateResult(
      "pr_merged",
      "fail",
      `PR #${pullRequest.number} landed on ${base} without CI on its merge result: no run saw what the base became`,
      facts,
    );
  }
  const merged = `PR #${pullRequest.number} merged into ${base} as ${short(pullRequest.mergeCommitSha ?? "")}`;
  if (landing === undefined) return gateResult("pr_merged", "pass", merged, facts);
  const others = landing.batch.filter((number) => number !== pullRequest.number);
  const tested =
    landing.ciState === "success"
      ? `after CI passed on the merge result ${short(landing.testedSha)}${others.length > 0 ? ` (batch with ${others.map((number) => `#${number}`).join(", ")})` : ""}`
      : "(the branch has no CI to run on its merge result)";
  return gateResult("pr_merged", "pass", `${merged} ${tested}`, facts);
}

function refusalNote(refusal: { reason: string; message: string } | null | undefined): string {
  if (!refusal) return "";
  const firstLine = refusal.message.split("\n")[0] ?? "";
  return `; the forge last refused its merge (${refusal.reason}): ${firstLine.slice(0, 300)}`;
}

// ── issue_closed ────────────────────────────────────────────────────────────

export async function observeIssueClosed(context: ForgeGateContext): Promise<GateResult> {
  const number = context.workstream.issue;
  if (number === undefined) return gateResult("issue_closed", "skipped", "the workstream names no issue");
  const [issue, pullRequest] = await Promise.all([
    context.forge.getIssue(number),
    findWorkstreamPullRequest(context),
  ]);
  return judgeIssueClosed({ issue, pullRequest, commit: context.commit });
}

export function judgeIssueClosed(observation: {
  issue: Issue;
  pullRequest: PullRequest | null;
  commit: string;
}): GateResult {
  const { issue, pullRequest, commit } = observation;
  const facts = { issue: issueFacts(issue), pr: pullRequestFacts(pullRequest) };
  if (issue.state !== "closed")
    return gateResult("issue_closed", "fail", `issue #${issue.number} is open`, facts);
  const isOurMerge =
    pullRequest?.isMerged === true &&
    requestedHeadOf(pullRequest) === commit &&
    pullRequest.mergeCommitSha !== null;
  if (!isOurMerge) {
    return gateResult(
      "issue_closed",
      "fail",
      `issue #${issue.number} is closed, but not by this workstream's merged change (no merged PR at the claimed commit)`,
      facts,
    );
  }
  const closedBy = issue.closedBy;
  if (closedBy?.kind === "pull_request") {
    if (closedBy.pullRequest === pullRequest.number && closedBy.commitSha === pullRequest.mergeCommitSha) {
      return gateResult(
        "issue_closed",
        "pass",
        `issue #${issue.number} closed by the merge of PR #${pullRequest.number}`,
        facts,
      );
    }
    return gateResult(
      "issue_closed",
      "fail",
      `issue #${issue.number} was closed by PR #${closedBy.pullRequest}, not by PR #${pullRequest.number}`,
      facts,
    );
  }
  // Closed by hand: it counts only when it happened after this PR's merge.
  const closedAtMs = issue.closedAt ? Date.parse(issue.closedAt) : Number.NaN;
  const mergedAtMs = pullRequest.mergedAt ? Date.parse(pullRequest.mergedAt) : Number.NaN;
  if (closedAtMs >= mergedAtMs) {
    return gateResult(
      "issue_closed",
      "pass",
      `issue #${issue.number} closed after the merge of PR #${pullRequest.number}`,
      facts,
    );
  }
  return gateResult(
    "issue_closed",
    "fail",
    `issue #${issue.number} was closed before PR #${pullRequest.number} was merged`,
    facts,
  );
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function describeWait(waitedMs: number): string {
  const minutes = waitedMs / 60_000;
  return minutes >= 1 ? `${Number(minutes.toFixed(1))} minutes` : `${Math.round(waitedMs / 1000)} s`;
}

/** The default of `forge.ci_wait_minutes`: real CI of a large workspace takes tens of minutes. */
export const defaultCiWaitMinutes = 60;

/**
 * How long a claim's ci_green (and a merge) waits for CI still running: the workstream's
 * ci_wait_minutes, or its forge's, or an hour; never longer than the workstream's budget minutes.
 * `override` (tests) replaces it for every workstream.
 */
export function ciWaitMsFor(workstream: Workstream, override: number | undefined): number {
  if (override !== undefined) return override;
  return Math.min(workstream.ciWaitMinutes ?? defaultCiWaitMinutes, workstream.budget.minutes) * 60_000;
}
