import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/run/journal.ts";
import { killProcessesWithMarker } from "../../src/sandbox/index.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

/**
 * SIGKILL the real supervisor at seeded random moments of a multi-workstream run and run the same
 * command again until it finishes: one run, every workstream accepted, one checkout and one commit
 * of each change per workstream, and a journal whose every line parses.
 */
let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace();
});
afterEach(() => {
  // A failing run could leave workers of a killed supervisor behind; never let them outlive the test.
  let runs: string[] = [];
  try {
    runs = readdirSync(join(workspace.directory, ".supervise", "runs"));
  } catch {}
  for (const run of runs) killProcessesWithMarker("SUPERVISE_RUN", run, "SIGKILL");
  if (process.env.SUPERVISE_KEEP_TEST_DIRECTORY) process.stderr.write(`kept ${workspace.directory}\n`);
  else workspace.cleanup();
});

/** A worker that makes its change once, however often it is restarted, then claims. */
const idempotentWorker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
sleep 0.1
rm -f .git/index.lock
if ! git log --format=%s | grep -qx "change for $SUPERVISE_WORKSTREAM"; then
  echo "$SUPERVISE_WORKSTREAM" > "$SUPERVISE_WORKSTREAM.txt"
  git add -A
  git commit -qm "change for $SUPERVISE_WORKSTREAM"
fi
sleep 0.1
supervise tool claim_done --input '{"summary": "done"}'
`;

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("resume after SIGKILL", () => {
  it("finishes with the same verdicts, one checkout and one commit per workstream", async () => {
    const seed = Number(process.env.SUPERVISE_CRASH_SEED ?? 20261124);
    const random = seededRandom(seed);
    const worker = workspace.writeWorker("worker.sh", idempotentWorker);
    const ids = ["alpha", "beta", "gamma", "delta"];
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "concurrency: 2",
        "defaults:",
        "  done: [local_check, release_build]",
        '  commands: { check: "test -f $(git log -1 --format=%s | cut -d\\" \\" -f3).txt", build: "git log --oneline | head -3" }',
        `  stall: { max_restarts: 30 }`,
        `agent: { provider: command, command: "bash ${worker}" }`,
        "workstreams:",
        ...ids.map(
          (id, index) =>
            `  - { id: ${id}, goal: make ${id}.txt${index === 3 ? ", depends_on: [alpha]" : ""} }`,
        ),
      ].join("\n"),
    );

    const kills: number[] = [];
    let finalExitCode: number | undefined;
    for (let round = 0; round < 25 && finalExitCode === undefined; round++) {
      const child = workspace.supervise(["plan.yaml", "--json"]);
      // Kill after a seeded number of events, until the run has been killed enough; then let it finish.
      const killAfterEvents = kills.length < 6 ? 1 + Math.floor(random() * 12) : Number.POSITIVE_INFINITY;
      let seen = 0;
      let isKilled = false;
      child.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk
          .toString()
          .split("\n")
          .filter((line) => line.startsWith("{")).length;
        if (seen >= killAfterEvents && !isKilled) {
          isKilled = true;
          child.kill("SIGKILL");
        }
      });
      const result = await child;
      if (result.signal === "SIGKILL") kills.push(killAfterEvents);
      else finalExitCode = result.exitCode;
    }

    expect({ seed, finalExitCode, killed: kills.length >= 1 }).toEqual({
      seed,
      finalExitCode: 0,
      killed: true,
    });
    const stateDirectory = join(workspace.directory, ".supervise");
    const runs = readdirSync(join(stateDirectory, "runs"));
    expect(runs).toHaveLength(1);
    const checkouts = readdirSync(join(stateDirectory, "checkouts")).filter((name) => !name.startsWith("."));
    expect(checkouts.sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const checkout = join(stateDirectory, "checkouts", id);
      expect(workspace.git(["log", "--format=%s", "origin/main..HEAD"], checkout)).toBe(`change for ${id}`);
    }
    const journalFile = join(stateDirectory, "runs", runs[0]!, "journal.jsonl");
    const { events, droppedTail } = await readJournal(journalFile);
    expect(droppedTail).toBeNull();
    expect(readFileSync(journalFile, "utf8").trim().split("\n")).toHaveLength(events.length);
    const finished = events.filter((event) => event.type === "run.finished");
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ verdicts: Object.fromEntries(ids.map((id) => [id, "accepted"])) });
    // Every resume is recorded, and the killed runs' workers were accounted for.
    expect(events.filter((event) => event.type === "run.resumed").length).toBe(kills.length);
  });
});
