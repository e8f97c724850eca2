import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createGithubCampaign, type GithubCampaign } from "../fakes/github-campaign.ts";

/**
 * A red base holds merges: the first landing's push to main fails the repository's workflow; the
 * workstream that depends on it reaches merge_pull_request while the human has not decided, and its
 * pull request stays open until the human approves.
 */
const token = "test-token-merge-hold";
let campaign: GithubCampaign;

beforeEach(async () => {
  campaign = await createGithubCampaign({ token });
});
afterEach(() => campaign.close());

const worker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
case "$SUPERVISE_WORKSTREAM" in
  fix) echo 2 > src/value.txt ;;
  notes) echo "notes" > NOTES.md ;;
esac
git add -A && git commit -qm "$SUPERVISE_WORKSTREAM"
supervise tool open_pull_request --input "{\\"title\\": \\"$SUPERVISE_WORKSTREAM\\", \\"body\\": \\"work\\"}"
supervise tool ci_status
supervise tool merge_pull_request
supervise tool claim_done --input '{"summary": "merged"}'
`;

function journal(directory: string): { type: string; seq: number; [key: string]: unknown }[] {
  const runs = join(directory, ".supervise", "runs");
  const names = (() => {
    try {
      return readdirSync(runs);
    } catch {
      return [];
    }
  })();
  if (names.length === 0) return [];
  return readFileSync(join(runs, names[0]!, "journal.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

async function until<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe("a red base holds merges", () => {
  it("keeps the next pull request open until a human approves, then lands it", async () => {
    const { workspace, fake } = campaign;
    let isFirstLanding = true;
    fake.state.onBaseMoved = (_branch, sha) => {
      const run = fake.addCheckRun({ sha, name: "ci", status: "in_progress" });
      fake.completeCheckRun(run, isFirstLanding ? "failure" : "success", "integration suite");
      isFirstLanding = false;
    };
    const script = workspace.writeWorker("worker.sh", worker);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "forge: { kind: github, owner: acme, repo: widget }",
        "defaults:",
        "  done: [local_check, ci_green, pr_merged]",
        "  commands: { check: 'true', ci: 'true' }",
        "  stall: { max_restarts: 0, max_rejections: 1 }",
        `agent: { provider: command, command: "bash ${script}" }`,
        "workstreams:",
        "  - { id: fix, goal: set the value }",
        "  - { id: notes, goal: add notes, depends_on: [fix] }",
      ].join("\n"),
    );
    const env = { GITHUB_TOKEN: token, GITHUB_API_URL: campaign.loopback.url };
    const run = workspace.supervise(["plan.yaml"], { env });

    const held = await until(
      () => journal(workspace.directory).find((event) => event.type === "merge.held"),
      "the second merge to wait",
    );
    expect(held).toMatchObject({ workstream: "notes", escalation: "base-red-1" });
    const heldPull = fake.pulls.get(held.number as number);
    expect(heldPull?.isMerged).toBe(false);

    const approve = await workspace.supervise(["approve", "base-red-1", "--note", "flaky on main"]);
    expect(approve.exitCode, approve.stderr).toBe(0);
    const result = await run;
    expect(result.exitCode, result.stdout.slice(-2000) + result.stderr).toBe(0);

    const events = journal(workspace.directory);
    const decided = events.find((event) => event.type === "base.decided");
    const landed = events.find((event) => event.type === "merge.completed" && event.workstream === "notes");
    expect(decided).toMatchObject({ decision: "approve" });
    expect(landed!.seq).toBeGreaterThan(decided!.seq);
    expect(fake.pulls.get(held.number as number)?.isMerged).toBe(true);
    expect(events.filter((event) => event.type === "base.observed").map((event) => event.state)).toEqual([
      "failure",
      "success",
    ]);
  });
});
