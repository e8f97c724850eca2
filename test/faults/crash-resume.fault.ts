import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { JournalEvent } from "../../src/run/events.ts";
import { readJournal } from "../../src/run/journal.ts";
import { killProcessesWithMarker } from "../../src/sandbox/index.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";
import { faultSeed, seededRandom } from "./fault-seed.ts";
import { readForgeRecords } from "./forge-records.ts";

/**
 * SIGKILL the real supervisor at 20 seeded random points of a campaign whose gates include the
 * local forge (CI green, PR merged, issue closed), resuming each time. The end must be what an
 * uninterrupted run of the same plan gives: the same verdicts, one checkout, one pull request, one
 * merge and one issue close per workstream, and a journal whose every line parses.
 */
const workspaces: Workspace[] = [];
afterEach(() => {
  for (const workspace of workspaces.splice(0)) {
    // Workers of a killed supervisor that a failing test left behind must not outlive it.
    let runs: string[] = [];
    try {
      runs = readdirSync(join(workspace.directory, ".supervise", "runs"));
    } catch {}
    for (const run of runs) killProcessesWithMarker("SUPERVISE_RUN", run, "SIGKILL");
    if (process.env.SUPERVISE_KEEP_TEST_DIRECTORY) process.stderr.write(`kept ${workspace.directory}\n`);
    else workspace.cleanup();
  }
});

const workstreamIds = ["alpha", "beta", "gamma", "delta", "epsilon"];
const requiredKills = 20;

/**
 * Makes its change once however often it is restarted. After a restart its pull request may be
 * open or merged already, so it tries to merge first and opens (or updates) the PR only if that fails.
 */
const idempotentForgeWorker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
rm -f .git/index.lock
if ! git log --format=%s | grep -qx "change for $SUPERVISE_WORKSTREAM"; then
  echo "$SUPERVISE_WORKSTREAM" > "$SUPERVISE_WORKSTREAM.txt"
  git add -A
  git commit -qm "change for $SUPERVISE_WORKSTREAM"
fi
if ! supervise tool merge_pull_request >/dev/null 2>&1; then
  supervise tool open_pull_request --input "{\\"title\\": \\"Change for $SUPERVISE_WORKSTREAM\\", \\"body\\": \\"One file.\\"}" >/dev/null
  supervise tool merge_pull_request >/dev/null
fi
supervise tool claim_done --input '{"summary": "changed, CI green, merged"}'
`;

function createCampaign(): Workspace {
  const workspace = createWorkspace();
  workspaces.push(workspace);
  const worker = workspace.writeWorker("worker.sh", idempotentForgeWorker);
  workspace.writePlan(
    "plan.yaml",
    [
      "repo: ./repo",
      "concurrency: 2",
      `agent: { provider: command, command: "bash ${worker}" }`,
      "defaults:",
      "  done: [local_check, ci_green, pr_merged, issue_closed]",
      '  commands: { check: "test -f $(git log -1 --format=%s | cut -d\\" \\" -f3).txt", build: null, ci: "true" }',
      "  stall: { max_restarts: 40 }",
      "workstreams:",
      ...workstreamIds.map(
        (id, index) =>
          `  - { id: ${id}, issue: ${index + 1}, goal: make ${id}.txt${id === "delta" ? ", depends_on: [alpha]" : ""} }`,
      ),
    ].join("\n"),
  );
  return workspace;
}

const milestoneOf = (event: JournalEvent) => `${event.type}/${event.workstream ?? "run"}`;

async function finishedEvents(workspace: Workspace): Promise<{ events: JournalEvent[]; runs: string[] }> {
  const runsDirectory = join(workspace.directory, ".supervise", "runs");
  const runs = readdirSync(runsDirectory);
  const journalFile = join(runsDirectory, runs[0]!, "journal.jsonl");
  const { events, droppedTail } = await readJournal(journalFile);
  expect(droppedTail).toBeNull();
  expect(readFileSync(journalFile, "utf8").trim().split("\n")).toHaveLength(events.length);
  return { events, runs };
}

/** The forge as the run left it, reduced to what must hold per workstream. */
function forgeSummary(workspace: Workspace) {
  const records = readForgeRecords(join(workspace.directory, ".supervise"));
  return workstreamIds.map((id, index) => {
    const pulls = records.pullRequests.filter((pull) => pull.head === `supervise/${id}`);
    const issue = records.issues.find((candidate) => candidate.number === index + 1);
    return {
      workstream: id,
      pullRequests: pulls.length,
      merged: pulls.filter((pull) => pull.isMerged).length,
      landed: records.landedPullRequests.filter((number) => pulls.some((pull) => pull.number === number))
        .length,
      issueState: issue?.state,
      issueClosedByItsPullRequest:
        issue?.closedBy?.kind === "pull_request" && issue.closedBy.pullRequest === pulls[0]?.number,
    };
  });
}

describe("SIGKILL at seeded random points, then resume", () => {
  it("ends as an uninterrupted run does: same verdicts, one checkout, PR, merge and issue close each", async () => {
    const seed = faultSeed("crash-resume", 20261124);
    const random = seededRandom(seed);

    const reference = createCampaign();
    const uninterrupted = await reference.supervise(["plan.yaml", "--json"]);
    expect(uninterrupted.exitCode, uninterrupted.stderr).toBe(0);
    const referenceEvents = (await finishedEvents(reference)).events;
    const referenceVerdicts = referenceEvents.find((event) => event.type === "run.finished")?.verdicts;

    // Kill points are milestones: the n-th distinct (event type, workstream) the campaign
    // reaches, counted across all rounds. Drawn over the reference run's milestones, they spread
    // the kills over the whole campaign (checkouts, pushes, merges, verification) and every round
    // gets further than the last, where "after k new events" would mostly hit each resume's start.
    const milestoneCount = new Set(referenceEvents.map(milestoneOf)).size;
    const targets = Array.from(
      { length: requiredKills },
      () => 1 + Math.floor(random() * (milestoneCount - 1)),
    ).sort((left, right) => left - right);

    const workspace = createCampaign();
    const reached = new Set<string>();
    const killPoints: string[] = [];
    let finalExitCode: number | undefined;
    for (let round = 0; round < requiredKills + 10 && finalExitCode === undefined; round++) {
      const child = workspace.supervise(["plan.yaml", "--json"]);
      const target = targets[killPoints.length] ?? Number.POSITIVE_INFINITY;
      let pending = "";
      let isKilled = false;
      child.stdout?.on("data", (chunk: Buffer) => {
        const lines = (pending + chunk.toString()).split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) {
          if (isKilled || !line.startsWith("{")) continue;
          const milestone = milestoneOf(JSON.parse(line) as JournalEvent);
          const isNew = !reached.has(milestone);
          reached.add(milestone);
          // Past the target already: the first new milestone of this round will do.
          if (isNew && reached.size >= target) {
            isKilled = true;
            killPoints.push(`${reached.size}:${milestone}`);
            child.kill("SIGKILL");
          }
        }
      });
      const result = await child;
      if (result.signal !== "SIGKILL") finalExitCode = result.exitCode;
    }
    process.stderr.write(`[faults] crash-resume: killed after ${killPoints.join(", ")}\n`);

    expect({ seed, kills: killPoints.length, finalExitCode }).toEqual({
      seed,
      kills: requiredKills,
      finalExitCode: 0,
    });
    const { events, runs } = await finishedEvents(workspace);
    expect(runs).toHaveLength(1);
    const finished = events.filter((event) => event.type === "run.finished");
    expect(finished).toHaveLength(1);
    expect(finished[0]!.verdicts).toEqual(referenceVerdicts);
    expect(events.filter((event) => event.type === "run.resumed")).toHaveLength(requiredKills);

    const checkouts = readdirSync(join(workspace.directory, ".supervise", "checkouts")).filter(
      (name) => !name.startsWith("."),
    );
    expect(checkouts.sort()).toEqual([...workstreamIds].sort());
    for (const id of workstreamIds) {
      const created = events.filter((event) => event.type === "checkout.created" && event.workstream === id);
      expect(created, `checkouts of ${id}`).toHaveLength(1);
    }

    const expected = workstreamIds.map((id) => ({
      workstream: id,
      pullRequests: 1,
      merged: 1,
      landed: 1,
      issueState: "closed",
      issueClosedByItsPullRequest: true,
    }));
    expect(forgeSummary(reference)).toEqual(expected);
    expect(forgeSummary(workspace)).toEqual(expected);
  });
});
