import { describe, expect, it } from "vitest";
import {
  ciWaitMsFor,
  judgeCiGreen,
  judgeIssueClosed,
  judgePrMerged,
} from "../../src/evidence/forge-gates.ts";
import type { CiStatus, Issue, PullRequest } from "../../src/forge/forge.ts";
import { builtInDefaults } from "../../src/plan/schema.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";

const claimed = "c".repeat(40);
const other = "d".repeat(40);
const mergeCommit = "m".repeat(40);

function pullRequest(overrides: Partial<PullRequest> = {}): PullRequest {
  return {
    number: 11,
    url: "file:///forge/pulls/11.json",
    title: "Fix it",
    body: "Fixes #3",
    head: "supervise/ws",
    headSha: claimed,
    base: "main",
    state: "open",
    isMerged: false,
    mergeCommitSha: null,
    mergedAt: null,
    ...overrides,
  };
}

const merged = pullRequest({
  state: "closed",
  isMerged: true,
  mergeCommitSha: mergeCommit,
  mergedAt: "2026-01-01T10:00:00.000Z",
});

function ci(
  state: CiStatus["state"],
  conclusion: "success" | "failure" | null = state === "success" ? "success" : "failure",
): CiStatus {
  return {
    sha: claimed,
    state,
    checks:
      state === "none"
        ? []
        : [
            {
              name: "ci",
              status: state === "pending" ? "in_progress" : "completed",
              conclusion: state === "pending" ? null : conclusion,
              detailsUrl: "/forge/ci/log.txt",
              startedAt: null,
              completedAt: null,
              summary: state === "failure" ? "npm ERR! missing script: test" : null,
            },
          ],
  };
}

describe("ci_green", () => {
  const judge = (pr: PullRequest | null, status: CiStatus | null) =>
    judgeCiGreen({
      pullRequest: pr,
      commit: claimed,
      status,
      isStillPending: status?.state === "pending",
      waitedMs: 600_000,
    });

  it.each([
    [
      "no pull request",
      null,
      null,
      "fail",
      "no pull request for this workstream: CI is only judged on a PR's head",
    ],
    [
      "a PR whose head is not the claimed commit",
      pullRequest({ headSha: other }),
      ci("success"),
      "fail",
      `PR #11 head is ${other.slice(0, 12)}, not the claimed commit ${claimed.slice(0, 12)}: push the claimed commit`,
    ],
    [
      "pending CI",
      pullRequest(),
      ci("pending"),
      "fail",
      `CI still pending on ${claimed.slice(0, 12)} after waiting 10 minutes: pending is not green`,
    ],
    [
      "no CI at all",
      pullRequest(),
      ci("none"),
      "fail",
      `no CI ran on ${claimed.slice(0, 12)}: a commit without CI is not green`,
    ],
    [
      "red CI",
      pullRequest(),
      ci("failure"),
      "fail",
      `CI failed on ${claimed.slice(0, 12)}: ci failure:\nnpm ERR! missing script: test`,
    ],
    [
      "green CI on the claimed head",
      pullRequest(),
      ci("success"),
      "pass",
      `CI green on ${claimed.slice(0, 12)}: ci`,
    ],
  ] as const)("%s → %s", (_name, pr, status, expectedStatus, detail) => {
    const result = judge(pr, status);
    expect({ status: result.status, detail: result.detail }).toEqual({ status: expectedStatus, detail });
  });
});

describe("the wait for CI", () => {
  it("pending CI past the plan's wait is for a human: the failure carries an environment problem, so no rejection is spent", () => {
    const result = judgeCiGreen({
      pullRequest: pullRequest(),
      commit: claimed,
      status: ci("pending"),
      isStillPending: true,
      waitedMs: 45 * 60_000,
    });
    expect(result.status).toBe("fail");
    expect(result.environmentProblem).toBe(
      `CI still pending on ${claimed.slice(0, 12)} after waiting 45 minutes: pending is not green; the plan waits forge.ci_wait_minutes for CI (bounded by the workstream's budget minutes)`,
    );
  });

  it("is the workstream's ci_wait_minutes, else the forge's, else an hour, never past the budget", () => {
    const workstream = testWorkstream("ws1", { budget: { ...builtInDefaults.budget, minutes: 90 } });
    expect(ciWaitMsFor(workstream, undefined)).toBe(60 * 60_000);
    expect(ciWaitMsFor({ ...workstream, ciWaitMinutes: 20 }, undefined)).toBe(20 * 60_000);
    expect(ciWaitMsFor({ ...workstream, ciWaitMinutes: 240 }, undefined)).toBe(90 * 60_000);
    expect(ciWaitMsFor(workstream, 0)).toBe(0);
  });
});

describe("pr_merged", () => {
  const tested = "7".repeat(40);
  const judge = (pr: PullRequest | null, isOnBase = true) =>
    judgePrMerged({ pullRequest: pr, commit: claimed, base: "main", isMergeCommitOnBase: isOnBase });

  it.each([
    ["no PR", null, true, "fail", "no pull request for this workstream: open one with open_pull_request"],
    [
      "an open PR (stopped at 'PR created')",
      pullRequest(),
      true,
      "fail",
      "PR #11 is open, not merged: a PR is not done until it is merged",
    ],
    [
      "merged into another base",
      { ...merged, base: "dev" },
      true,
      "fail",
      "PR #11 was merged into dev, not main",
    ],
    [
      "merged at another head",
      { ...merged, headSha: other },
      true,
      "fail",
      `PR #11 merged head ${other.slice(0, 12)}, not the claimed commit ${claimed.slice(0, 12)}`,
    ],
    [
      "merge commit not on the base",
      merged,
      false,
      "fail",
      `the merge commit ${mergeCommit.slice(0, 12)} is not on main`,
    ],
    ["merged as claimed", merged, true, "pass", `PR #11 merged into main as ${mergeCommit.slice(0, 12)}`],
    [
      "merged after CI passed on its merge result, in a batch",
      {
        ...merged,
        landing: {
          via: "merge_queue",
          testedSha: tested,
          ciState: "success",
          ciDetailsUrl: null,
          batch: [9, 11],
        },
      } as PullRequest,
      true,
      "pass",
      `PR #11 merged into main as ${mergeCommit.slice(0, 12)} after CI passed on the merge result ${tested.slice(0, 12)} (batch with #9)`,
    ],
    [
      "landed with no CI on its merge result",
      { ...merged, landing: null },
      true,
      "fail",
      "PR #11 landed on main without CI on its merge result: no run saw what the base became",
    ],
  ] as const)("%s → %s", (_name, pr, isOnBase, expectedStatus, detail) => {
    const result = judge(pr, isOnBase);
    expect({ status: result.status, detail: result.detail }).toEqual({ status: expectedStatus, detail });
  });

  it("judges a head GitHub updated with the base before merging at the head the supervisor asked it to merge", () => {
    const updatedHead = "8".repeat(40);
    const landed = (requestedHeadSha: string) =>
      ({
        ...merged,
        headSha: updatedHead,
        landing: {
          via: "updated_head",
          testedSha: updatedHead,
          ciState: "success",
          ciDetailsUrl: null,
          batch: [11],
          requestedHeadSha,
        },
      }) as PullRequest;
    expect(judge(landed(claimed)).status).toBe("pass");
    expect(judge(landed(other))).toMatchObject({
      status: "fail",
      detail: `PR #11 merged head ${other.slice(0, 12)}, not the claimed commit ${claimed.slice(0, 12)}`,
    });
  });

  it("tells an unmerged PR's last refusal, so the playbook for it can match", () => {
    const result = judgePrMerged({
      pullRequest: pullRequest(),
      commit: claimed,
      base: "main",
      isMergeCommitOnBase: false,
      lastMergeRefusal: { reason: "merge_result_failed", message: "CI failed on the merge result abc\nlog" },
    });
    expect(result.detail).toBe(
      "PR #11 is open, not merged: a PR is not done until it is merged; the forge last refused its merge (merge_result_failed): CI failed on the merge result abc",
    );
  });
});

describe("issue_closed", () => {
  const issue = (overrides: Partial<Issue>): Issue => ({
    number: 3,
    title: "t",
    state: "closed",
    closedAt: null,
    closedBy: null,
    ...overrides,
  });

  it.each([
    ["open issue", issue({ state: "open" }), merged, "fail", "issue #3 is open"],
    [
      "closed by hand without a merged PR",
      issue({ closedBy: { kind: "manual" }, closedAt: "2026-01-01T09:00:00.000Z" }),
      pullRequest(),
      "fail",
      "issue #3 is closed, but not by this workstream's merged change (no merged PR at the claimed commit)",
    ],
    [
      "closed by hand before the merge",
      issue({ closedBy: { kind: "manual" }, closedAt: "2026-01-01T09:00:00.000Z" }),
      merged,
      "fail",
      "issue #3 was closed before PR #11 was merged",
    ],
    [
      "closed by another PR",
      issue({ closedBy: { kind: "pull_request", pullRequest: 9, commitSha: other } }),
      merged,
      "fail",
      "issue #3 was closed by PR #9, not by PR #11",
    ],
    [
      "closed by hand after the merge",
      issue({ closedBy: { kind: "manual" }, closedAt: "2026-01-01T11:00:00.000Z" }),
      merged,
      "pass",
      "issue #3 closed after the merge of PR #11",
    ],
    [
      "closed by this PR's merge",
      issue({ closedBy: { kind: "pull_request", pullRequest: 11, commitSha: mergeCommit } }),
      merged,
      "pass",
      "issue #3 closed by the merge of PR #11",
    ],
  ] as const)("%s → %s", (_name, observedIssue, pr, expectedStatus, detail) => {
    const result = judgeIssueClosed({ issue: observedIssue, pullRequest: pr, commit: claimed });
    expect({ status: result.status, detail: result.detail }).toEqual({ status: expectedStatus, detail });
  });
});
