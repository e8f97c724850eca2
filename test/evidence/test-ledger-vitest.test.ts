/**
 * The test ledger for vitest: the supervisor appends its reporter to the check's vitest command
 * line (directly, or through `npm test`'s script), so the default reporter, which lists no passing
 * test by name, is still compared by name. Real vitest (supervise's own), real npm, real git.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DiffScopeFinding, observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import { ledgerCommand, vitestLedgerReporterPath } from "../../src/evidence/ledger-command.ts";
import { runWithTestLedger } from "../../src/evidence/test-ledger.ts";
import { createCommandRunner } from "../../src/sandbox/index.ts";
import { commitAsWorker, gitAsWorker } from "../fakes/worker-commits.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

/** supervise's own vitest: the fixture uses its globals, so it needs no node_modules of its own. */
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
  `import { sum } from "../src/sum.js";\ndescribe("sum", () => {\n  test("adds", () => expect(sum(1, 2)).toBe(3));\n  test("adds negatives", () => expect(sum(-1, -2)).toBe(-3));\n});\n${extra}`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-ledger-vitest-"));
  repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  const plain = plainGitEnvironment(join(root, "home"));
  environment = { ...plain, PATH: `${binaries}:${plain.PATH}`, CI: "1" };
  await git(["init", "--quiet", "--initial-branch=main"]);
  baseSha = await commit({
    "package.json": '{ "name": "sum", "type": "module", "scripts": { "test": "vitest run" } }\n',
    "vitest.config.mjs": "export default { test: { globals: true } };\n",
    "src/sum.js": "export const sum = (a, b) => a + b;\n",
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

describe("the vitest ledger's command line", () => {
  it("appends the reporter to vitest's own forms and npm scripts that are vitest alone, and nothing else", async () => {
    const reporter = `--reporter='${vitestLedgerReporterPath}'`;
    expect(await ledgerCommand("npx vitest run", repository)).toEqual({
      command: `npx vitest run --reporter=default ${reporter}`,
      runner: "vitest",
    });
    expect((await ledgerCommand("vitest run --reporter=verbose", repository)).command).toBe(
      `vitest run --reporter=verbose ${reporter}`,
    );
    expect((await ledgerCommand("npm test", repository)).command).toBe(
      `npm test -- --reporter=default ${reporter}`,
    );
    expect((await ledgerCommand("npm test -- src", repository)).command).toBe(
      `npm test -- src --reporter=default ${reporter}`,
    );
    for (const untouched of ["npm run lint", "npx vitest run && eslint .", "make test", "node --test"])
      expect(await ledgerCommand(untouched, repository)).toEqual({ command: untouched, runner: null });
  });
});

describe("a vitest check with the default reporter", () => {
  it("records every test by file and suite, a file that fails to load as failed, and no test sees the ledger's key", async () => {
    await commit({
      "test/more.test.js":
        'test("no key", () => expect(process.env.NODE_TEST_LEDGER_KEY).toBeUndefined());\ntest.skip("later", () => {});\ntest.todo("someday");\ntest("fails", () => expect(1).toBe(2));\n',
      "test/broken.test.js": 'import "./missing.js";\ntest("never runs", () => {});\n',
    });
    const { result, ledger, note } = await runWithTestLedger(
      createCommandRunner(),
      { command: "npm test", cwd: repository, env: environment, timeoutMs: 120_000 },
      join(root, "ledgers"),
    );
    expect(note).toBeNull();
    expect(result.exitCode).toBe(1);
    expect(ledger?.kinds).toEqual(["vitest"]);
    expect([...(ledger?.tests ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual([
      { name: "test/broken.test.js", status: "failed" },
      { name: "test/more.test.js > fails", status: "failed" },
      { name: "test/more.test.js > later", status: "skipped" },
      { name: "test/more.test.js > no key", status: "passed" },
      { name: "test/more.test.js > someday", status: "todo" },
      { name: "test/sum.test.js > sum > adds", status: "passed" },
      { name: "test/sum.test.js > sum > adds negatives", status: "passed" },
    ]);
  });

  it("passes an honest claim through `npm test`: compared by name, not an error", async () => {
    const claim = await commit({
      "src/sum.js": "export const sum = (a, b) => b + a;\n",
      "test/sum.test.js": testFile('test("adds zero", () => expect(sum(0, 0)).toBe(0));\n'),
    });
    const result = await judge(claim, "npm test");
    expect(result.detail).toMatch(/2 tests that passed at the base still pass$/);
    expect(result.status).toBe("pass");
  });

  it("fails a claim run by `vitest run` that deletes a test: lost, by file and name", async () => {
    const claim = await commit({
      "src/sum.js": "export const sum = (a, b) => b + a;\n",
      "test/sum.test.js":
        'import { sum } from "../src/sum.js";\ndescribe("sum", () => {\n  test("adds", () => expect(sum(1, 2)).toBe(3));\n});\n',
    });
    const result = await judge(claim, "vitest run");
    expect(result.status).toBe("fail");
    expect((result.observed.findings as DiffScopeFinding[]).map((finding) => finding.kind)).toContain(
      "test-lost",
    );
    expect((result.observed.test_runs as Record<string, unknown>).lost_tests).toEqual([
      { name: "test/sum.test.js > sum > adds negatives", count: 1 },
    ]);
  });
});
