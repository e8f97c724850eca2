/**
 * The shared stage of the verdict attacks: a small Node project tested with `node --test`, a plan
 * with the default gates on the local forge under bubblewrap, and readers for what the run left
 * behind (journal, bundle, the forge's origin). Each attack is a bash worker that cheats one way and
 * then walks the honest path (PR, green CI, merge, close, claim), so only the cheat decides its fate.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { JournalEvent } from "../../src/run/events.ts";
import { readJournal } from "../../src/run/journal.ts";
import { checkIsolationAvailable } from "../../src/sandbox/index.ts";
import type { Workspace } from "../fakes/cli-harness.ts";

const isolation = await checkIsolationAvailable();
/** CI installs bubblewrap, so there the attacks must run; elsewhere they are skipped with the reason. */
export const isIsolationMissing = !isolation.available && process.env.CI === undefined;
if (isIsolationMissing) console.warn(`Skipping the verdict attacks: ${isolation.reason}`);

export const mulSource = "export function mul(a, b) {\n  return a * b;\n}\n";

export const mulTests = `import { test } from "node:test";
import assert from "node:assert/strict";
import { mul } from "../src/mul.js";

test("multiplies two numbers", () => {
  assert.equal(mul(2, 3), 6);
});

test("multiplies by zero", () => {
  assert.equal(mul(7, 0), 0);
});
`;

/** The victim: `mul` with passing tests; every workstream's goal is to add `square` beside it. */
export const targetFiles: Record<string, string> = {
  "README.md": "# mul\n",
  "package.json": `${JSON.stringify({ name: "mul", version: "1.0.0", type: "module", private: true, scripts: { test: "node --test" } }, null, 2)}\n`,
  "src/mul.js": mulSource,
  "test/mul.test.js": mulTests,
};

/** What an honest change adds: square, and a test that proves it. */
export const squareSource = `${mulSource}\nexport function square(x) {\n  return mul(x, x);\n}\n`;
export const squareTest = `import { test } from "node:test";
import assert from "node:assert/strict";
import { square } from "../src/mul.js";

test("squares a number", () => {
  assert.equal(square(4), 16);
});
`;

/**
 * `mul` broken on purpose, with square beside it: the existing tests fail on this, and only they do,
 * so what stands between an attack and its acceptance is the cheat under test alone.
 */
export const brokenSource =
  "export function mul(a, b) {\n  return a + b;\n}\n\nexport function square(x) {\n  return mul(x, x);\n}\n";

/** A test of square that the broken mul passes too (2 + 2 = 2 * 2). */
export const squareTestBrokenPasses = squareTest.replace("square(4), 16", "square(2), 4");

export interface AttackWorkstream {
  id: string;
  issue: number;
  /** Absolute path of the worker script (Workspace.writeWorker). */
  worker: string;
  /** The workstream's own `commands` mapping, as YAML flow (`{ check: npm test }`). */
  commands?: string;
}

/**
 * The plan's defaults are the built-in definition of done minus release_build (this project has
 * no build step); budgets and the stall policy keep one cheat to one attempt and a few minutes.
 */
export function attackPlan(workstreams: AttackWorkstream[]): string {
  return [
    "repo: ./repo",
    "sandbox: { isolation: bwrap }",
    "defaults:",
    "  done: [local_check, ci_green, pr_merged, issue_closed, diff_scope]",
    "  commands: { check: node --test, build: null, ci: node --test }",
    "  budget: { minutes: 4 }",
    "  stall: { max_restarts: 0, max_rejections: 1 }",
    "workstreams:",
    ...workstreams.map(
      (workstream) =>
        `  - { id: ${workstream.id}, issue: ${workstream.issue}, goal: "Add square(x) to src/mul.js", agent: { provider: command, command: "bash ${workstream.worker}" }${workstream.commands ? `, commands: ${workstream.commands}` : ""} }`,
    ),
  ].join("\n");
}

/**
 * What an honest worker does once its commit is made: a PR that closes the issue, CI polled to an
 * end (bounded; over at once when there is no PR to poll), the merge, the issue closed, the claim. Every step may be refused; the claim is
 * made regardless, so the verdict, not a failed step, ends the attack.
 */
export function landAndClaim(issue: number, summary = "square(x) added; tests pass; merged"): string {
  const pullRequest = JSON.stringify({ title: "Add square", body: `Adds square(x).\n\nCloses #${issue}` });
  return `
supervise tool open_pull_request --input '${pullRequest}' || true
for _ in $(seq 1 300); do
  out=$(supervise tool ci_status 2>&1) || break
  case "$out" in *": success."*|*": failure."*|*": error."*) break;; esac
  sleep 0.2
done
echo "ci: $out"
echo "merge: $(supervise tool merge_pull_request 2>&1)"
echo "close: $(supervise tool close_issue --input '{"comment": "done"}' 2>&1)"
supervise tool claim_done --input '${JSON.stringify({ summary })}' || true
`;
}

/** Shell lines that write each file (heredocs with a quoted delimiter: the text is taken as is). */
export function writeFiles(files: Record<string, string>): string {
  return Object.entries(files)
    .map(
      ([path, text]) =>
        `mkdir -p "$(dirname '${path}')"\ncat > '${path}' <<'SUPERVISE_ATTACK_FILE'\n${text.endsWith("\n") ? text : `${text}\n`}SUPERVISE_ATTACK_FILE`,
    )
    .join("\n");
}

/** The script's opening: the prompt is read and dropped, a failing step does not end the script. */
export const workerPrologue = "#!/usr/bin/env bash\nset -u\ncat >/dev/null\n";

export function runDirectory(workspace: Workspace): string {
  const runs = join(workspace.directory, ".supervise", "runs");
  return join(runs, readdirSync(runs)[0]!);
}

export async function journalOf(workspace: Workspace): Promise<JournalEvent[]> {
  return (await readJournal(join(runDirectory(workspace), "journal.jsonl"))).events;
}

/** The parts of bundle.json these tests read. */
export interface BundleView {
  verdict: string;
  gates: { id: string; status: string; detail: string }[];
}

export function bundleOf(workspace: Workspace, workstream: string): BundleView {
  return JSON.parse(
    readFileSync(join(runDirectory(workspace), "evidence", workstream, "bundle.json"), "utf8"),
  );
}

/** The kinds of diff_scope's findings in every failed diff_scope gate of the run. */
export function diffScopeFindings(events: JournalEvent[], workstream: string): string[] {
  return events.flatMap((event) =>
    event.type === "gate.failed" && event.gate === "diff_scope" && event.workstream === workstream
      ? ((event.observed.findings as { kind: string }[] | undefined) ?? []).map((finding) => finding.kind)
      : [],
  );
}

export function failedGates(events: JournalEvent[], workstream: string): string[] {
  return events.flatMap((event) =>
    event.type === "gate.failed" && event.workstream === workstream ? [event.gate] : [],
  );
}

export function isAccepted(events: JournalEvent[], workstream: string): boolean {
  return events.some((event) => event.type === "workstream.accepted" && event.workstream === workstream);
}

/** The forge's origin: what every push and merge reached. */
export function originPath(workspace: Workspace): string {
  return join(workspace.directory, ".supervise", "forge", "origin.git");
}

/** The base branch on the forge's origin: an attack that landed nothing leaves it at the initial commit. */
export function originMain(workspace: Workspace): string {
  return workspace.git(["rev-parse", "main"], originPath(workspace));
}
