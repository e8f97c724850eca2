/**
 * Phases through the real CLI, local forge and sandbox: two workstreams of phase `build` each
 * register a command in `registry/`, each green alone; the phase's gate checks the integrated base,
 * where two commands may share a name. Phase `polish` starts only after it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JournalEvent } from "../../src/run/index.ts";
import { readJournal } from "../../src/run/journal.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "README.md": "# demo\n",
    "registry/core.cmd": "name=build\n",
    "check-registry.sh": [
      "echo 'checking registry/'",
      "dups=$(cat registry/*.cmd | sed -n 's/^name=//p' | sort | uniq -d)",
      'if [ -n "$dups" ]; then echo "error: command name registered twice: $dups"; exit 1; fi',
      "echo 'registry ok'",
      "",
    ].join("\n"),
  });
});
afterEach(() => workspace.cleanup());

/** Registers its command (or writes the docs), notes what its checkout started with, lands, claims. */
const worker = (secondName: string) => `#!/usr/bin/env bash
set -u
cat >/dev/null
ls registry > .git/started-with.txt
case "$SUPERVISE_WORKSTREAM" in
  deploy-a) printf 'name=deploy\\n' > registry/a.cmd ;;
  deploy-b) printf 'name=${secondName}\\n' > registry/b.cmd ;;
  # The polish phase renames the second command if it clashes, then documents them all.
  *) sed -i 's/^name=deploy$/name=ship/' registry/b.cmd
     echo "the commands: $(cat registry/*.cmd | tr '\\n' ' ')" > docs.txt ;;
esac
git add -A && git commit -qm "$SUPERVISE_WORKSTREAM"
supervise tool open_pull_request --input "{\\"title\\": \\"$SUPERVISE_WORKSTREAM\\", \\"body\\": \\"work\\"}"
for _ in $(seq 1 300); do
  out=$(supervise tool ci_status 2>&1) || break
  case "$out" in *": success."*|*": failure."*|*": error."*) break;; esac
  sleep 0.1
done
supervise tool merge_pull_request
supervise tool claim_done --input '{"summary": "done"}'
`;

function writePlan(secondName: string): void {
  const script = workspace.writeWorker("worker.sh", worker(secondName));
  workspace.writePlan(
    "plan.yaml",
    [
      "repo: ./repo",
      "concurrency: 2",
      "gates:",
      '  registry: { run: bash check-registry.sh, fix_hint: "give each command its own name" }',
      "phases:",
      "  build: { gates: [registry] }",
      "  polish: { gates: [{ name: docs-present, run: test -s docs.txt }] }",
      "defaults:",
      "  done: [local_check, ci_green, pr_merged]",
      '  commands: { check: bash check-registry.sh, ci: "true" }',
      "  stall: { max_restarts: 0, max_rejections: 1 }",
      `agent: { provider: command, command: "bash ${script}" }`,
      "workstreams:",
      "  - { id: docs, phase: polish, goal: document the commands }",
      "  - { id: deploy-a, phase: build, goal: register the deploy command }",
      "  - { id: deploy-b, phase: build, goal: register the second command }",
    ].join("\n"),
  );
}

const runDirectory = () => {
  const runs = join(workspace.directory, ".supervise", "runs");
  return join(runs, readdirSync(runs)[0]!);
};
const startedWith = (id: string) =>
  readFileSync(join(workspace.directory, ".supervise", "checkouts", id, ".git", "started-with.txt"), "utf8")
    .trim()
    .split("\n");
const lastMergeCommit = (events: readonly JournalEvent[]) =>
  events.flatMap((event) => (event.type === "merge.completed" ? [event.merge_commit] : [])).at(-1);

describe("phases", () => {
  it("escalates a phase gate that turns red once both workstreams merged, holds the next phase, and starts it on approval", async () => {
    writePlan("deploy");
    const run = workspace.supervise(["plan.yaml", "--json"]);
    let seen = "";
    await new Promise<void>((resolve) => {
      run.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"phase.failed"')) resolve();
      });
    });
    const listed = await workspace.supervise(["escalations", "--json"]);
    const [escalation] = JSON.parse(listed.stdout).escalations;
    expect(escalation).toMatchObject({
      id: "phase-build-1",
      workstream: "phase build",
      source: "phase",
      status: "pending",
    });
    expect(escalation.question).toContain("gate registry failed");
    expect(escalation.question).toContain("error: command name registered twice: deploy");
    expect(escalation.question).toContain("The phases after it (polish) have not started");

    const status = await workspace.supervise(["status"]);
    expect(status.stdout).toMatch(/build\s+failed, waiting on phase-build-1/);
    expect(status.stdout).toMatch(/docs\s+pending/);

    const approve = await workspace.supervise([
      "approve",
      "phase-build-1",
      "--note",
      "polish renames the second command",
    ]);
    expect(approve.exitCode, approve.stderr).toBe(0);
    const result = await run;
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    const { events } = await readJournal(join(runDirectory(), "journal.jsonl"));
    const failed = events.find((event) => event.type === "phase.failed")!;
    const docsStarted = events.find(
      (event) => event.type === "workstream.started" && event.workstream === "docs",
    )!;
    const decided = events.find((event) => event.type === "phase.decided")!;
    expect(decided).toMatchObject({
      phase: "build",
      escalation: "phase-build-1",
      decision: "approve",
      note: "polish renames the second command",
    });
    // Nothing of phase polish started before the human decided.
    expect(docsStarted.seq).toBeGreaterThan(decided.seq);
    expect(failed).toMatchObject({
      workstream: null,
      phase: "build",
      escalation: "phase-build-1",
      gates: [
        {
          gate: "registry",
          status: "fail",
          detail: "`bash check-registry.sh` exited 1",
          command: {
            exitCode: 1,
            log: "phases/build/logs/check-1-registry.log",
            excerpt: "error: command name registered twice: deploy",
          },
        },
      ],
    });
    // The gate ran on the base with both merges, the last of them at its tip.
    const mergesBefore = events.filter((event) => event.seq < failed.seq);
    expect(
      mergesBefore.flatMap((event) => (event.type === "merge.completed" ? [event.workstream] : [])).sort(),
    ).toEqual(["deploy-a", "deploy-b"]);
    expect(failed.type === "phase.failed" && failed.base_sha).toBe(lastMergeCommit(mergesBefore));
    expect(startedWith("docs")).toEqual(["a.cmd", "b.cmd", "core.cmd"]);
    expect(
      events
        .filter((event) => event.type === "phase.passed")
        .map((event) => event.type === "phase.passed" && event.phase),
    ).toEqual(["polish"]);

    const report = await workspace.supervise(["report", "--format", "md"]);
    expect(report.stdout).toContain("| build | waived by");
    expect(report.stdout).toContain("| polish | passed |");
  });

  it("starts the next phase from the integrated base once the phase gate passes", async () => {
    writePlan("ship");
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const { events } = await readJournal(join(runDirectory(), "journal.jsonl"));
    const passed = events.filter((event) => event.type === "phase.passed");
    expect(
      passed.map(
        (event) =>
          event.type === "phase.passed" && [
            event.phase,
            event.gates.map((gate) => `${gate.gate}: ${gate.status}`),
          ],
      ),
    ).toEqual([
      ["build", ["registry: pass"]],
      ["polish", ["docs-present: pass"]],
    ]);
    const build = passed[0]!;
    const docsCheckout = events.find(
      (event) => event.type === "checkout.created" && event.workstream === "docs",
    )!;
    const buildMerges = events.filter(
      (event) => event.type === "merge.completed" && event.workstream !== "docs",
    );
    expect(build.type === "phase.passed" && build.base_sha).toBe(lastMergeCommit(buildMerges));
    expect(docsCheckout.type === "checkout.created" && docsCheckout.base_sha).toBe(
      build.type === "phase.passed" && build.base_sha,
    );
    expect(docsCheckout.seq).toBeGreaterThan(build.seq);
    expect(startedWith("docs")).toEqual(["a.cmd", "b.cmd", "core.cmd"]);
    expect(events.some((event) => event.type.startsWith("escalation."))).toBe(false);

    const status = await workspace.supervise(["status"]);
    expect(status.stdout).toMatch(/build\s+passed/);
  });

  it("with --no-wait stops on a red phase; a denial read on resume blocks the later phases without re-running the gate", async () => {
    writePlan("deploy");
    const first = await workspace.supervise(["plan.yaml", "--no-wait"]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(3);
    const deny = await workspace.supervise(["deny", "phase-build-1", "--note", "rename one first"]);
    expect(deny.exitCode, deny.stderr).toBe(0);

    const resumed = await workspace.supervise(["plan.yaml"]);
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(1);
    const { events } = await readJournal(join(runDirectory(), "journal.jsonl"));
    expect(events.filter((event) => event.type === "phase.failed")).toHaveLength(1);
    expect(events.find((event) => event.type === "phase.decided")).toMatchObject({
      phase: "build",
      decision: "deny",
      note: "rename one first",
    });
    expect(events.some((event) => event.type === "workstream.started" && event.workstream === "docs")).toBe(
      false,
    );
    const blocked = events.find((event) => event.type === "workstream.blocked");
    expect(blocked).toMatchObject({
      workstream: "docs",
      reason: expect.stringMatching(
        /^phase build's gates failed on the integrated base and \S+ denied going on \(escalation phase-build-1\)$/,
      ),
    });
    const status = await workspace.supervise(["status"]);
    expect(status.stdout).toMatch(/build\s+denied by \S+ \(phase-build-1\): later phases blocked/);
    expect(status.stdout).toContain("build: registry — `bash check-registry.sh` exited 1");
  });
});
