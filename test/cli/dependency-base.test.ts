/**
 * A workstream that `depends_on` another starts from the base as it is when it starts, with the
 * merge of the work it waited for, and records that base; one without dependencies starts from
 * the base as the run found it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/run/journal.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n" });
});
afterEach(() => workspace.cleanup());

/** Writes `<id>.txt`, notes which files the checkout started with, lands the change, claims. */
const landingWorker = `#!/usr/bin/env bash
set -u
cat >/dev/null
ls > .git/started-with.txt
echo "$SUPERVISE_WORKSTREAM" > "$SUPERVISE_WORKSTREAM.txt"
git add -A && git commit -qm "add $SUPERVISE_WORKSTREAM.txt"
supervise tool open_pull_request --input "{\\"title\\": \\"add $SUPERVISE_WORKSTREAM\\", \\"body\\": \\"Closes #$SUPERVISE_ISSUE\\"}"
for _ in $(seq 1 300); do
  out=$(supervise tool ci_status 2>&1) || break
  case "$out" in *": success."*|*": failure."*|*": error."*) break;; esac
  sleep 0.1
done
supervise tool merge_pull_request
supervise tool close_issue --input '{"comment": "done"}'
supervise tool claim_done --input '{"summary": "added"}'
`;

describe("a workstream that depends on another", () => {
  it("starts from the base with the merge it waited for, and records that base", async () => {
    const worker = workspace.writeWorker("land.sh", landingWorker);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "defaults:",
        "  done: [local_check, ci_green, pr_merged, issue_closed]",
        '  commands: { check: "true", ci: "true" }',
        "  stall: { max_restarts: 0, max_rejections: 1 }",
        `agent: { provider: command, command: "bash ${worker}" }`,
        "workstreams:",
        "  - { id: first, issue: 1, goal: add first.txt }",
        "  - { id: second, issue: 2, goal: add second.txt, depends_on: [first] }",
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const checkouts = join(workspace.directory, ".supervise", "checkouts");
    const startedWith = (id: string) =>
      readFileSync(join(checkouts, id, ".git", "started-with.txt"), "utf8")
        .trim()
        .split("\n");
    expect(startedWith("first")).toEqual(["README.md"]);
    expect(startedWith("second")).toEqual(["README.md", "first.txt"]);

    const runs = join(workspace.directory, ".supervise", "runs");
    const { events } = await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"));
    const bases = Object.fromEntries(
      events.flatMap((event) =>
        event.type === "checkout.created" ? [[event.workstream, event.base_sha] as const] : [],
      ),
    );
    const firstMerge = events.find(
      (event) => event.type === "merge.completed" && event.workstream === "first",
    ) as { merge_commit: string } | undefined;
    expect(bases.second).toBe(firstMerge?.merge_commit);
    expect(bases.first).not.toBe(bases.second);
  });
});
