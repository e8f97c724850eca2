/**
 * An unverified landing on `forge: { kind: github }`, through the CLI against the loopback GitHub
 * fake: a person merges the worker's pull request in the web UI the moment it is opened, and the
 * worker's claim then fails local_check. The revert commit is made through the git data API on
 * GitHub's own merge commit (which never reaches the supervisor's mirror), its pull request is
 * opened and left unmerged, and approving keeps the merge and closes it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Workspace } from "../fakes/cli-harness.ts";
import type { GithubFake } from "../fakes/github-api.ts";
import { campaignPlan, createGithubCampaign, type GithubCampaign } from "../fakes/github-campaign.ts";
import type { GithubLoopback } from "../fakes/github-loopback.ts";

const token = "test-token-7c1d0e";
let campaign: GithubCampaign;
let workspace: Workspace;
let loopback: GithubLoopback;
let fake: GithubFake;
let mergedByHand: string | null;

beforeEach(async () => {
  mergedByHand = null;
  campaign = await createGithubCampaign({
    token,
    // A person merges the workstream's pull request as soon as GitHub has it.
    responder: (github) => async (request) => {
      const response = await github.respond(request);
      const isWorkstreamPull =
        request.method === "POST" &&
        new URL(request.url).pathname === "/repos/acme/widget/pulls" &&
        response.status === 201 &&
        mergedByHand === null;
      if (isWorkstreamPull) {
        const { number } = (await response.clone().json()) as { number: number };
        mergedByHand = github.mergePullRequestByHand(number);
      }
      return response;
    },
  });
  ({ workspace, loopback, fake } = campaign);
});

afterEach(() => campaign.close());

const worker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 3 > src/value.txt
git commit -qam "value is 3"
supervise tool open_pull_request --input '{"title": "Set the value", "body": "Done."}' >/dev/null
supervise tool claim_done --input '{"summary": "the value is set"}' || true
`;

function journalEvents(): { type: string; [key: string]: unknown }[] {
  const runs = join(workspace.directory, ".supervise", "runs");
  return readFileSync(join(runs, readdirSync(runs)[0]!, "journal.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

const templates = (from: number) =>
  fake.exchanges
    .slice(from)
    .filter((exchange) => exchange.method !== "GET" || exchange.template?.includes("/git/"))
    .map((exchange) => `${exchange.method} ${exchange.template} ${exchange.status}`);

describe("an unverified landing on GitHub", () => {
  it("reverts through the git data API, escalates at once, and approving closes the revert pull request", async () => {
    workspace.writePlan("plan.yaml", campaignPlan(workspace.writeWorker("merged-by-hand.sh", worker)));
    const env = { GITHUB_TOKEN: token, GITHUB_API_URL: loopback.url };

    const first = await workspace.supervise(["plan.yaml", "--no-wait"], { env });

    expect(first.exitCode, first.stdout + first.stderr).toBe(3);
    fake.assertHealthy();
    const landing = journalEvents().find((event) => event.type === "landing.unverified");
    expect(landing).toMatchObject({
      pr: 8,
      pr_url: "https://github.example/acme/widget/pull/8",
      merge_commit: mergedByHand,
      failed_gates: ["local_check"],
      revert_pr: {
        number: 9,
        url: "https://github.example/acme/widget/pull/9",
        head: "supervise/fix-revert",
      },
      revert_error: null,
    });
    const revertHead = fake.branches.get("supervise/fix-revert") as string;
    expect(fake.commitOf(revertHead)?.parents).toEqual([mergedByHand]);
    expect(fake.commitOf(revertHead)?.treeSha).toBe(
      fake.commitOf(fake.commitOf(mergedByHand as string)!.parents[0]!)?.treeSha,
    );
    const revertCreated = fake.exchanges.findIndex((exchange) =>
      exchange.template?.endsWith("/git/commits/{commit_sha}"),
    );
    expect(templates(revertCreated)).toEqual([
      // how the pull request landed, read by the gates: the merge commit, then the head
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
      // the revert: the merge commit again (unchanged), and the commit whose tree it restores
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 304",
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
      "POST /repos/{owner}/{repo}/git/commits 201",
      "POST /repos/{owner}/{repo}/git/refs 201",
      "POST /repos/{owner}/{repo}/pulls 201",
      // the escalation where reviewers look, and the bundle
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
    ]);
    expect(fake.pulls.get(9)).toMatchObject({ state: "open", isMerged: false, head: "supervise/fix-revert" });
    expect(fake.pulls.get(9)?.body).toContain("supervise approve fix-1");
    expect(fake.pulls.get(9)?.body).not.toMatch(/\b(fix(e[sd])?|close[sd]?|resolve[sd]?) #7\b/i);
    const escalationComment = fake.comments.find((comment) =>
      comment.body.includes("supervise:escalation:fix-1"),
    );
    expect(escalationComment?.issueNumber).toBe(8);
    expect(escalationComment?.body).toContain("https://github.example/acme/widget/pull/9");

    const approved = await workspace.supervise(["approve", "fix-1"]);
    expect(approved.exitCode, approved.stderr).toBe(0);
    const before = fake.exchanges.length;
    const resumed = await workspace.supervise(["plan.yaml"], { env });

    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(0);
    fake.assertHealthy();
    expect(fake.pulls.get(9)).toMatchObject({ state: "closed", isMerged: false });
    expect(fake.branches.get("main")).toBe(mergedByHand);
    const closes = fake.exchanges
      .slice(before)
      .filter(
        (exchange) =>
          exchange.method === "PATCH" && exchange.template === "/repos/{owner}/{repo}/pulls/{pull_number}",
      );
    expect(closes.map((exchange) => exchange.body)).toEqual([{ state: "closed" }]);
    expect(journalEvents().find((event) => event.type === "landing.resolved")).toMatchObject({
      decision: "approve",
      outcome: "kept",
      revert_pr: 9,
    });
    expect(journalEvents().find((event) => event.type === "claim.accepted_with_waiver")).toMatchObject({
      waived: ["local_check"],
    });
  });
});
