import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

let root: string;
let repository: string;
let environment: Record<string, string>;
let baseSha: string;

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

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(repository, path)), { recursive: true });
    await writeFile(join(repository, path), text);
  }
}

/** Commits the working tree as a worker would; resolves with the commit's SHA. */
async function commit(message: string): Promise<string> {
  await git(["add", "--all"]);
  await git(["commit", "--quiet", "--allow-empty", "-m", message]);
  return git(["rev-parse", "HEAD"]);
}

const packageJson = (test: string) =>
  `${JSON.stringify({ name: "sum", type: "module", scripts: { test } }, null, 2)}\n`;
const sumTest = `import { test } from "node:test";
import assert from "node:assert/strict";
import { sum } from "../src/sum.js";

test("adds two numbers", () => {
  assert.equal(sum(1, 2), 3);
});

test("adds negatives", () => {
  assert.equal(sum(-1, -2), -3);
});
`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-diff-scope-"));
  repository = join(root, "repository");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  environment = plainGitEnvironment(join(root, "home"));
  await git(["init", "--quiet", "--initial-branch=main"]);
  await write({
    "package.json": packageJson("node --test"),
    "src/sum.js": "export const sum = (a, b) => a + b;\n",
    "test/sum.test.js": sumTest,
    "README.md": "# sum\n",
  });
  baseSha = await commit("base");
});
afterEach(() => rm(root, { recursive: true, force: true }));

function judgeCommit(commitSha: string, options: { maxFileBytes?: number } = {}) {
  return observeAndJudgeDiffScope({
    repositoryPath: repository,
    baseSha,
    commit: commitSha,
    checkCommand: "npm test",
    environment,
    limits: options.maxFileBytes === undefined ? undefined : { maxFileBytes: options.maxFileBytes },
  });
}

describe("diff_scope on real commits", () => {
  it("fails a commit of test stubs only", async () => {
    await write({
      "test/product.test.js": 'import { test } from "node:test";\n\ntest.todo("multiplies");\n',
    });
    const result = await judgeCommit(await commit("implement product"));
    expect(result.status).toBe("fail");
    expect(result.observed.findings).toEqual([
      { kind: "no-source-change", file: null, detail: "only tests changed: 1 test file, no source" },
      {
        kind: "test-skipped",
        file: "test/product.test.js",
        detail: 'test/product.test.js adds `test.todo` in `test.todo("multiplies");`',
      },
    ]);
  });

  it("passes an honest change: source and a new test", async () => {
    await write({
      "src/product.js": "export const product = (a, b) => a * b;\n",
      "test/product.test.js":
        'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { product } from "../src/product.js";\n\ntest("multiplies", () => {\n  assert.equal(product(2, 3), 6);\n});\n',
    });
    const head = await commit("add product");
    const result = await judgeCommit(head);
    expect({ status: result.status, detail: result.detail }).toEqual({
      status: "pass",
      detail:
        "source changed: src/product.js (+1 -0); 1 test file changed, no test lost, skipped, weakened or excluded",
    });
    expect(result.observed).toMatchObject({
      base: baseSha,
      commit: head,
      source_files: ["src/product.js"],
      tests_at_base: 0,
      tests_at_commit: 1,
    });
  });

  it("fails a deleted test file, naming its tests", async () => {
    await git(["rm", "--quiet", "test/sum.test.js"]);
    await write({ "src/sum.js": "export const sum = (a, b) => b + a;\n" });
    const result = await judgeCommit(await commit("simplify"));
    expect(result.observed.findings).toEqual([
      {
        kind: "test-deleted",
        file: "test/sum.test.js",
        detail: "test/sum.test.js deleted, and with it 2 tests: 'adds two numbers', 'adds negatives'",
      },
    ]);
  });

  it("fails a test skipped with it.skip", async () => {
    await write({
      "src/sum.js": "export const sum = (a, b) => Number(a) + Number(b);\n",
      "test/sum.test.js": sumTest.replace('test("adds negatives"', 'test.skip("adds negatives"'),
    });
    const result = await judgeCommit(await commit("skip flaky"));
    expect(result.detail).toBe('test/sum.test.js adds `test.skip` in `test.skip("adds negatives", () => {`');
  });

  it("fails a test script replaced by `echo ok`", async () => {
    await write({
      "package.json": packageJson("echo ok"),
      "src/sum.js": "export const sum = (a, b) => a - b;\n",
    });
    const result = await judgeCommit(await commit("make tests pass"));
    expect(result.observed.findings).toEqual([
      {
        kind: "tests-excluded",
        file: "package.json",
        detail: "package.json scripts.test changed from `node --test` to `echo ok`",
      },
    ]);
  });

  it("fails the base itself claimed as the work", async () => {
    const result = await judgeCommit(baseSha);
    expect(result.status).toBe("fail");
    expect(result.detail).toMatch(/^no change between the base/);
  });

  it("reads the change as committed, whatever diff settings and attributes the worker planted", async () => {
    await git(["config", "color.ui", "always"]);
    await git(["config", "diff.noprefix", "true"]);
    await git(["config", "diff.renames", "false"]);
    await git(["config", "diff.orderFile", "order.txt"]);
    await write({
      ".gitattributes": "*.js binary\n",
      "order.txt": "README.md\n",
      "src/sum.js": "export const sum = (a, b) => a + b + 0;\n",
      "test/sum.test.js": `${sumTest}test.only("focus", () => {});\n`,
    });
    await git(["mv", "README.md", "docs.md"]);
    const result = await judgeCommit(await commit("sneaky"));
    expect(result.observed.findings).toEqual([
      {
        kind: "test-skipped",
        file: "test/sum.test.js",
        detail: 'test/sum.test.js adds `test.only` in `test.only("focus", () => {});`',
      },
    ]);
    expect(result.observed.changed_files).toContainEqual(
      expect.objectContaining({ path: "docs.md", previous_path: "README.md", status: "renamed" }),
    );
  });

  it("reports a test file over the size limit instead of reading it", async () => {
    await write({
      "src/sum.js": "export const sum = (a, b) => a + b + 0;\n",
      "test/sum.test.js": `${sumTest}// ${"x".repeat(2000)}\n`,
    });
    const result = await judgeCommit(await commit("grow"), { maxFileBytes: 1000 });
    expect(result.observed.findings).toEqual([
      {
        kind: "not-inspected",
        file: "test/sum.test.js",
        detail:
          "test/sum.test.js is 2.2 KB, over the 1000 bytes this gate reads, so its tests could not be checked at the claimed commit",
      },
    ]);
  });

  it("reads test files that are not valid UTF-8 alongside others", async () => {
    await writeFile(
      join(repository, "test/latin1.test.js"),
      Buffer.from('test("caf\xe9", () => { assert.ok(sum(1, 1)); });\n', "latin1"),
    );
    await commit("latin-1 test");
    baseSha = await git(["rev-parse", "HEAD"]);
    await writeFile(
      join(repository, "test/latin1.test.js"),
      Buffer.from(
        'test("caf\xe9", () => { assert.ok(sum(1, 1)); });\ntest.skip("na\xefve", () => {});\n',
        "latin1",
      ),
    );
    await write({
      "src/sum.js": "export const sum = (a, b) => a + b + 0;\n",
      "test/sum.test.js": sumTest.replace(/test\("adds negatives"[\s\S]*$/, ""),
    });
    const result = await judgeCommit(await commit("two test files"));
    expect(result.observed.findings).toEqual([
      {
        kind: "test-deleted",
        file: "test/sum.test.js",
        detail: "test 'adds negatives' deleted from test/sum.test.js (or renamed away)",
      },
      {
        kind: "test-skipped",
        file: "test/latin1.test.js",
        detail: 'test/latin1.test.js adds `test.skip` in `test.skip("na\ufffdve", () => {});`',
      },
    ]);
  });

  it("reports test files beyond the number it reads instead of passing them", async () => {
    await write({
      "src/sum.js": "export const sum = (a, b) => a + b + 0;\n",
      "test/a.test.js": 'test("a", () => {});\n',
      "test/b.test.js": 'test("b", () => {});\n',
    });
    const result = await observeAndJudgeDiffScope({
      repositoryPath: repository,
      baseSha,
      commit: await commit("two new test files"),
      environment,
      limits: { maxInspectedFiles: 1 },
    });
    expect(result.observed.findings).toEqual([
      {
        kind: "not-inspected",
        file: "test/b.test.js",
        detail:
          "test/b.test.js was not read (too many test files changed for this gate to read), so its tests could not be checked at the claimed commit",
      },
    ]);
  });

  it("measures the change from where the branch forked, not from a base that moved on", async () => {
    await git(["checkout", "--quiet", "-b", "workstream"]);
    await write({ "src/sum.js": "export const sum = (a, b) => a + b + 0;\n" });
    const head = await commit("work");
    await git(["checkout", "--quiet", "main"]);
    await write({ "test/other.test.js": 'test("merged meanwhile", () => { assert.ok(1 < 2); });\n' });
    const movedBase = await commit("another workstream merged");
    const result = await observeAndJudgeDiffScope({
      repositoryPath: repository,
      baseSha: movedBase,
      commit: head,
      environment,
    });
    expect({ status: result.status, detail: result.detail }).toEqual({
      status: "pass",
      detail:
        "source changed: src/sum.js (+1 -1); 0 test files changed, no test lost, skipped, weakened or excluded",
    });
    expect(result.observed).toMatchObject({ base: baseSha, requested_base: movedBase, commit: head });
  });

  it("is an error, not a verdict, when the claimed commit is not in the repository", async () => {
    const result = await judgeCommit("f".repeat(40));
    expect(result).toEqual({
      id: "diff_scope",
      status: "error",
      detail: `could not read the change: the claimed commit ${"f".repeat(40)} is not a commit in ${await git(["rev-parse", "--show-toplevel"])}`,
      observed: { base: baseSha, commit: "f".repeat(40) },
    });
  });
});
