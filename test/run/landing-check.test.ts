import { describe, expect, it } from "vitest";
import type { PullRequest } from "../../src/forge/index.ts";
import { judgeLanding, type LandingObservation } from "../../src/run/landing-check.ts";

const claimCommit = "c".repeat(40);
const baseSha = "b".repeat(40);
const mergeCommit = "m".repeat(40);

function pullRequest(overrides: Partial<PullRequest> = {}): PullRequest {
  return {
    number: 8,
    url: "file:///forge/pulls/8.json",
    title: "Set the value",
    body: "",
    head: "supervise/fix",
    headSha: claimCommit,
    base: "main",
    state: "closed",
    isMerged: true,
    mergeCommitSha: mergeCommit,
    mergedAt: "2026-11-24T12:00:00.000Z",
    ...overrides,
  };
}

function judge(failedGates: string[], observation: LandingObservation, mergedBySupervisor: string[] = []) {
  return judgeLanding({ failedGates, claimCommit, baseSha, mergedBySupervisor, observation });
}

describe("an unverified landing", () => {
  it("is a pull request merged by someone else while a gate about the change failed", () => {
    const merged = pullRequest();
    expect(judge(["diff_scope"], { pullRequests: [merged], isClaimOnBase: false })).toEqual({
      pullRequest: merged,
      mergeCommit,
      landedHead: claimCommit,
      restoreSha: undefined,
      failedGates: ["diff_scope"],
    });
  });

  it("is a merge of another head than the claimed one, whatever failed: no gate saw what landed", () => {
    const older = pullRequest({ headSha: "0".repeat(40) });
    expect(judge(["pr_merged"], { pullRequests: [older], isClaimOnBase: false })).toMatchObject({
      landedHead: "0".repeat(40),
      failedGates: ["pr_merged"],
    });
  });

  it("is the claimed commit on the base without a merged pull request, undone back to the checkout's base", () => {
    const open = pullRequest({ state: "open", isMerged: false, mergeCommitSha: null, mergedAt: null });
    expect(judge(["local_check", "pr_merged"], { pullRequests: [open], isClaimOnBase: true })).toEqual({
      pullRequest: open,
      mergeCommit: claimCommit,
      landedHead: claimCommit,
      restoreSha: baseSha,
      failedGates: ["local_check", "pr_merged"],
    });
  });

  it("is not a merge the supervisor made itself, after its checkout gates passed", () => {
    expect(
      judge(["ci_green"], { pullRequests: [pullRequest()], isClaimOnBase: false }, [mergeCommit]),
    ).toBeNull();
  });

  it("is not a claimed commit that landed and failed only what the worker can still finish", () => {
    expect(judge(["issue_closed"], { pullRequests: [pullRequest()], isClaimOnBase: false })).toBeNull();
    expect(judge(["pr_merged", "issue_closed"], { pullRequests: [], isClaimOnBase: true })).toBeNull();
  });

  it("is nothing while the change is not on the base, or when the claim passed", () => {
    const open = pullRequest({ state: "open", isMerged: false, mergeCommitSha: null, mergedAt: null });
    expect(judge(["diff_scope"], { pullRequests: [open], isClaimOnBase: false })).toBeNull();
    expect(judge(["diff_scope"], { pullRequests: [], isClaimOnBase: false })).toBeNull();
    expect(judge([], { pullRequests: [pullRequest()], isClaimOnBase: false })).toBeNull();
  });

  it("is an older pull request someone merged while a newer one is open: the newest such merge is undone", () => {
    const open = pullRequest({
      number: 10,
      state: "open",
      isMerged: false,
      mergeCommitSha: null,
      mergedAt: null,
    });
    const older = pullRequest({ number: 8, headSha: "0".repeat(40) });
    const byTheSupervisor = pullRequest({ number: 6, mergeCommitSha: "5".repeat(40) });
    expect(
      judge(["diff_scope"], { pullRequests: [open, older, byTheSupervisor], isClaimOnBase: false }, [
        "5".repeat(40),
      ]),
    ).toMatchObject({ pullRequest: older, mergeCommit, landedHead: "0".repeat(40) });
  });
});
