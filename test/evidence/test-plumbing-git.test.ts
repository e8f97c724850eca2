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
  const result = await execa(
    "git",
    ["-c", "user.name=Worker", "-c", "user.email=worker@example.invalid", ...args],
    {
      cwd: repository,
      env: environment,
      extendEnv: false,
    },
  );
  return result.stdout.trim();
}

async function write(files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(repository, path)), { recursive: true });
    await writeFile(join(repository, path), text);
  }
}

async function commit(message: string): Promise<string> {
  await git(["add", "--all"]);
  await git(["commit", "--quiet", "-m", message]);
  return git(["rev-parse", "HEAD"]);
}

/** jest names its setup file in a config the claim never touches. */
const jestConfig = `module.exports = {\n  setupFilesAfterEnv: ["<rootDir>/test/setup.js"],\n};\n`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-plumbing-"));
  repository = join(root, "repository");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  environment = plainGitEnvironment(join(root, "home"));
  await git(["init", "--quiet", "--initial-branch=main"]);
  await write({
    "package.json": `${JSON.stringify({ name: "sum", scripts: { test: "jest" } }, null, 2)}\n`,
    "jest.config.js": jestConfig,
    "src/sum.js": "exports.sum = (a, b) => a - b;\n",
    "test/setup.js": "// shared setup\n",
    "test/sum.test.js":
      'const { sum } = require("../src/sum.js");\n\ntest("adds", () => {\n  expect(sum(1, 2)).toBe(3);\n});\n',
  });
  baseSha = await commit("base");
});
afterEach(() => rm(root, { recursive: true, force: true }));

function judgeCommit(commitSha: string) {
  return observeAndJudgeDiffScope({
    repositoryPath: repository,
    baseSha,
    commit: commitSha,
    checkCommand: "npm test",
    environment,
  });
}

describe("test plumbing read from real commits", () => {
  it("finds a setup file changed under an unchanged jest.config.js, read at the claimed commit", async () => {
    await write({
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "test/setup.js": "expect.extend({ toBe: () => ({ pass: true, message: () => '' }) });\n",
    });
    const result = await judgeCommit(await commit("fix sum"));
    expect(result.status).toBe("fail");
    expect(result.observed.test_plumbing).toEqual([
      { file: "test/setup.js", hook: "jest setupFilesAfterEnv" },
    ]);
  });

  it("reads a monorepo package's own vitest config above the setup file a claim changes", async () => {
    await write({
      "packages/app/vitest.config.ts": 'export default { test: { setupFiles: ["./test/setup.ts"] } };\n',
      "packages/app/test/setup.ts": "export {};\n",
    });
    const packageBase = await commit("app package");
    await write({
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "packages/app/test/setup.ts":
        'import { vi } from "vitest";\nvi.stubGlobal("expect", () => ({ toBe() {} }));\n',
    });
    const result = await observeAndJudgeDiffScope({
      repositoryPath: repository,
      baseSha: packageBase,
      commit: await commit("fix sum"),
      checkCommand: "npm test",
      environment,
    });
    expect(result.observed.test_plumbing).toEqual([
      { file: "packages/app/test/setup.ts", hook: "vitest setupFiles" },
    ]);
  });

  it("follows a jest config into the base config it requires: a setup file named only there is found", async () => {
    await write({
      "jest.config.js": 'module.exports = { ...require("./config/jest.base"), testTimeout: 5000 };\n',
      "config/jest.base.js": 'module.exports = { setupFilesAfterEnv: ["<rootDir>/test/setup.js"] };\n',
    });
    const sharedBase = await commit("shared jest config");
    await write({
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "test/setup.js": "beforeEach(() => jest.spyOn(console, 'error'));\n",
    });
    const result = await observeAndJudgeDiffScope({
      repositoryPath: repository,
      baseSha: sharedBase,
      commit: await commit("fix sum"),
      checkCommand: "npm test",
      environment,
    });
    expect(result.status).toBe("fail");
    expect(result.observed.test_plumbing).toEqual([
      { file: "test/setup.js", hook: "jest setupFilesAfterEnv" },
    ]);
  });

  it("names a key a claim adds to a vitest config's shared base, merged with mergeConfig", async () => {
    await write({
      "vitest.config.mjs":
        'import { defineConfig, mergeConfig } from "vitest/config";\nimport shared from "./vitest.shared.mjs";\nexport default mergeConfig(shared, defineConfig({ test: { globals: true } }));\n',
      "vitest.shared.mjs": "export default { test: { environment: 'node' } };\n",
    });
    const sharedBase = await commit("shared vitest config");
    await write({
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "vitest.shared.mjs":
        "export default { test: { environment: 'node', setupFiles: ['./test/lenient.js'] } };\n",
      "test/lenient.js": "globalThis.expect = () => ({ toBe() {} });\n",
    });
    const result = await observeAndJudgeDiffScope({
      repositoryPath: repository,
      baseSha: sharedBase,
      commit: await commit("fix sum"),
      checkCommand: "npm test",
      environment,
    });
    expect(result.observed.test_plumbing).toEqual(
      expect.arrayContaining([
        { file: "vitest.shared.mjs", hook: "vitest setupFiles" },
        { file: "test/lenient.js", hook: "vitest setupFiles" },
      ]),
    );
  });

  it("passes a fix with a new test beside the unchanged setup file", async () => {
    await write({
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "test/negatives.test.js":
        'const { sum } = require("../src/sum.js");\n\ntest("adds negatives", () => {\n  expect(sum(-1, -2)).toBe(-3);\n});\n',
    });
    const result = await judgeCommit(await commit("fix sum"));
    expect(result.status, result.detail).toBe("pass");
    expect(result.observed.test_plumbing).toBeUndefined();
  });
});
