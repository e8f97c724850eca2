/**
 * `gate_order_saving`: how much sooner a claim that fails a cheap gate gets its verdict when the
 * plan names its quality gates (`fmt` first, then the slow check and build) than when they are
 * chained into one check command after the slow steps, as the seed campaign's plans had to. The same worker (a commit with a tab
 * where fmt wants spaces) runs through the real CLI against both plans; the time is the journal's,
 * from `claim.made` to `claim.rejected`. The slow steps are `sleep`s standing in for a test suite
 * and a release build.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { readJournal } from "../src/run/journal.ts";
import { cliPath } from "./run-supervisor.ts";

export interface GateOrderResult {
  /** Median time to verdict with `fmt` as its own gate, first. */
  namedGatesMs: number;
  /** Median time to verdict with fmt chained into the check command. */
  chainedMs: number;
  slowStepSeconds: number;
}

const fmt = "! grep -q \"$(printf '\\t')\" src/code.txt";

const worker = `#!/usr/bin/env bash
cat >/dev/null
printf 'fn main() {\\n\\tprintln!("tab");\\n}\\n' > src/code.txt
git commit -qam "a tab where fmt wants spaces"
supervise tool claim_done --input '{"summary": "done"}'
`;

export async function measureGateOrder(options: { repetitions: number; slowStepSeconds: number }) {
  const slow = `sleep ${options.slowStepSeconds}`;
  const named = [
    `gates: { fmt: { run: ${JSON.stringify(fmt)}, fix_hint: "indent with spaces" } }`,
    "defaults:",
    "  done: [fmt, local_check, release_build]",
    `  commands: { check: ${JSON.stringify(`${slow} && true`)}, build: ${JSON.stringify(slow)} }`,
  ];
  const chained = [
    "defaults:",
    "  done: [local_check, release_build]",
    // As the seed campaign chained it: the slow steps (check, clippy) before fmt.
    `  commands: { check: ${JSON.stringify(`${slow} && ${fmt}`)}, build: ${JSON.stringify(slow)} }`,
  ];
  const namedMs: number[] = [];
  const chainedMs: number[] = [];
  for (let repetition = 0; repetition < options.repetitions; repetition++) {
    namedMs.push(await timeToVerdict(named));
    chainedMs.push(await timeToVerdict(chained));
  }
  return {
    namedGatesMs: median(namedMs),
    chainedMs: median(chainedMs),
    slowStepSeconds: options.slowStepSeconds,
  } satisfies GateOrderResult;
}

async function timeToVerdict(gateLines: readonly string[]): Promise<number> {
  const directory = mkdtempSync(join(tmpdir(), "supervise-bench-gates-"));
  try {
    const repository = join(directory, "repo");
    mkdirSync(join(repository, "src"), { recursive: true });
    writeFileSync(join(repository, "src", "code.txt"), "fn main() {}\n");
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args], {
        cwd: repository,
      });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-qm", "initial");
    const workerFile = join(directory, "worker.sh");
    writeFileSync(workerFile, worker);
    chmodSync(workerFile, 0o755);
    writeFileSync(
      join(directory, "plan.yaml"),
      [
        "repo: ./repo",
        "sandbox: { isolation: none }",
        ...gateLines,
        "  stall: { max_restarts: 0, max_rejections: 1 }",
        "workstreams:",
        `  - { id: w, goal: g, agent: { provider: command, command: "bash ${workerFile}" } }`,
      ].join("\n"),
    );
    const supervise = await execa(process.execPath, [cliPath, "plan.yaml", "--json"], {
      cwd: directory,
      reject: false,
    });
    const runs = join(directory, ".supervise", "runs");
    const [run] = existsSync(runs) ? readdirSync(runs) : [];
    if (run === undefined)
      throw new Error(
        `the bench's run left no journal (exit ${supervise.exitCode}): ${supervise.stderr.slice(-300)}`,
      );
    const { events } = await readJournal(join(runs, run, "journal.jsonl"));
    const made = events.find((event) => event.type === "claim.made");
    const rejected = events.find((event) => event.type === "claim.rejected");
    if (!made || !rejected) throw new Error("the bench's claim got no verdict");
    return Date.parse(rejected.ts) - Date.parse(made.ts);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
