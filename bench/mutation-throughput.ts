/**
 * `mutation_mutants_per_minute`: how many mutants the `mutation` gate judges per minute on a small
 * node:test project whose tests catch them all (each mutant is one run of the check command in the
 * clone of the claim), with the real runner and no sandbox.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { observeMutation } from "../src/evidence/mutation-run.ts";
import { createCommandRunner } from "../src/sandbox/index.ts";

export interface MutationThroughput {
  mutantsPerMinute: number;
  mutants: number;
}

const source = [
  "export function isAdult(age) {",
  "  return age >= 18;",
  "}",
  "export function fee(items, express) {",
  "  return express && items > 0 ? items * 2 + 5 : items * 2 + 1;",
  "}",
  "",
].join("\n");
const test = [
  'import { test } from "node:test";',
  'import assert from "node:assert/strict";',
  'import { isAdult, fee } from "../src/rules.js";',
  'test("adults", () => { assert.equal(isAdult(18), true); assert.equal(isAdult(17), false); });',
  'test("fees", () => { assert.equal(fee(3, false), 7); assert.equal(fee(3, true), 11); assert.equal(fee(0, true), 1); });',
  "",
].join("\n");

export async function measureMutationThroughput(): Promise<MutationThroughput> {
  const root = mkdtempSync(join(tmpdir(), "supervise-bench-mutation-"));
  try {
    const repository = join(root, "project");
    mkdirSync(join(repository, "src"), { recursive: true });
    mkdirSync(join(repository, "test"), { recursive: true });
    mkdirSync(join(root, "home"));
    const environment = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: join(root, "home"),
      LANG: "C.UTF-8",
    };
    const git = (...args: string[]) =>
      execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args], {
        cwd: repository,
        env: environment,
        encoding: "utf8",
      }).trim();
    git("init", "-q", "-b", "main");
    writeFileSync(join(repository, "package.json"), '{ "name": "bench", "type": "module" }\n');
    git("add", "-A");
    git("commit", "-qm", "base");
    const baseSha = git("rev-parse", "HEAD");
    writeFileSync(join(repository, "src", "rules.js"), source);
    writeFileSync(join(repository, "test", "rules.test.js"), test);
    git("add", "-A");
    git("commit", "-qm", "rules");
    const started = performance.now();
    const result = await observeMutation({
      settings: { minKilled: 0.6, maxMinutes: 10, maxMutants: 100 },
      checkoutPath: repository,
      baseSha,
      commit: git("rev-parse", "HEAD"),
      checkCommand: "node --test",
      runner: createCommandRunner(),
      environment,
      gitEnvironment: environment,
      checkDurationMs: undefined,
      runDirectory: join(root, "run"),
      cacheDirectory: join(root, "cache"),
      logPath: "mutation.log",
    });
    const minutes = (performance.now() - started) / 60_000;
    const mutants = Number(result.observed.mutants_run ?? 0);
    if (mutants === 0) throw new Error(`no mutant ran: ${result.detail}`);
    return { mutantsPerMinute: mutants / minutes, mutants };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
