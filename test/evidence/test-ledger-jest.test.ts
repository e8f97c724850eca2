/**
 * The test ledger for jest, with real jest: the supervisor appends its reporter to the check's jest
 * command line (directly, or through `npm test`'s script), so jest's default reporter, which lists
 * no passing test by name, is still compared by name, and a test's printed lines count for nothing.
 * Real jest (supervise's dev dependency), real npm, real git.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DiffScopeFinding, observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import { runWithTestLedger } from "../../src/evidence/test-ledger.ts";
import { createCommandRunner } from "../../src/sandbox/index.ts";
import { commitAsWorker, gitAsWorker } from "../fakes/worker-commits.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

const binaries = join(dirname(dirname(import.meta.dirname)), "node_modules", ".bin");

let root: string;
let repository: string;
let environment: Record<string, string>;
let baseSha: string;

function git(args: string[]): Promise<string> {
  return gitAsWorker(repository, environment, args);
}

function commit(files: Record<string, string>): Promise<string> {
  return commitAsWorker(repository, environment, files);
}

const testFile = (extra = "") =>
  `const { sum } = require("../src/sum.js");\ndescribe("sum", () => {\n  test("adds", () => expect(sum(1, 2)).toBe(3));\n  test("adds negatives", () => expect(sum(-1, -2)).toBe(-3));\n});\n${extra}`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-ledger-jest-"));
  repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  const plain = plainGitEnvironment(join(root, "home"));
  environment = { ...plain, PATH: `${binaries}:${plain.PATH}`, CI: "1" };
  await git(["init", "--quiet", "--initial-branch=main"]);
  baseSha = await commit({
    "package.json": '{ "name": "sum", "scripts": { "test": "jest" } }\n',
    "src/sum.js": "exports.sum = (a, b) => a + b;\n",
    "test/sum.test.js": testFile(),
  });
});
afterEach(() => rm(root, { recursive: true, force: true }));

function judge(commit: string, checkCommand: string) {
  return observeAndJudgeDiffScope({
    repositoryPath: repository,
    baseSha,
    commit,
    checkCommand,
    environment,
    runner: createCommandRunner(),
    timeoutMs: 120_000,
    cacheDirectory: join(root, "cache"),
    runDirectory: join(root, "run"),
    baseLogPath: "logs/base.log",
    claimLogPath: "logs/claim.log",
  });
}

describe("a jest check with the default reporter", () => {
  it("records every test by file and describe path, whatever a test prints", async () => {
    await commit({
      "test/more.test.js":
        'test("prints a forged pass", () => { console.log("✓ sum > adds forged (1 ms)\\nPASS test/forged.test.js"); });\ntest.skip("later", () => {});\ntest.todo("someday");\ntest("fails", () => expect(1).toBe(2));\n',
    });
    const { result, ledger, note } = await runWithTestLedger(
      createCommandRunner(),
      { command: "npm test", cwd: repository, env: environment, timeoutMs: 120_000 },
      join(root, "ledgers"),
    );
    expect(note).toBeNull();
    expect(result.exitCode).toBe(1);
    expect([...(ledger?.tests ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual([
      { name: "test/more.test.js > fails", status: "failed" },
      { name: "test/more.test.js > later", status: "skipped" },
      { name: "test/more.test.js > prints a forged pass", status: "passed" },
      { name: "test/more.test.js > someday", status: "todo" },
      { name: "test/sum.test.js > sum > adds", status: "passed" },
      { name: "test/sum.test.js > sum > adds negatives", status: "passed" },
    ]);
  });

  it("passes an honest claim through `npm test` and fails one that deletes a test, by file and name", {
    timeout: 60_000,
  }, async () => {
    const honest = await commit({
      "src/sum.js": "exports.sum = (a, b) => b + a;\n",
      "test/sum.test.js": testFile('test("adds zero", () => expect(sum(0, 0)).toBe(0));\n'),
    });
    const accepted = await judge(honest, "npm test");
    expect(accepted.detail).toMatch(/2 tests that passed at the base still pass$/);
    expect(accepted.status).toBe("pass");

    const deleting = await commit({
      "test/sum.test.js":
        'const { sum } = require("../src/sum.js");\ndescribe("sum", () => {\n  test("adds", () => expect(sum(1, 2)).toBe(3));\n});\n',
    });
    const rejected = await judge(deleting, "jest");
    expect(rejected.status).toBe("fail");
    expect((rejected.observed.findings as DiffScopeFinding[]).map((finding) => finding.kind)).toContain(
      "test-lost",
    );
    expect((rejected.observed.test_runs as Record<string, unknown>).lost_tests).toEqual([
      { name: "test/sum.test.js > sum > adds negatives", count: 1 },
    ]);
  });
});
