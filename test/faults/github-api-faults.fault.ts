import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Workspace } from "../fakes/cli-harness.ts";
import type { GithubFake } from "../fakes/github-api.ts";
import { campaignPlan, createGithubCampaign, type GithubCampaign } from "../fakes/github-campaign.ts";
import type { FakeResponse } from "../fakes/github-http.ts";
import type { GithubLoopback } from "../fakes/github-loopback.ts";
import { faultSeed, seededRandom } from "./fault-seed.ts";

/**
 * GitHub failing under a `supervise` run on the github forge (the CLI as a child process, the API a
 * loopback fake, git a local bare remote): secondary rate limits with retry-after and 502s at
 * seeded random requests, the first create, merge and bundle comment each done by GitHub with the
 * answer lost on the way back, and the head branch deleted by GitHub as the merge lands. The run
 * must still end with the honest verdict and nothing done twice.
 */
const token = "ghs_faultToken5f2c9a0123456789";
let campaign: GithubCampaign;
let workspace: Workspace;
let loopback: GithubLoopback;
let fake: GithubFake;

beforeEach(async () => {
  const random = seededRandom(faultSeed("github-api-faults", 20261124));
  campaign = await createGithubCampaign({ token, responder: (target) => faultyResponder(target, random) });
  ({ workspace, loopback, fake } = campaign);
  fake.state.deletesHeadBranchOnMerge = true;
});

afterEach(() => campaign.close());

/** The mutations whose first attempt GitHub performs and whose answer is then lost. */
const lostOnce: { method: string; path: RegExp; name: string }[] = [
  { method: "POST", path: /\/pulls$/, name: "create PR" },
  { method: "PUT", path: /\/pulls\/\d+\/merge$/, name: "merge" },
  { method: "POST", path: /\/issues\/\d+\/comments$/, name: "comment" },
];

const secondaryRateLimit: FakeResponse = {
  status: 403,
  body: {
    message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    status: "403",
  },
  headers: { "retry-after": "1" },
};
const badGateway: FakeResponse = { status: 502, body: { message: "Server Error" } };

/**
 * A fifth of the requests fail (never two in a row, so every retry policy has room to recover),
 * and each mutation in `lostOnce` loses its first answer. Every fault is printed, to replay a failure.
 */
function faultyResponder(target: GithubFake, random: () => number) {
  const lost = new Set<string>();
  let isPreviousFaulted = false;
  return async (request: Request): Promise<Response> => {
    const { method } = request;
    const path = new URL(request.url).pathname;
    const exactPath = new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
    const mutation = lostOnce.find((kind) => kind.method === method && kind.path.test(path));
    let fault: string | null = null;
    if (mutation && !lost.has(mutation.name)) {
      lost.add(mutation.name);
      target.intercept({ method, path: exactPath }); // GitHub does it; the answer never arrives
      fault = "done, answer lost";
    } else if (!isPreviousFaulted && random() < 0.2) {
      const response = random() < 0.5 ? secondaryRateLimit : badGateway;
      target.intercept({ method, path: exactPath, response });
      fault = String(response.status);
    }
    isPreviousFaulted = fault !== null;
    if (fault) process.stderr.write(`[faults] github: ${method} ${path}: ${fault}\n`);
    return target.respond(request);
  };
}

const workerScript = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value to 2", "body": "The value is now 2."}'
supervise tool ci_status
supervise tool merge_pull_request
supervise tool close_issue --input '{"comment": "Fixed by the merge."}'
supervise tool claim_done --input '{"summary": "value is 2; CI green; merged"}'
`;

function runDirectory(): string {
  const runs = join(workspace.directory, ".supervise", "runs");
  return join(runs, readdirSync(runs)[0] ?? "");
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    if (name === ".git" || name === "git" || name === "checkouts") return [];
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("GitHub API faults through the CLI", () => {
  it("completes with the honest verdict: one PR, one merge, one bundle comment, one issue close, no token leaked", async () => {
    const worker = workspace.writeWorker("worker.sh", workerScript);
    workspace.writePlan(
      "plan.yaml",
      campaignPlan(worker, { stall: "{ max_restarts: 1, max_rejections: 1 }" }),
    );
    const result = await workspace.supervise(["plan.yaml"], {
      env: { GITHUB_TOKEN: token, GITHUB_API_URL: loopback.url },
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    fake.assertHealthy();

    const bundle = JSON.parse(readFileSync(join(runDirectory(), "evidence", "fix", "bundle.json"), "utf8"));
    expect(bundle.verdict).toBe("accepted");
    expect(bundle.gates.map((gate: { id: string; status: string }) => `${gate.id}:${gate.status}`)).toEqual([
      "local_check:pass",
      "ci_green:pass",
      "pr_merged:pass",
      "issue_closed:pass",
    ]);

    const pulls = [...fake.pulls.values()];
    expect(pulls.map((pull) => [pull.number, pull.state, pull.isMerged])).toEqual([[8, "closed", true]]);
    // GitHub deleted the head branch as the merge landed; verification read by SHA and by PR.
    expect([...fake.branches.keys()]).not.toContain("supervise/fix");
    const pathOf = (url: string) => new URL(url).pathname;
    // A merge took effect when GitHub answered it, or did it and lost the answer (status 0).
    const effectiveMerges = fake.exchanges.filter(
      (exchange) => exchange.method === "PUT" && (exchange.status === 200 || exchange.status === 0),
    );
    expect(effectiveMerges).toHaveLength(1);
    expect(
      fake.comments.filter((comment) => comment.body.includes("<!-- supervise:bundle:fix -->")),
    ).toHaveLength(1);
    expect(fake.issues.get(7)).toMatchObject({ state: "closed" });
    expect(bundle.issue).toMatchObject({
      state: "closed",
      closed_by: { kind: "pull_request", pullRequest: 8 },
    });
    // The merge closed it; close_issue found it closed and neither closed nor commented again.
    expect(
      fake.exchanges.filter(
        (exchange) => exchange.method === "PATCH" && pathOf(exchange.url) === "/repos/acme/widget/issues/7",
      ),
    ).toEqual([]);

    expect(fake.exchanges.map((exchange) => exchange.url).filter((url) => url.includes(token))).toEqual([]);
    for (const file of filesUnder(join(workspace.directory, ".supervise")))
      expect(readFileSync(file, "utf8"), file).not.toContain(token);
  });
});
