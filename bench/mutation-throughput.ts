/**
 * `mutation_mutants_per_minute`: how many mutants the `mutation` gate judges per minute on a small
 * node:test project whose tests catch them all, its JavaScript mutants made and run by StrykerJS
 * (each one a run of the check command in the clone of the claim, Stryker's start and dry run
 * included); beside it `mutation_builtin_mutants_per_minute`, the built-in engine's on the same
 * project in Python (each mutant one run of `python3 -m unittest`). Real runner, no sandbox.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { observeMutation } from "../src/evidence/mutation-run.ts";
import { createCommandRunner } from "../src/sandbox/index.ts";

export interface EngineThroughput {
  mutantsPerMinute: number;
  mutants: number;
}

export interface MutationThroughput extends EngineThroughput {
  /** The built-in engine on the Python twin of the project; why not, when python3 is missing. */
  builtIn: EngineThroughput | { unavailable: string };
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

const pythonSource = [
  "def is_adult(age):",
  "    return age >= 18",
  "",
  "def fee(items, express):",
  "    return items * 2 + 5 if express and items > 0 else items * 2 + 1",
  "",
].join("\n");
const pythonTest = [
  "import unittest",
  "from rules import is_adult, fee",
  "",
  "class RulesTest(unittest.TestCase):",
  "    def test_adults(self):",
  "        self.assertTrue(is_adult(18))",
  "        self.assertFalse(is_adult(17))",
  "",
  "    def test_fees(self):",
  "        self.assertEqual(fee(3, False), 7)",
  "        self.assertEqual(fee(3, True), 11)",
  "        self.assertEqual(fee(0, True), 1)",
  "",
].join("\n");

export async function measureMutationThroughput(): Promise<MutationThroughput> {
  const stryker = await measureEngine({
    files: { "src/rules.js": source, "test/rules.test.js": test },
    packageJson: true,
    checkCommand: "node --test",
    engine: "stryker",
  });
  let builtIn: MutationThroughput["builtIn"];
  try {
    // The interpreter itself: a pyenv shim would look for its versions under the bench's HOME.
    const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
    }).trim();
    builtIn = await measureEngine({
      files: { "rules.py": pythonSource, "tests/__init__.py": "", "tests/test_rules.py": pythonTest },
      packageJson: false,
      checkCommand: `${python} -m unittest discover -s tests -t . -q`,
      engine: "built-in",
    });
  } catch (error) {
    builtIn = { unavailable: `the built-in engine's measurement failed: ${(error as Error).message}` };
  }
  return { ...stryker, builtIn };
}

async function measureEngine(project: {
  files: Record<string, string>;
  packageJson: boolean;
  checkCommand: string;
  engine: "stryker" | "built-in";
}): Promise<EngineThroughput> {
  const root = mkdtempSync(join(tmpdir(), "supervise-bench-mutation-"));
  try {
    const repository = join(root, "project");
    mkdirSync(repository, { recursive: true });
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
    writeFileSync(join(repository, "README.md"), "bench\n");
    if (project.packageJson)
      writeFileSync(join(repository, "package.json"), '{ "name": "bench", "type": "module" }\n');
    git("add", "-A");
    git("commit", "-qm", "base");
    const baseSha = git("rev-parse", "HEAD");
    for (const [path, text] of Object.entries(project.files)) {
      mkdirSync(dirname(join(repository, path)), { recursive: true });
      writeFileSync(join(repository, path), text);
    }
    git("add", "-A");
    git("commit", "-qm", "rules");
    const started = performance.now();
    const result = await observeMutation({
      settings: { minKilled: 0.6, maxMinutes: 10, maxMutants: 100 },
      checkoutPath: repository,
      baseSha,
      commit: git("rev-parse", "HEAD"),
      checkCommand: project.checkCommand,
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
    const byEngine = result.observed.mutants_by_engine as Record<string, number> | undefined;
    if (byEngine?.[project.engine] !== mutants)
      throw new Error(`the mutants were not all ${project.engine}'s: ${result.detail}`);
    return { mutantsPerMinute: mutants / minutes, mutants };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
