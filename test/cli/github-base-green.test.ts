import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { campaignPlan, createGithubCampaign, type GithubCampaign } from "../fakes/github-campaign.ts";

/**
 * `base_green` on `forge: { kind: github }`: the repository's workflow also runs on every push to
 * the base, and there it can fail where the pull request's passed. The supervisor observes it
 * after the landing, escalates at once with the landings since the base was last green, and holds
 * merges until a human decides.
 */
const token = "test-token-base-green";
let campaign: GithubCampaign;

beforeEach(async () => {
  campaign = await createGithubCampaign({ token });
});
afterEach(() => campaign.close());

const worker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value to 2", "body": "Fixes #7"}'
supervise tool ci_status
supervise tool merge_pull_request
supervise tool claim_done --input '{"summary": "value is 2; merged"}' || true
`;

describe("base_green on GitHub", () => {
  it("escalates a base whose CI turns red after a landing, naming the landing, and records it in the bundle", async () => {
    const { workspace, fake } = campaign;
    fake.state.onBaseMoved = (_branch, sha) => {
      const run = fake.addCheckRun({ sha, name: "ci", status: "in_progress" });
      fake.completeCheckRun(run, "failure", "integration suite: 1 failed");
    };
    workspace.writePlan("plan.yaml", campaignPlan(workspace.writeWorker("worker.sh", worker)));

    const env = { GITHUB_TOKEN: token, GITHUB_API_URL: campaign.loopback.url };
    const result = await workspace.supervise(["plan.yaml", "--json", "--no-wait"], { env });

    // The workstream is done, but the run does not end while the red base waits on its human.
    expect(result.exitCode, result.stdout.slice(-2000) + result.stderr).toBe(3);
    const events = result.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    const observed = events.find((event) => event.type === "base.observed");
    expect(observed, result.stdout.slice(-2000) + result.stderr).toMatchObject({
      landed_by: "fix",
      state: "failure",
      summary: expect.stringContaining("integration suite: 1 failed"),
      escalation: "base-red-1",
      landings_since_green: [{ workstream: "fix", pull_request: observed?.pull_request }],
    });
    const runs = join(workspace.directory, ".supervise", "runs");
    const runDirectory = join(runs, readdirSync(runs)[0]!);
    const escalation = JSON.parse(readFileSync(join(runDirectory, "escalations", "base-red-1.json"), "utf8"));
    expect(escalation).toMatchObject({ source: "base", workstream: "base main", status: "pending" });
    expect(escalation.question).toContain(`#${observed.pull_request}`);
    const bundle = JSON.parse(readFileSync(join(runDirectory, "evidence", "fix", "bundle.json"), "utf8"));
    expect(bundle.base_green).toMatchObject([{ state: "failure", escalation: "base-red-1" }]);
    expect(readFileSync(join(runDirectory, "evidence", "fix", "bundle.md"), "utf8")).toContain(
      "base_green after #",
    );
    const listed = await workspace.supervise(["escalations"]);
    expect(listed.stdout).toContain("base-red-1");
    expect(listed.stdout).toContain("a red base after a landing");

    const approve = await workspace.supervise(["approve", "base-red-1", "--note", "known flake on main"]);
    expect(approve.exitCode, approve.stderr).toBe(0);
    const resumed = await workspace.supervise(["plan.yaml", "--json"], { env });
    expect(resumed.exitCode, resumed.stdout.slice(-2000) + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('"type":"base.decided"');
    expect(resumed.stdout).toContain('"decision":"approve"');
    expect(resumed.stdout).toContain('"type":"run.finished"');
  });

  it("observes the base again on a reply: a re-run that is green lets the run finish", async () => {
    const { workspace, fake } = campaign;
    let landedSha = "";
    fake.state.onBaseMoved = (_branch, sha) => {
      landedSha = sha;
      const run = fake.addCheckRun({ sha, name: "ci", status: "in_progress" });
      fake.completeCheckRun(run, "failure", "integration suite: 1 failed");
    };
    workspace.writePlan("plan.yaml", campaignPlan(workspace.writeWorker("worker.sh", worker)));
    const env = { GITHUB_TOKEN: token, GITHUB_API_URL: campaign.loopback.url };
    const first = await workspace.supervise(["plan.yaml", "--no-wait"], { env });
    expect(first.exitCode, first.stdout.slice(-2000) + first.stderr).toBe(3);

    // Someone re-ran the workflow on main and it passed.
    fake.completeCheckRun(fake.addCheckRun({ sha: landedSha, name: "ci", status: "in_progress" }), "success");
    const reply = await workspace.supervise(["reply", "base-red-1", "re-ran the suite on main"]);
    expect(reply.exitCode, reply.stderr).toBe(0);
    const resumed = await workspace.supervise(["plan.yaml", "--json"], { env });

    expect(resumed.exitCode, resumed.stdout.slice(-2000) + resumed.stderr).toBe(0);
    const events = resumed.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    expect(events.find((event) => event.type === "base.decided")).toMatchObject({ decision: "reply" });
    expect(events.find((event) => event.type === "base.observed")).toMatchObject({
      landed_by: "fix",
      base_sha: landedSha,
      state: "success",
    });
    expect(events.some((event) => event.type === "run.finished")).toBe(true);
  });
});
