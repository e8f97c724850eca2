import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Workspace } from "../fakes/cli-harness.ts";
import type { GithubFake } from "../fakes/github-api.ts";
import { campaignPlan, createGithubCampaign, type GithubCampaign } from "../fakes/github-campaign.ts";
import type { GithubLoopback } from "../fakes/github-loopback.ts";

/**
 * The `supervise` CLI as a child process on `forge: { kind: github }`: its API is the GitHub fake
 * served on loopback, its git side a bare remote the supervisor pushes to. Only the supervisor
 * talks to either; the worker, in its sandbox, reaches them through `supervise tool`.
 */
const token = "test-token-5f2c9a";
let campaign: GithubCampaign;
let workspace: Workspace;
let loopback: GithubLoopback;
let fake: GithubFake;
let ciConclusion: "success" | "failure";

beforeEach(async () => {
  ciConclusion = "success";
  campaign = await createGithubCampaign({ token, ciConclusion: () => ciConclusion });
  ({ workspace, loopback, fake } = campaign);
});

afterEach(() => campaign.close());

function plan(worker: string): string {
  return campaignPlan(worker, { stall: "{ max_restarts: 1, max_rejections: 1 }" });
}

const workerScript = `#!/usr/bin/env bash
set -eu
cat >/dev/null
# The worker's whole environment goes to its transcript: the token must not be in it.
env | sort
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value to 2", "body": "The value is now 2."}'
supervise tool ci_status
supervise tool merge_pull_request || true
supervise tool claim_done --input '{"summary": "value is 2; CI green; merged"}' || true
`;

function runDirectory(): string {
  const runs = join(workspace.directory, ".supervise", "runs");
  return join(runs, readdirSync(runs)[0]!);
}

interface Bundle {
  verdict: string;
  commit: string;
  gates: { id: string; status: string }[];
  pr: Record<string, unknown>;
  issue: Record<string, unknown>;
}

function bundle(): Bundle {
  return JSON.parse(readFileSync(join(runDirectory(), "evidence", "fix", "bundle.json"), "utf8"));
}

function journalEvents(): { type: string; [key: string]: unknown }[] {
  const directory = runDirectory();
  const file = readdirSync(directory).find((name) => name.startsWith("journal"));
  return readFileSync(join(directory, file!), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** Every file the run left, to show the token reached none of them. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (name === ".git" || name === "git" || name === "checkouts") return [];
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

const pathOf = (url: string) => new URL(url).pathname;

describe("supervise on the github forge, against a loopback GitHub", () => {
  it("opens, merges and closes through the API, and accepts the claim", async () => {
    const worker = workspace.writeWorker("honest.sh", workerScript);
    workspace.writePlan("plan.yaml", plan(worker));
    const result = await workspace.supervise(["plan.yaml"], {
      env: { GITHUB_TOKEN: token, GITHUB_API_URL: loopback.url },
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    fake.assertHealthy();

    const evidence = bundle();
    expect(evidence.verdict).toBe("accepted");
    expect(evidence.gates.map((gate) => `${gate.id}:${gate.status}`)).toEqual([
      "local_check:pass",
      "ci_green:pass",
      "pr_merged:pass",
      "issue_closed:pass",
    ]);
    const head = execFileSync("git", ["rev-parse", "supervise/fix"], {
      cwd: join(workspace.directory, "origin.git"),
      encoding: "utf8",
    }).trim();
    expect(evidence.commit).toBe(head);
    expect(evidence.pr).toMatchObject({ number: 8, merged: true, head_sha: head, base: "main" });
    expect(evidence.issue).toMatchObject({
      number: 7,
      state: "closed",
      closed_by: { kind: "pull_request", pullRequest: 8 },
    });

    const exchanges = fake.exchanges;
    const created = exchanges.filter(
      (exchange) => exchange.method === "POST" && pathOf(exchange.url) === "/repos/acme/widget/pulls",
    );
    expect(created.map((exchange) => exchange.status)).toEqual([201]);
    const merges = exchanges.filter((exchange) => exchange.method === "PUT");
    expect(merges).toHaveLength(1);
    expect(pathOf(merges[0]!.url)).toBe("/repos/acme/widget/pulls/8/merge");
    expect(merges[0]!.body).toMatchObject({ sha: head });
    expect(merges[0]!.status).toBe(200);
    const bundleComments = fake.comments.filter((comment) => comment.body.includes("<!-- supervise:bundle:"));
    expect(bundleComments).toHaveLength(1);
    expect(bundleComments[0]!.issueNumber).toBe(8);

    expect(exchanges.map((exchange) => exchange.url).filter((url) => url.includes(token))).toEqual([]);
    const transcript = readFileSync(join(runDirectory(), "transcripts", "fix.jsonl"), "utf8");
    expect(transcript).toContain("SUPERVISE_ATTEMPT=1");
    expect(transcript).not.toContain(token);
    for (const file of filesUnder(join(workspace.directory, ".supervise")))
      expect(readFileSync(file, "utf8"), file).not.toContain(token);

    const accepted = journalEvents().find((event) => event.type === "claim.accepted");
    // The gates' own requests (304s included): PR, checks, statuses, compare, issue, timeline.
    expect(Number(accepted?.forge_requests)).toBeGreaterThan(0);

    // What GitHub charges the rate limit for (every answer but a 304): the run's preparation, then
    // at most 12 for the workstream. Check runs and statuses are read in parallel, hence sorted.
    const counted = exchanges
      .filter((exchange) => exchange.status !== 304)
      .map((exchange) => `${exchange.method} ${exchange.template} ${exchange.status}`);
    expect(counted.sort()).toEqual(
      [
        // prepare: the repository, the base branch and its merge queue, the plan's issue
        "GET /repos/{owner}/{repo} 200",
        "GET /repos/{owner}/{repo}/git/ref/{ref} 200",
        "POST /graphql 200",
        "GET /repos/{owner}/{repo}/issues/{issue_number} 200",
        // open_pull_request: look for one, create it
        "GET /repos/{owner}/{repo}/pulls 200",
        "POST /repos/{owner}/{repo}/pulls 201",
        // ci_status, then merge_pull_request on the pull request the forge opened, pinned to the
        // head, which holds the base (its tip read again, unchanged: a free 304)
        "GET /repos/{owner}/{repo}/commits/{ref}/check-runs 200",
        "GET /repos/{owner}/{repo}/commits/{ref}/status 200",
        "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 200",
        // base_green: CI on the base at the commit the merge made
        "GET /repos/{owner}/{repo}/commits/{ref}/check-runs 200",
        "GET /repos/{owner}/{repo}/commits/{ref}/status 200",
        // the gates, after the claim: the PR, its merge commit on main, the issue and who closed it
        "GET /repos/{owner}/{repo}/pulls 200",
        "GET /repos/{owner}/{repo}/compare/{basehead} 200",
        "GET /repos/{owner}/{repo}/issues/{issue_number} 200",
        "GET /repos/{owner}/{repo}/issues/{issue_number}/timeline 200",
        // the bundle on the PR (its second write, unchanged, sends nothing)
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
      ].sort(),
    );
  });

  it("refuses the merge and rejects the claim on ci_green when the check fails", async () => {
    ciConclusion = "failure";
    const worker = workspace.writeWorker("red.sh", workerScript);
    workspace.writePlan("plan.yaml", plan(worker));
    const result = await workspace.supervise(["plan.yaml"], {
      env: { GITHUB_TOKEN: token, GITHUB_API_URL: loopback.url },
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    fake.assertHealthy();
    const evidence = bundle();
    expect(evidence.verdict).toBe("rejected");
    const gates = Object.fromEntries(evidence.gates.map((gate) => [gate.id, gate.status]));
    expect(gates).toMatchObject({ local_check: "pass", ci_green: "fail", pr_merged: "fail" });
    // The supervisor refused the merge itself, on the red check, without asking GitHub to merge.
    expect(journalEvents()).toContainEqual(
      expect.objectContaining({ type: "merge.refused", number: 8, reason: "ci_not_green" }),
    );
    expect(fake.exchanges.filter((exchange) => exchange.method === "PUT")).toHaveLength(0);
    expect(fake.pulls.get(8)?.state).toBe("open");
    expect(fake.issues.get(7)?.state).toBe("open");
  });
});
