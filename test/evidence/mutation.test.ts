import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyMutant, mutantsOfLines, sampleMutants } from "../../src/evidence/mutants.ts";
import { addedLineNumbers, type MutationSettings, observeMutation } from "../../src/evidence/mutation-run.ts";
import {
  type CommandRequest,
  type CommandRunner,
  createCommandRunner,
} from "../../src/sandbox/run-command.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

describe("mutantsOfLines", () => {
  const describeAll = (file: string, text: string, language: "javascript" | "python" | "rust") =>
    mutantsOfLines(file, text, [1], language).map((mutant) => `${mutant.column} ${mutant.description}`);

  it("flips spaced comparison, arithmetic and logical operators, booleans and integers, outside strings and comments", () => {
    expect(
      describeAll(
        "a.js",
        'if (a === b && c != 2) total = total + 1.5 * n; const s = "x < y"; // a > b',
        "javascript",
      ),
    ).toEqual([
      "7 `===` → `!==`",
      "13 `&&` → `||`",
      "18 `!=` → `==`",
      "21 `2` → `1`",
      "38 `+` → `-`",
      "44 `*` → `/`",
    ]);
  });

  it("leaves arrows, shifts, increments, generics and lifetimes alone", () => {
    expect(describeAll("a.js", "const f = (a) => a << 2; i++; x += 1;", "javascript")).toEqual([
      "23 `2` → `1`",
      "36 `1` → `0`",
    ]);
    expect(describeAll("a.rs", "fn f<'a>(x: &'a str) -> bool { x.len() > 10 }", "rust")).toEqual([
      "40 `>` → `>=`",
      "42 `10` → `9`",
    ]);
  });

  it("reads Python's words and comments", () => {
    expect(describeAll("a.py", "    return a <= b and not done or True  # x > 1", "python")).toEqual([
      "14 `<=` → `<`",
      "19 `and` → `or`",
      "32 `or` → `and`",
      "35 `True` → `False`",
    ]);
  });

  it("skips imports and comment lines, and applies a mutant where it was found", () => {
    const text = 'import { x } from "./x.js";\n// 1 + 2\nexport const y = x + 1;\n';
    const mutants = mutantsOfLines("a.js", text, [1, 2, 3], "javascript");
    expect(mutants.map((mutant) => mutant.id)).toEqual(["a.js:3:20:+>-", "a.js:3:22:1>0"]);
    expect(applyMutant(text, mutants[0]!)).toBe(
      'import { x } from "./x.js";\n// 1 + 2\nexport const y = x - 1;\n',
    );
  });

  it("samples the same mutants for the same seed, in file order", () => {
    const mutants = mutantsOfLines("a.js", "x = 1 + 2 - 3 * 4 / 5 + 6 - 7;", [1], "javascript");
    const first = sampleMutants(mutants, 4, "base");
    expect(first).toHaveLength(4);
    expect(sampleMutants(mutants, 4, "base")).toEqual(first);
    expect(first.map((mutant) => mutant.column)).toEqual(
      [...first.map((mutant) => mutant.column)].sort((a, b) => a - b),
    );
  });

  it("reads the new side's lines of a -U0 diff", () => {
    expect(addedLineNumbers("@@ -1 +1 @@\n-a\n+b\n@@ -5,0 +6,3 @@\n+c\n+d\n+e\n@@ -9,2 +11,0 @@\n")).toEqual([
      1, 6, 7, 8,
    ]);
  });
});

let root: string;
let repository: string;
let environment: Record<string, string>;
let baseSha: string;
let runner: CommandRunner & { runs: number };

async function git(args: string[]): Promise<string> {
  const result = await execa("git", args, {
    cwd: repository,
    env: {
      ...environment,
      GIT_AUTHOR_NAME: "W",
      GIT_AUTHOR_EMAIL: "w@example.invalid",
      GIT_COMMITTER_NAME: "W",
      GIT_COMMITTER_EMAIL: "w@example.invalid",
    },
    extendEnv: false,
  });
  return result.stdout.trim();
}

async function commit(files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(repository, path)), { recursive: true });
    await writeFile(join(repository, path), text);
  }
  await git(["add", "--all"]);
  await git(["commit", "--quiet", "-m", "change"]);
  return git(["rev-parse", "HEAD"]);
}

const rulesSource =
  "export function isAdult(age) {\n  return age >= 18;\n}\nexport function fee(items) {\n  return items * 2 + 1;\n}\n";
const rulesTest = (body: string) =>
  `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { isAdult, fee } from "../src/rules.js";\ntest("rules", () => { ${body} });\n`;
const strongTest = rulesTest(
  "assert.equal(isAdult(18), true); assert.equal(isAdult(17), false); assert.equal(fee(3), 7);",
);

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-mutation-"));
  repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  environment = plainGitEnvironment(join(root, "home"));
  await git(["init", "--quiet", "--initial-branch=main"]);
  baseSha = await commit({
    "package.json": '{ "name": "clamp", "type": "module" }\n',
    "README.md": "clamp\n",
  });
  const real = createCommandRunner();
  runner = {
    runs: 0,
    run(request: CommandRequest) {
      runner.runs += 1;
      return real.run(request);
    },
  };
});
afterEach(() => rm(root, { recursive: true, force: true }));

const settings: MutationSettings = { minKilled: 0.6, maxMinutes: 10, maxMutants: 30 };

function mutate(commitSha: string, options: { settings?: MutationSettings; now?: () => number } = {}) {
  return observeMutation({
    settings: options.settings ?? settings,
    checkoutPath: repository,
    baseSha,
    commit: commitSha,
    checkCommand: "node --test",
    runner,
    environment,
    gitEnvironment: environment,
    checkDurationMs: 1000,
    runDirectory: join(root, "run"),
    cacheDirectory: join(root, "cache"),
    logPath: "evidence/ws1/logs/claim-1-mutation.log",
    ...(options.now ? { now: options.now } : {}),
  });
}

describe("the mutation gate on node:test", () => {
  it("passes when the tests catch the mutants of the changed lines, and caches each mutant's outcome", async () => {
    const claim = await commit({ "src/rules.js": rulesSource, "test/rules.test.js": strongTest });

    const result = await mutate(claim);

    expect(result.status).toBe("pass");
    expect(result.observed).toMatchObject({
      mutants_sampled: 6,
      mutants_killed: 6,
      mutants_run: 6,
      surviving_mutants: [],
    });
    expect(result.detail).toBe(
      "6 of 6 mutants of the changed lines caught by the tests (100 %, at least 60 % needed)",
    );
    expect(await readFile(join(root, "run", "evidence/ws1/logs/claim-1-mutation.log"), "utf8")).toContain(
      "src/rules.js:2 `>=` → `>`: killed",
    );

    const runsBefore = runner.runs;
    const again = await mutate(claim);
    expect(again.observed).toMatchObject({ mutants_run: 0, mutants_cached: 6 });
    expect(runner.runs).toBe(runsBefore);
  });

  it("fails a change whose test checks only the type, naming the mutants that survived", async () => {
    const claim = await commit({
      "src/rules.js": rulesSource,
      "test/rules.test.js": rulesTest(
        'assert.equal(typeof isAdult(5), "boolean"); assert.equal(typeof fee(1), "number");',
      ),
    });

    const result = await mutate(claim);

    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      "only 0 of 6 mutants of the changed lines caught by the tests (0 %, at least 60 % needed); these changes to the code break nothing the tests check: src/rules.js:2 `>=` → `>`; src/rules.js:2 `18` → `17`; src/rules.js:5 `*` → `/`; src/rules.js:5 `2` → `1`; src/rules.js:5 `+` → `-` and 1 more",
    );
    expect(result.observed.surviving_mutants).toHaveLength(6);
    expect((result.observed.surviving_mutants as unknown[])[0]).toEqual({
      file: "src/rules.js",
      line: 2,
      column: 14,
      mutation: ">= → >",
    });
  });

  it("stops at max_minutes and judges the mutants that ran", async () => {
    const claim = await commit({
      "src/rules.js": rulesSource,
      "test/rules.test.js": strongTest,
    });
    // Each reading of the clock is a minute later: the first mutant runs, then time is up.
    let minutes = 0;
    const result = await mutate(claim, {
      settings: { ...settings, maxMinutes: 2 },
      now: () => 60_000 * minutes++,
    });

    expect(result.observed).toMatchObject({ mutants_run: 1, mutants_not_run: 5 });
    expect(result.detail).toBe(
      "1 of 1 mutants of the changed lines caught by the tests (100 %, at least 60 % needed); 5 not run within 2 min",
    );
  });
});
