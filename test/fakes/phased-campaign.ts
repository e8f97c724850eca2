/**
 * A two-phase campaign through the real CLI, local forge and sandbox: two workstreams of phase
 * `build` each register a command in `registry/`, each green alone (their local_check finds no
 * name twice); the phase's gate runs the same check on the integrated base, where the two may
 * share a name. Phase `polish` documents the commands (renaming the second one if it clashes) and
 * has a gate of its own, written in place.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { JournalEvent } from "../../src/run/index.ts";
import { readJournal } from "../../src/run/journal.ts";
import { createWorkspace, type Workspace } from "./cli-harness.ts";

export interface PhasedCampaign {
  workspace: Workspace;
  /** The journal of the (only) run. */
  events(): Promise<JournalEvent[]>;
  /** The files of `registry/` a workstream's checkout started with. */
  startedWith(workstream: string): string[];
}

/** Registers its command (or writes the docs), notes what its checkout started with, lands, claims. */
const worker = (secondName: string) => `#!/usr/bin/env bash
set -u
cat >/dev/null
ls registry > .git/started-with.txt
case "$SUPERVISE_WORKSTREAM" in
  deploy-a) printf 'name=deploy\\n' > registry/a.cmd ;;
  deploy-b) printf 'name=${secondName}\\n' > registry/b.cmd ;;
  *) sed -i 's/^name=deploy$/name=ship/' registry/b.cmd
     echo "the commands: $(cat registry/*.cmd | tr '\\n' ' ')" > docs.txt ;;
esac
git add -A && git commit -qm "$SUPERVISE_WORKSTREAM"
supervise tool open_pull_request --input "{\\"title\\": \\"$SUPERVISE_WORKSTREAM\\", \\"body\\": \\"work\\"}"
supervise tool merge_pull_request
supervise tool claim_done --input '{"summary": "done"}'
`;

/** `secondName`: the name deploy-b registers; "deploy" clashes with deploy-a's on the integrated base. */
export function createPhasedCampaign(secondName: string): PhasedCampaign {
  const workspace = createWorkspace({
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
      // No CI: the local forge then merges on the checkout gates alone, which keeps the tests short.
      "  done: [local_check, pr_merged]",
      "  commands: { check: bash check-registry.sh, ci: null }",
      "  stall: { max_restarts: 0, max_rejections: 1 }",
      `agent: { provider: command, command: "bash ${script}" }`,
      "workstreams:",
      "  - { id: docs, phase: polish, goal: document the commands }",
      "  - { id: deploy-a, phase: build, goal: register the deploy command }",
      "  - { id: deploy-b, phase: build, goal: register the second command }",
    ].join("\n"),
  );
  return {
    workspace,
    async events() {
      const runs = join(workspace.directory, ".supervise", "runs");
      return (await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"))).events;
    },
    startedWith(workstream) {
      const file = join(
        workspace.directory,
        ".supervise",
        "checkouts",
        workstream,
        ".git",
        "started-with.txt",
      );
      return readFileSync(file, "utf8").trim().split("\n");
    },
  };
}

/** The merge commit of the last `merge.completed` among `events`. */
export function lastMergeCommit(events: readonly JournalEvent[]): string | null | undefined {
  return events.flatMap((event) => (event.type === "merge.completed" ? [event.merge_commit] : [])).at(-1);
}
