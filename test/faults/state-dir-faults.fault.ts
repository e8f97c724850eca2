import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readJournal } from "../../src/run/journal.ts";
import { cliPath, createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

/**
 * A state dir the supervisor cannot use: a file where one of its directories must be, and a file
 * system that fills up mid-run. Either way the CLI ends with exit 1 or 2 and a message (never a
 * stack trace), and any journal it wrote still parses, so the run can be resumed.
 */
let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace();
});
afterEach(() => {
  if (process.env.SUPERVISE_KEEP_TEST_DIRECTORY) process.stderr.write(`kept ${workspace.directory}\n`);
  else workspace.cleanup();
});

const stackLine = /^\s+at .+:\d+:\d+\)?$/m;

/** Commits its change once; on its first start it then fills the disk (its checkout is in the state dir). */
const fillingWorker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
if ! git log --format=%s | grep -qx "change for $SUPERVISE_WORKSTREAM"; then
  echo "$SUPERVISE_WORKSTREAM" > "$SUPERVISE_WORKSTREAM.txt"
  git add -A
  git commit -qm "change for $SUPERVISE_WORKSTREAM"
fi
if [ "$SUPERVISE_ATTEMPT" = 1 ]; then dd if=/dev/zero of=fill.bin bs=64k 2>/dev/null || true; fi
supervise tool claim_done --input '{"summary": "done"}'
`;

function writePlan(worker: string): void {
  workspace.writePlan(
    "plan.yaml",
    [
      "repo: ./repo",
      `agent: { provider: command, command: "bash ${worker}" }`,
      "defaults:",
      "  done: [local_check]",
      '  commands: { check: "true", build: null, ci: null }',
      // Rejections (the filler file is uncommitted) must not end the workstream before the full
      // disk fails a journal write: a journal page still has room for a dozen small events.
      "  stall: { max_restarts: 5, max_rejections: 10 }",
      "workstreams:",
      "  - { id: one, goal: make one.txt }",
    ].join("\n"),
  );
}

/** Every journal under the state dir parses (a torn last line is allowed: the next open drops it). */
async function expectJournalsParse(stateDirectory: string): Promise<void> {
  const runs = join(stateDirectory, "runs");
  if (!existsSync(runs) || !statSync(runs).isDirectory()) return;
  for (const run of readdirSync(runs)) {
    const journal = join(runs, run, "journal.jsonl");
    if (existsSync(journal)) await expect(readJournal(journal)).resolves.toBeDefined();
  }
}

describe("a file where the state dir needs a directory", () => {
  it.each([
    ["the state dir itself", "."],
    ["runs", "runs"],
    ["the mirror's folder", "git"],
    ["the checkouts' folder", "checkouts"],
    ["the local forge's folder", "forge"],
  ])("%s: exit 1 or 2 with a message, no stack", async (_label, entry) => {
    const worker = workspace.writeWorker(
      "worker.sh",
      fillingWorker.replace(/^if \[ "\$SUPERVISE_ATTEMPT.*$/m, ""),
    );
    writePlan(worker);
    const stateDirectory = join(workspace.directory, "state");
    if (entry === ".") writeFileSync(stateDirectory, "");
    else {
      mkdirSync(stateDirectory);
      writeFileSync(join(stateDirectory, entry), "");
    }
    const result = await workspace.supervise(["plan.yaml", "--state-dir", "state"]);
    const output = `${result.stdout}\n${result.stderr}`;
    expect([1, 2], output).toContain(result.exitCode);
    expect(output).not.toMatch(stackLine);
    expect(output).not.toContain("This is a bug in supervise");
    expect(output.trim()).not.toBe("");
    if (entry !== ".") await expectJournalsParse(stateDirectory);
  });
});

/** A private mount namespace lets a test mount a tiny tmpfs without touching the machine's mounts. */
function canMountPrivateTmpfs(): boolean {
  try {
    execFileSync("unshare", ["-Urm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}
const hasPrivateTmpfs = canMountPrivateTmpfs();
if (!hasPrivateTmpfs) {
  process.stderr.write("[faults] full disk: skipped, `unshare -Urm` cannot mount a private tmpfs here\n");
}

describe("the state dir's file system fills up mid-run", () => {
  it.skipIf(!hasPrivateTmpfs)(
    "stops with exit 1 or 2 and a message, leaves a journal that parses, and resumes once space is free",
    async () => {
      const worker = workspace.writeWorker("worker.sh", fillingWorker);
      writePlan(worker);
      const state = join(workspace.directory, "state");
      const out = join(workspace.directory, "out");
      mkdirSync(state);
      mkdirSync(out);
      const supervise = `${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} plan.yaml --state-dir state`;
      // One namespace for the whole story: the tmpfs exists only as long as it does.
      const scenario = [
        "set -u",
        `mount -t tmpfs -o size=4m tmpfs ${JSON.stringify(state)}`,
        `${supervise} > out/first.out 2> out/first.err; echo $? > out/first.code`,
        "cp -r state/runs out/runs-when-full",
        "rm -f state/checkouts/one/fill.bin",
        `${supervise} > out/second.out 2> out/second.err; echo $? > out/second.code`,
        "cp -r state/runs out/runs-after-resume",
      ].join("\n");
      writeFileSync(join(workspace.directory, "scenario.sh"), scenario);
      await execa("unshare", ["-Urm", "bash", "scenario.sh"], {
        cwd: workspace.directory,
        env: { NO_COLOR: "1" },
      });
      const read = (name: string) => execFileSync("cat", [join(out, name)], { encoding: "utf8" });

      const first = `${read("first.out")}\n${read("first.err")}`;
      const runsAfterResume = readdirSync(join(out, "runs-after-resume"));
      const resumed = await readJournal(join(out, "runs-after-resume", runsAfterResume[0]!, "journal.jsonl"));
      // One summary, so a failure shows every broken promise at once.
      expect(
        {
          firstExitCode: [1, 2].includes(Number(read("first.code"))) ? "1 or 2" : read("first.code").trim(),
          firstPrintedAStack: stackLine.test(first),
          firstNamesTheCause: /no space left on device/i.test(first),
          journalWhenFullParses: await expectJournalsParse(join(out, "runs-when-full")).then(
            () => true,
            () => false,
          ),
          resumedExitCode: Number(read("second.code")),
          runs: runsAfterResume.length,
          droppedTail: resumed.droppedTail,
          verdicts: resumed.events.find((event) => event.type === "run.finished")?.verdicts,
        },
        first,
      ).toEqual({
        firstExitCode: "1 or 2",
        firstPrintedAStack: false,
        firstNamesTheCause: true,
        journalWhenFullParses: true,
        resumedExitCode: 0,
        runs: 1,
        droppedTail: null,
        verdicts: { one: "accepted" },
      });
    },
  );
});
