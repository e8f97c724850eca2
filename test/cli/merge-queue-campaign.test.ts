import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

/**
 * Eight workstreams landing on one base through the local forge's merge queue, driven by scripted
 * workers through `supervise tool`. Two pairs are green alone and red together: a renamed function
 * and a new caller of its old name; two edits of different files that each keep the check green
 * but together break it. The base must never be red, and every honest change must land.
 */
let workspace: Workspace;

const check = `set -e
. ./greet.sh
for caller in callers/*.sh; do . "$caller"; done
test "$(cat config/max.txt)" -ge "$(cat config/min.txt)" || { echo "max $(cat config/max.txt) is below min $(cat config/min.txt)"; exit 1; }
echo check passed
`;

beforeEach(() => {
  workspace = createWorkspace({
    "README.md": "# greeter\n",
    "greet.sh": 'greet() { echo "hello $1"; }\n',
    "callers/one.sh": "greet one\n",
    "config/max.txt": "10\n",
    "config/min.txt": "1\n",
    "check.sh": check,
  });
});
afterEach(() => workspace.cleanup());

/** What each workstream changes, and how it reconciles with what landed when its merge result is red. */
const work: Record<string, { change: string; reconcile: string }> = {
  rename: {
    change: `printf 'welcome() { echo "hello $1"; }\\n' > greet.sh; sed -i 's/^greet /welcome /' callers/*.sh`,
    reconcile: `sed -i 's/^greet /welcome /' callers/*.sh`,
  },
  "old-caller": {
    change: "echo 'greet two' > callers/two.sh",
    reconcile: "if grep -q '^welcome' greet.sh; then sed -i 's/^greet /welcome /' callers/*.sh; fi",
  },
  "lower-max": {
    change: "echo 5 > config/max.txt",
    reconcile: 'if [ "$(cat config/min.txt)" -gt 5 ]; then cat config/min.txt > config/max.txt; fi',
  },
  "raise-min": {
    change: "echo 8 > config/min.txt",
    reconcile: 'if [ "$(cat config/max.txt)" -lt 8 ]; then cat config/max.txt > config/min.txt; fi',
  },
  ...Object.fromEntries(
    ["alpha", "beta", "gamma", "delta"].map((name) => [
      `notes-${name}`,
      { change: `mkdir -p notes && echo ${name} > notes/${name}.txt`, reconcile: ":" },
    ]),
  ),
};

function writeWorker(id: string): string {
  const { change, reconcile } = work[id]!;
  return workspace.writeWorker(
    `${id}.sh`,
    `#!/usr/bin/env bash
set -u
cat >/dev/null
wait_ci() {
  for i in $(seq 1 600); do
    out=$(supervise tool ci_status) || true
    case "$out" in *": success."*|*": failure."*) break;; esac
    sleep 0.1
  done
}
${change}
git add -A && git commit -qm "${id}"
for attempt in 1 2 3; do
  supervise tool open_pull_request --input '{"title": "${id}", "body": "${id}"}' >/dev/null
  wait_ci
  if out=$(supervise tool merge_pull_request 2>&1); then break; fi
  echo "merge refused: $out"
  git fetch -q origin
  git rebase -q origin/main || { git rebase --abort; exit 1; }
  ${reconcile}
  git add -A && git commit -qm "${id}: reconcile with main" || true
done
supervise tool claim_done --input '{"summary": "${id} landed"}'
`,
  );
}

describe("a campaign landing through the merge queue", () => {
  it("never turns the base red: the workstream that breaks it together is sent back with the merge result's log, and all honest work lands", async () => {
    const ids = Object.keys(work);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "defaults:",
        "  done: [local_check, ci_green, pr_merged]",
        "  commands: { check: sh check.sh, ci: sh check.sh }",
        "  stall: { max_restarts: 0, max_rejections: 1 }",
        "workstreams:",
        ...ids.map(
          (id) =>
            `  - { id: ${id}, goal: "${id}", agent: { provider: command, command: "bash ${writeWorker(id)}" } }`,
        ),
      ].join("\n"),
    );

    const result = await workspace.supervise(["plan.yaml", "--json", "--concurrency", "8"]);

    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
    const events = result.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    const observed = events.filter((event) => event.type === "base.observed");
    expect(observed).toHaveLength(ids.length);
    expect(observed.every((event) => event.state === "success")).toBe(true);
    const refused = events.filter((event) => event.type === "merge.refused");
    // One of each incompatible pair is sent back; which one depends on the order they asked.
    const sentBack = refused.map((event) => event.workstream).sort();
    expect(refused.every((event) => event.reason === "merge_result_failed")).toBe(true);
    expect(sentBack).toHaveLength(2);
    expect(sentBack.filter((id) => id === "rename" || id === "old-caller")).toHaveLength(1);
    expect(sentBack.filter((id) => id === "lower-max" || id === "raise-min")).toHaveLength(1);

    const runs = join(workspace.directory, ".supervise", "runs");
    const runDirectory = join(runs, readdirSync(runs)[0]!);
    for (const id of sentBack) {
      const transcript = readFileSync(join(runDirectory, "transcripts", `${id}.jsonl`), "utf8");
      expect(transcript).toContain("the merge result");
      expect(transcript).toMatch(/greet: not found|is below min/);
    }
    for (const id of ids) {
      const bundle = JSON.parse(readFileSync(join(runDirectory, "evidence", id, "bundle.json"), "utf8"));
      expect(bundle.verdict, id).toBe("accepted");
      expect(bundle.pr.landing).toMatchObject({ via: "merge_queue", ci: "success" });
      expect(bundle.base_green).toMatchObject([{ state: "success" }]);
      const prMerged = bundle.gates.find((gate: { id: string }) => gate.id === "pr_merged");
      expect(prMerged.detail).toContain("after CI passed on the merge result");
    }

    workspace.git(["pull", "-q", "supervise", "main"]);
    const report = await workspace.supervise(["report"]);
    expect(report.stdout).toContain("after CI passed on the merge result");
    expect(report.stdout).toContain("base_green");
    expect(workspace.git(["ls-files", "notes"]).split("\n")).toHaveLength(4);
    expect(readFileSync(join(workspace.repository, "callers", "two.sh"), "utf8")).toBe("welcome two\n");
  });
});
