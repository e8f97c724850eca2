/**
 * `tests_prove_change_added_ratio`: the time `tests_prove_change` adds to a claim's verification, over
 * the check command's own time. local_check has already run the check at the claim, so the gate adds
 * one run on the base's code with the claim's tests (plus a clone); a re-claim that changed only
 * source finds that run in the cache and adds almost nothing. Measured on a generated node:test
 * project (files of tests that each wait a little, like I/O-bound tests), with the real runner and
 * no sandbox, so the ratio is the gate's own cost.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { observeChangeProof } from "../src/evidence/change-proof-run.ts";
import { runWithTestLedger } from "../src/evidence/test-ledger.ts";
import { createCommandRunner } from "../src/sandbox/index.ts";
import { median } from "./statistics.ts";

export interface ChangeProofResult {
  /** The check command alone, at the claim. */
  checkMs: number;
  /** The gate on a first claim (local_check's run reused): one run without the change, and a clone. */
  firstClaimMs: number;
  /** The gate on a re-claim that changed only source: the run without the change is cached. */
  reclaimMs: number;
  testFiles: number;
}

const testFiles = 12;

export async function measureChangeProof(options: { repetitions: number }): Promise<ChangeProofResult> {
  const samples = { check: [] as number[], first: [] as number[], reclaim: [] as number[] };
  for (let repetition = 0; repetition < options.repetitions; repetition++) {
    const root = mkdtempSync(join(tmpdir(), "supervise-bench-change-proof-"));
    try {
      const sample = await measureOnce(root);
      samples.check.push(sample.checkMs);
      samples.first.push(sample.firstClaimMs);
      samples.reclaim.push(sample.reclaimMs);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return {
    checkMs: median(samples.check),
    firstClaimMs: median(samples.first),
    reclaimMs: median(samples.reclaim),
    testFiles,
  };
}

async function measureOnce(root: string) {
  const repository = join(root, "project");
  const home = join(root, "home");
  mkdirSync(join(repository, "src"), { recursive: true });
  mkdirSync(join(repository, "test"), { recursive: true });
  mkdirSync(home);
  const environment = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8" };
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args], {
      cwd: repository,
      env: environment,
      encoding: "utf8",
    }).trim();
  const write = (path: string, text: string) => writeFileSync(join(repository, path), text);
  const testFile = (index: number) =>
    [
      'import { test } from "node:test";',
      'import assert from "node:assert/strict";',
      'import { mul } from "../src/math.js";',
      ...Array.from(
        { length: 5 },
        (_, test) =>
          `test("case ${test}", async () => { await new Promise((done) => setTimeout(done, 40)); assert.equal(mul(${index}, ${test}), ${index * test}); });`,
      ),
      "",
    ].join("\n");

  git("init", "-q", "-b", "main");
  write("package.json", '{ "name": "bench", "type": "module" }\n');
  write("src/math.js", "export const mul = (a, b) => a * b;\nexport const pow = (a, b) => a * b;\n");
  for (let index = 0; index < testFiles; index++) write(`test/math-${index}.test.js`, testFile(index));
  git("add", "-A");
  git("commit", "-qm", "base");
  const baseSha = git("rev-parse", "HEAD");

  const runner = createCommandRunner();
  const runDirectory = join(root, "run");
  const cacheDirectory = join(root, "cache");
  const check = async () => {
    const started = performance.now();
    const run = await runWithTestLedger(
      runner,
      { command: "node --test", cwd: repository, env: environment, timeoutMs: 120_000 },
      join(root, "ledgers"),
    );
    return { ms: performance.now() - started, output: run.result.output, recorded: run };
  };
  const prove = async (commit: string, claim: Awaited<ReturnType<typeof check>>, label: string) => {
    const started = performance.now();
    const result = await observeChangeProof({
      kind: "change",
      checkoutPath: repository,
      baseSha,
      commit,
      checkCommand: "node --test",
      runner,
      environment,
      gitEnvironment: environment,
      timeoutMs: 120_000,
      runDirectory,
      cacheDirectory,
      withoutChangeLogPath: `${label}-without-change.log`,
      claimLogPath: `${label}-claim.log`,
      claimedRunOutput: claim.output,
      claimedLedger: { ledger: claim.recorded.ledger, note: claim.recorded.note },
    });
    if (result.status !== "pass") throw new Error(`tests_prove_change did not pass: ${result.detail}`);
    return performance.now() - started;
  };

  // A fix of pow with a test that fails without it.
  write("src/math.js", "export const mul = (a, b) => a * b;\nexport const pow = (a, b) => a ** b + 0;\n");
  write(
    "test/pow.test.js",
    'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { pow } from "../src/math.js";\ntest("powers", () => assert.equal(pow(2, 3), 8));\n',
  );
  git("add", "-A");
  git("commit", "-qm", "fix pow");
  const first = await check();
  const firstClaimMs = await prove(git("rev-parse", "HEAD"), first, "claim-1");

  // The re-claim changes source only.
  write("src/math.js", "export const mul = (a, b) => a * b;\nexport const pow = (a, b) => a ** b;\n");
  git("commit", "-qam", "tidy pow");
  const second = await check();
  const reclaimMs = await prove(git("rev-parse", "HEAD"), second, "claim-2");
  return { checkMs: median([first.ms, second.ms]), firstClaimMs, reclaimMs };
}
