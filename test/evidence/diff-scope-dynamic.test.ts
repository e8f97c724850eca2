import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DiffScopeFinding, observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import { type RecordedLedger, runWithTestLedger } from "../../src/evidence/test-ledger.ts";
import {
  type CommandRequest,
  type CommandRunner,
  createCommandRunner,
} from "../../src/sandbox/run-command.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

let root: string;
let repository: string;
let runDirectory: string;
let cacheDirectory: string;
let environment: Record<string, string>;
let baseSha: string;
/** The real runner, counting the directories it ran in. */
let runner: CommandRunner & { directories: string[] };

async function git(args: string[]): Promise<string> {
  const result = await execa("git", args, {
    cwd: repository,
    env: {
      ...environment,
      GIT_AUTHOR_NAME: "Worker",
      GIT_AUTHOR_EMAIL: "worker@example.invalid",
      GIT_COMMITTER_NAME: "Worker",
      GIT_COMMITTER_EMAIL: "worker@example.invalid",
    },
    extendEnv: false,
  });
  return result.stdout.trim();
}

async function write(files: Record<string, string | null>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    if (text === null) {
      await rm(join(repository, path));
      continue;
    }
    await mkdir(dirname(join(repository, path)), { recursive: true });
    await writeFile(join(repository, path), text);
  }
}

async function commit(files: Record<string, string | null>): Promise<string> {
  await write(files);
  await git(["add", "--all"]);
  await git(["commit", "--quiet", "-m", "change"]);
  return git(["rev-parse", "HEAD"]);
}

const testFile = (tests: Record<string, string>) =>
  [
    'import { test } from "node:test";',
    'import assert from "node:assert/strict";',
    'import { greeting } from "greeting";',
    'import { sum } from "../src/sum.js";',
    "",
    'test("imports its dependency", () => assert.equal(greeting, "hello"));',
    ...Object.entries(tests).map(([name, body]) => `test(${JSON.stringify(name)}, () => { ${body} });`),
    "",
  ].join("\n");
const baseTests = {
  "adds two numbers": "assert.equal(sum(1, 2), 3);",
  "adds negatives": "assert.equal(sum(-1, -2), -3);",
};

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-diff-scope-dynamic-"));
  repository = join(root, "checkout");
  runDirectory = join(root, "run");
  cacheDirectory = join(root, "cache");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  environment = plainGitEnvironment(join(root, "home"));
  await git(["init", "--quiet", "--initial-branch=main"]);
  // An installed, untracked dependency: the base clone must get it to run the same tests.
  await write({
    ".gitignore": "node_modules/\n",
    "node_modules/greeting/package.json": '{ "name": "greeting", "type": "module", "main": "index.js" }\n',
    "node_modules/greeting/index.js": 'export const greeting = "hello";\n',
  });
  baseSha = await commit({
    "package.json": '{ "name": "sum", "type": "module" }\n',
    "src/sum.js": "export const sum = (a, b) => a + b;\n",
    "test/sum.test.js": testFile(baseTests),
  });
  const real = createCommandRunner();
  const directories: string[] = [];
  runner = {
    directories,
    run(request: CommandRequest) {
      directories.push(request.cwd);
      return real.run(request);
    },
  };
});
afterEach(() => rm(root, { recursive: true, force: true }));

function judge(
  commitSha: string,
  options: {
    checkCommand?: string;
    claimedRunOutput?: string;
    claimedLedger?: RecordedLedger;
    claimId?: number;
  } = {},
) {
  const logs = `evidence/ws1/logs/claim-${options.claimId ?? 1}-diff_scope`;
  return observeAndJudgeDiffScope({
    repositoryPath: repository,
    baseSha,
    commit: commitSha,
    checkCommand: options.checkCommand ?? "node --test",
    environment,
    runner,
    timeoutMs: 60_000,
    cacheDirectory,
    runDirectory,
    baseLogPath: `${logs}-base.log`,
    claimLogPath: `${logs}-claim.log`,
    ...(options.claimedRunOutput === undefined ? {} : { claimedRunOutput: options.claimedRunOutput }),
    ...(options.claimedLedger === undefined ? {} : { claimedLedger: options.claimedLedger }),
  });
}

const kinds = (findings: unknown) => (findings as DiffScopeFinding[]).map((finding) => finding.kind);

describe("diff_scope runs the check command at the base and at the claim", () => {
  it("runs the base from the mirror with the user's dependencies: a worker's planted object or package changes nothing", async () => {
    const mirror = join(root, "mirror.git");
    await execa("git", ["clone", "--quiet", "--bare", repository, mirror], {
      env: environment,
      extendEnv: false,
    });
    const user = join(root, "user");
    await mkdir(join(user, "node_modules", "greeting"), { recursive: true });
    await writeFile(
      join(user, "node_modules", "greeting", "package.json"),
      '{ "name": "greeting", "type": "module", "main": "index.js" }\n',
    );
    await writeFile(join(user, "node_modules", "greeting", "index.js"), 'export const greeting = "hello";\n');
    // The worker's tricks: a dangling link among its objects (a clone of the checkout fails), and
    // a package that breaks a base test, so that test would "fail at the base" and may be dropped.
    await execa("ln", ["-s", "/nonexistent", join(repository, ".git", "objects", "zz")]);
    await writeFile(
      join(repository, "node_modules", "greeting", "index.js"),
      'export const greeting = "no";\n',
    );
    const claim = await commit({ "src/sum.js": "export const sum = (a, b) => b + a;\n" });

    const logs = "evidence/ws1/logs/claim-1-diff_scope";
    const result = await observeAndJudgeDiffScope({
      repositoryPath: repository,
      baseRepositoryPath: mirror,
      trustedDependenciesPath: user,
      baseSha,
      commit: claim,
      checkCommand: "node --test",
      environment,
      runner,
      timeoutMs: 60_000,
      cacheDirectory,
      runDirectory,
      baseLogPath: `${logs}-base.log`,
      claimLogPath: `${logs}-claim.log`,
    });
    const runs = result.observed.test_runs as Record<string, Record<string, unknown>>;
    expect(runs.base).toMatchObject({ source: "ran", counts: { passed: 3, failed: 0, skipped: 0, todo: 0 } });
    expect(result.status).toBe("fail");
    expect(result.detail).toContain("imports its dependency");
  });

  it("passes an honest claim: the base's passing tests still pass, with the base's dependencies lent", async () => {
    const claim = await commit({
      "src/sum.js": "export const sum = (a, b) => a + b;\nexport const product = (a, b) => a * b;\n",
      "test/sum.test.js": testFile({ ...baseTests, multiplies: "assert.equal(2 * 3, 6);" }),
    });
    const result = await judge(claim);
    expect(result.status).toBe("pass");
    expect(result.detail).toMatch(/; 3 tests that passed at the base still pass$/);
    const runs = result.observed.test_runs as Record<string, Record<string, unknown>>;
    expect(runs.base).toMatchObject({
      commit: baseSha,
      source: "ran",
      exit_code: 0,
      log: "evidence/ws1/logs/claim-1-diff_scope-base.log",
      counts: { passed: 3, failed: 0, skipped: 0, todo: 0 },
    });
    expect(runs.claim).toMatchObject({
      commit: claim,
      source: "ran",
      counts: { passed: 4, failed: 0, skipped: 0, todo: 0 },
    });
    const baseLog = await readFile(
      join(runDirectory, "evidence/ws1/logs/claim-1-diff_scope-base.log"),
      "utf8",
    );
    expect(baseLog).toContain("✔ adds negatives");
    // The base ran in a clone that is gone now; the claim in the checkout.
    expect(runner.directories[1]).toBe(repository);
    expect(runner.directories[0]).not.toBe(repository);
    expect(await readdir(join(cacheDirectory, "work"))).toEqual([]);
  });

  it("fails a claim that deletes a passing test: test-lost, by name", async () => {
    const claim = await commit({
      "src/sum.js": "export const sum = (a, b) => b + a;\n",
      "test/sum.test.js": testFile({ "adds two numbers": baseTests["adds two numbers"] }),
    });
    const result = await judge(claim);
    expect(result.status).toBe("fail");
    expect(kinds(result.observed.findings)).toEqual(["test-deleted", "test-lost"]);
    expect((result.observed.test_runs as Record<string, unknown>).lost_tests).toEqual([
      { name: "test/sum.test.js > adds negatives", count: 1 },
    ]);
  });

  it("fails a claim whose tests no longer run, though no test file changed: test-lost", async () => {
    // The test imports a module the claim deletes: the file fails to load, and its tests are gone.
    const claim = await commit({
      "src/sum.js": null,
      "src/total.js": "export const total = (a, b) => a + b;\n",
    });
    const result = await judge(claim);
    expect(result.status).toBe("fail");
    expect(kinds(result.observed.findings)).toEqual(["test-lost"]);
    expect(result.detail).toBe(
      '3 tests that passed at the base did not run at the claimed commit (deleted, renamed, excluded, or their file no longer runs): "test/sum.test.js > imports its dependency", "test/sum.test.js > adds two numbers", "test/sum.test.js > adds negatives"',
    );
  });

  it("fails a claim that makes a passing test fail: test-broken", async () => {
    const claim = await commit({ "src/sum.js": "export const sum = (a, b) => a - b;\n" });
    const result = await judge(claim);
    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      '2 tests that passed at the base no longer pass: "test/sum.test.js > adds two numbers" failed, "test/sum.test.js > adds negatives" failed',
    );
    expect(kinds(result.observed.findings)).toEqual(["test-broken"]);
  });

  it("errs when the runner's output lists no tests, saying how to fix it: nothing proves no test was lost", async () => {
    const claim = await commit({ "src/sum.js": "export const sum = (a, b) => b + a;\n" });
    const result = await judge(claim, { checkCommand: "node --test --test-reporter=dot" });
    expect(result.status).toBe("error");
    expect(result.detail).toContain(
      `; but the tests could not be compared by name: \`node --test --test-reporter=dot\` at the base ${baseSha.slice(0, 12)} exited 0 and listed no tests by name (nor at the claimed commit): it has no per-test lines of a runner supervise reads; use a reporter that lists tests:`,
    );
  });

  it("runs the base once per (base, command): later claims read the cache and get its log", async () => {
    const first = await commit({ "src/sum.js": "export const sum = (a, b) => b + a;\n" });
    expect((await judge(first)).status).toBe("pass");
    expect(runner.directories).toHaveLength(2);

    const second = await commit({ "src/sum.js": "export const sum = (a, b) => a + b + 0;\n" });
    const result = await judge(second, { claimId: 2 });
    expect(result.status).toBe("pass");
    expect(runner.directories).toEqual([expect.any(String), repository, repository]);
    expect((result.observed.test_runs as Record<string, Record<string, unknown>>).base).toMatchObject({
      source: "cached",
      log: "evidence/ws1/logs/claim-2-diff_scope-base.log",
      counts: { passed: 3, failed: 0, skipped: 0, todo: 0 },
    });
    const copied = await readFile(
      join(runDirectory, "evidence/ws1/logs/claim-2-diff_scope-base.log"),
      "utf8",
    );
    expect(copied).toContain("✔ adds negatives");

    // Another command is another key: the base runs again.
    await judge(second, {
      claimId: 3,
      checkCommand: "node --test --test-reporter=tap --test-reporter-destination=stdout",
    });
    expect(runner.directories).toHaveLength(5);
  });

  it("reads local_check's output at the claim instead of running it again", async () => {
    const claim = await commit({ "src/sum.js": "export const sum = (a, b) => a - b;\n" });
    const localCheck = await runWithTestLedger(
      createCommandRunner(),
      { command: "node --test", cwd: repository, env: environment, timeoutMs: 60_000 },
      join(root, "ledgers"),
    );
    const result = await judge(claim, {
      claimedRunOutput: localCheck.result.output,
      claimedLedger: localCheck,
    });
    expect(runner.directories).toHaveLength(1);
    expect(result.status).toBe("fail");
    expect(kinds(result.observed.findings)).toEqual(["test-broken"]);
    expect((result.observed.test_runs as Record<string, Record<string, unknown>>).claim).toMatchObject({
      source: "local_check",
      counts: { passed: 1, failed: 2, skipped: 0, todo: 0 },
    });
  });

  it("runs the claim itself when local_check's output was cut in the middle", async () => {
    const claim = await commit({ "src/sum.js": "export const sum = (a, b) => b + a;\n" });
    const result = await judge(claim, { claimedRunOutput: "✔ adds (1ms)\n[… 90000 bytes elided …]\n" });
    expect(result.status).toBe("pass");
    expect(runner.directories).toHaveLength(2);
  });
});
