import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyMutant, mutantsOfLines, sampleMutants } from "../../src/evidence/mutants.ts";
import {
  addedLineNumbers,
  judgeMutants,
  type MutationSettings,
  observeMutation,
} from "../../src/evidence/mutation-run.ts";
import {
  mutateRange,
  sampleWithCosts,
  strykerMutantsOfLines,
} from "../../src/evidence/stryker/stryker-mutants.ts";
import { checkIsolationAvailable } from "../../src/sandbox/index.ts";
import {
  type CommandRequest,
  type CommandRunner,
  createCommandRunner,
} from "../../src/sandbox/run-command.ts";
import { createRunIsolation } from "../../src/sandbox/run-isolation.ts";
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

function mutate(
  commitSha: string,
  options: {
    settings?: MutationSettings;
    now?: () => number;
    checkCommand?: string;
    checkDurationMs?: number;
    runner?: CommandRunner;
  } = {},
) {
  return observeMutation({
    settings: options.settings ?? settings,
    checkoutPath: repository,
    baseSha,
    commit: commitSha,
    checkCommand: options.checkCommand ?? "node --test",
    runner: options.runner ?? runner,
    environment,
    gitEnvironment: environment,
    checkDurationMs: options.checkDurationMs ?? 1000,
    runDirectory: join(root, "run"),
    cacheDirectory: join(root, "cache"),
    logPath: "evidence/ws1/logs/claim-1-mutation.log",
    ...(options.now ? { now: options.now } : {}),
  });
}

describe("planning Stryker's mutants, sampling with costs, judging outcomes", () => {
  it("takes a mutant with every mutant its range brings, within the cap, the same way for the same seed", () => {
    const mutants = mutantsOfLines("a.js", "x = 1 + 2 - 3 * 4 / 5 + 6 - 7;", [1], "javascript");
    // Mutants come in pairs (first and second, third and fourth, …): a pair is taken whole or not at all.
    const partnerOf = (index: number) => (index % 2 === 0 ? index + 1 : index - 1);
    const costOf = (mutant: (typeof mutants)[number]) => {
      const index = mutants.indexOf(mutant);
      return [mutant, mutants[partnerOf(index)]].filter((other) => other !== undefined);
    };
    const chosen = sampleWithCosts(mutants, 5, "base", costOf);
    expect(chosen.length).toBeGreaterThanOrEqual(4);
    expect(chosen.length).toBeLessThanOrEqual(5);
    for (const mutant of chosen) {
      const partner = mutants[partnerOf(mutants.indexOf(mutant))];
      if (partner) expect(chosen).toContain(partner);
    }
    expect(sampleWithCosts(mutants, 5, "base", costOf)).toEqual(chosen);
    expect(sampleWithCosts(mutants, 5, "base", (mutant) => [mutant])).toEqual(
      sampleMutants(mutants, 5, "base"),
    );
  });

  it("lists Stryker's mutants of the changed lines with the ranges Stryker takes, and the files it cannot take", async () => {
    const { files, unusable } = await strykerMutantsOfLines([
      {
        file: "src/a.ts",
        text: "const f = (n: number): boolean =>\n  n > 1;\nexport const g = 2;\n",
        lines: [2],
      },
      { file: ".config/b.js", text: "export const b = 1 + 2;\n", lines: [1] },
      { file: "src/c.js", text: "export const c = 1 + ;\n", lines: [1] },
    ]);
    expect(
      files.flatMap((file) => file.mutants.map((mutant) => `${mutateRange(mutant)} ${mutant.description}`)),
    ).toEqual([
      "src/a.ts:2:2-2:7 `n > 1` → `true` (ConditionalExpression)",
      "src/a.ts:2:2-2:7 `n > 1` → `false` (ConditionalExpression)",
      "src/a.ts:2:2-2:7 `n > 1` → `n >= 1` (EqualityOperator)",
      "src/a.ts:2:2-2:7 `n > 1` → `n <= 1` (EqualityOperator)",
    ]);
    expect(unusable).toEqual([
      {
        file: ".config/b.js",
        reason: "StrykerJS's `mutate` patterns cannot name its path (a hidden folder or a glob character)",
      },
      { file: "src/c.js", reason: "StrykerJS cannot parse it: Unexpected token (1:21)" },
    ]);
  });

  it("counts timeouts as caught but says so, no-coverage as not caught, and leaves out code that does not load", () => {
    const [first, second, third, fourth] = mutantsOfLines("a.js", "x = 1 + 2 - 3 * 4;", [1], "javascript");
    const result = judgeMutants(
      { minKilled: 0.6, maxMinutes: 1, maxMutants: 10 },
      5,
      [
        { mutant: first!, outcome: "killed", source: "ran", engine: "stryker" },
        { mutant: second!, outcome: "timed-out", source: "ran", engine: "stryker" },
        {
          mutant: { ...third!, mutator: "ArithmeticOperator" },
          outcome: "no-coverage",
          source: "cached",
          engine: "stryker",
        },
        { mutant: fourth!, outcome: "invalid", source: "ran", engine: "built-in" },
      ],
      {},
    );
    expect(result.status).toBe("pass");
    expect(result.detail).toBe(
      "2 of 3 mutants of the changed lines caught by the tests (67 %, at least 60 % needed); 1 of them by running past the time limit, not by a failing test; 1 not run within 1 min",
    );
    expect(result.observed).toMatchObject({
      mutants_killed: 1,
      mutants_timed_out: 1,
      mutants_no_coverage: 1,
      mutants_invalid: 1,
      mutants_by_engine: { stryker: 3, "built-in": 1 },
      surviving_mutants: [
        {
          file: "a.js",
          line: 1,
          column: 9,
          mutation: "2 → 1",
          mutator: "ArithmeticOperator",
          no_coverage: true,
        },
      ],
    });
  });
});

const adultSource = "export function isAdult(age) {\n  return age >= 18;\n}\n";
const adultTest = `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { isAdult } from "../src/adult.js";\ntest("adults", () => { assert.equal(isAdult(18), true); assert.equal(isAdult(17), false); });\n`;

describe("the mutation gate with StrykerJS on node:test", () => {
  it("passes when the tests catch Stryker's mutants, ignores the claim's own Stryker config, and caches each outcome", async () => {
    const claim = await commit({
      "src/adult.js": adultSource,
      "test/adult.test.js": adultTest,
      // Were it read, Stryker would look for a test runner that does not exist and stop.
      "stryker.config.json": '{ "testRunner": "no-such-runner", "mutate": ["README.md"] }\n',
    });

    // Were the reporter's variable left to the check, the check (and Stryker's initial run) would fail.
    const result = await mutate(claim, {
      checkCommand: 'test -z "$SUPERVISE_STRYKER_RESULTS_KEY" && node --test',
    });

    expect(result.status).toBe("pass");
    expect(result.detail).toBe(
      "5 of 5 mutants of the changed lines caught by the tests (100 %, at least 60 % needed); the claim's stryker.config.json was not read: StrykerJS ran with the supervisor's own config",
    );
    expect(result.observed).toMatchObject({
      mutants_sampled: 5,
      mutants_run: 5,
      mutants_killed: 5,
      mutants_by_engine: { stryker: 5, "built-in": 0 },
      ignored_stryker_configs: ["stryker.config.json"],
      surviving_mutants: [],
    });
    const log = await readFile(join(root, "run", "evidence/ws1/logs/claim-1-mutation.log"), "utf8");
    expect(log).toContain("src/adult.js:2 `age >= 18` → `age > 18` (EqualityOperator): killed");
    expect(log).toContain("StrykerJS: 5 mutants tested");

    const runsBefore = runner.runs;
    const again = await mutate(claim, {
      checkCommand: 'test -z "$SUPERVISE_STRYKER_RESULTS_KEY" && node --test',
    });
    expect(again.observed).toMatchObject({ mutants_run: 0, mutants_cached: 5 });
    expect(runner.runs).toBe(runsBefore);
  });

  it("fails a change whose test checks only the type, naming the survivors with Stryker's mutator, within max_mutants", async () => {
    const claim = await commit({
      "src/rules.js": rulesSource,
      "test/rules.test.js": rulesTest(
        'assert.equal(typeof isAdult(5), "boolean"); assert.equal(typeof fee(1), "number");',
      ),
    });

    const result = await mutate(claim, { settings: { ...settings, maxMutants: 6 } });

    expect(result.status).toBe("fail");
    const sampled = Number(result.observed.mutants_sampled);
    expect(sampled).toBeLessThanOrEqual(6);
    expect(result.observed).toMatchObject({ mutants_found: 8, mutants_run: sampled, mutants_not_run: 0 });
    expect(result.detail).toMatch(
      /^only \d of \d mutants of the changed lines caught by the tests \(\d+ %, at least 60 % needed\); these changes to the code break nothing the tests check: src\/rules\.js:\d `/,
    );
    const survivors = result.observed.surviving_mutants as { mutator: string; mutation: string }[];
    expect(survivors.length).toBeGreaterThan(0);
    expect(survivors.map((survivor) => survivor.mutator)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^(EqualityOperator|ConditionalExpression|ArithmeticOperator)$/),
      ]),
    );
  });

  it("gives a file Stryker cannot parse the built-in mutants, and says so", async () => {
    const claim = await commit({
      "src/broken.js": "export const total = 1 + ;\n",
      "test/adult.test.js": adultTest.replace(
        'import { isAdult } from "../src/adult.js";',
        "const isAdult = (age) => age >= 18;",
      ),
    });

    const result = await mutate(claim);

    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      "only 0 of 2 mutants of the changed lines caught by the tests (0 %, at least 60 % needed); src/broken.js got the built-in mutants: StrykerJS cannot parse it: Unexpected token (1:25); these changes to the code break nothing the tests check: src/broken.js:1 `1` → `0`; src/broken.js:1 `+` → `-`",
    );
    expect(result.observed).toMatchObject({
      mutants_by_engine: { stryker: 0, "built-in": 2 },
      stryker_fallbacks: [
        { file: "src/broken.js", reason: "StrykerJS cannot parse it: Unexpected token (1:25)" },
      ],
    });
  });

  it("keeps the mutants Stryker finished when max_minutes cuts it, and counts the rest as not run", async () => {
    const claim = await commit({
      "src/adult.js": `${adultSource}export function settle(isLate) {\n  return new Promise((resolve) => {\n    if (isLate) setInterval(() => {}, 1000);\n    else resolve(1);\n  });\n}\n`,
      "test/adult.test.js": adultTest,
      "test/settle.test.js": `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { settle } from "../src/adult.js";\ntest("settle", async () => { assert.equal(await settle(false), 1); });\n`,
    });

    // Stryker's own per-mutant limit is far away: \`if (true)\` leaves a promise that never settles
    // beside a live timer, and the check runs until the gate's deadline kills Stryker, after
    // isAdult's mutants (tested first, in file order) are done.
    const result = await mutate(claim, {
      settings: { ...settings, maxMinutes: 0.5 },
      checkDurationMs: 600_000,
    });

    // How many finish before the deadline depends on the machine; that the hang is cut and the
    // finished ones are kept does not. isAdult's and settle's other mutants all fail the check.
    const ran = Number(result.observed.mutants_run);
    const notRun = Number(result.observed.mutants_not_run);
    expect(result.observed).toMatchObject({ mutants_sampled: 11, mutants_killed: ran });
    expect(ran).toBeGreaterThanOrEqual(1);
    expect(notRun).toBeGreaterThanOrEqual(1);
    expect(ran + notRun).toBe(11);
    expect(result.detail).toBe(
      `${ran} of ${ran} mutants of the changed lines caught by the tests (100 %, at least 60 % needed); ${notRun} not run within 0.5 min`,
    );
    const log = await readFile(join(root, "run", "evidence/ws1/logs/claim-1-mutation.log"), "utf8");
    expect(log).toContain("stopped at the time limit");
  });
});

describe("the mutation gate when the check fails without mutants", () => {
  it("is an error, not a pass: every mutant would look caught", async () => {
    const claim = await commit({
      "src/adult.js": adultSource,
      "test/adult.test.js": adultTest.replace("isAdult(18), true", "isAdult(18), false"),
    });

    const result = await mutate(claim);

    expect(result.status).toBe("error");
    expect(result.detail).toMatch(
      /^the check fails on the claim's own code in the gate's clone \(StrykerJS's initial run: .*failed in the initial test run.*\), so no mutant can be judged; its output: evidence\/ws1\/logs\/claim-1-mutation-stryker\.log$/,
    );
  });
});

const availability = await checkIsolationAvailable();
describe.skipIf(!availability.available && process.env.CI === undefined)("StrykerJS under bwrap", () => {
  it("runs from supervise's read-only node_modules and reports through the sandbox", async () => {
    await mkdir(join(root, "state"), { recursive: true });
    await writeFile(join(root, "state", "socket"), "");
    const node = dirname(process.execPath);
    const isolated = createCommandRunner({
      isolate: createRunIsolation({
        stateDirectory: join(root, "state"),
        userRepository: join(root, "user"),
        mirrorPath: tmpdir(),
        socketPath: join(root, "state", "socket"),
        readOnly: [node, ...pathFolders()],
        network: "none",
        home: undefined,
      }),
    });
    const claim = await commit({ "src/adult.js": adultSource, "test/adult.test.js": adultTest });

    const result = await mutate(claim, { runner: isolated });

    expect(result.detail).toBe(
      "5 of 5 mutants of the changed lines caught by the tests (100 %, at least 60 % needed)",
    );
  });
});

/** The folder of the `node` the check command finds on PATH, for the sandbox to mount. */
function pathFolders(): string[] {
  const node = execFileSync("bash", ["-c", "command -v node"], { encoding: "utf8", env: environment }).trim();
  return [dirname(node)];
}

const python = (() => {
  try {
    return execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
})();

describe.skipIf(python === null)("the mutation gate's built-in engine on Python", () => {
  const pythonRules =
    "def is_adult(age):\n    return age >= 18\n\ndef fee(items):\n    return items * 2 + 1\n";
  const pythonTest = (body: string) =>
    `import unittest\nfrom rules import is_adult, fee\n\nclass RulesTest(unittest.TestCase):\n    def test_rules(self):\n${body}\n`;
  const check = () => `${python} -m unittest discover -s tests -t . -q`;

  it("fails a test that checks only the type, naming the operator mutants that survived", async () => {
    const claim = await commit({
      "rules.py": pythonRules,
      "tests/__init__.py": "",
      "tests/test_rules.py": pythonTest(
        "        self.assertIsInstance(is_adult(5), bool)\n        self.assertIsInstance(fee(1), (int, float))",
      ),
    });

    const result = await mutate(claim, { checkCommand: check() });

    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      "only 0 of 6 mutants of the changed lines caught by the tests (0 %, at least 60 % needed); these changes to the code break nothing the tests check: rules.py:2 `>=` → `>`; rules.py:2 `18` → `17`; rules.py:5 `*` → `/`; rules.py:5 `2` → `1`; rules.py:5 `+` → `-` and 1 more",
    );
    expect(result.observed).toMatchObject({ mutants_by_engine: { stryker: 0, "built-in": 6 } });
  });

  it("stops at max_minutes and judges the mutants that ran", async () => {
    const claim = await commit({
      "rules.py": pythonRules,
      "tests/__init__.py": "",
      "tests/test_rules.py": pythonTest(
        "        self.assertTrue(is_adult(18))\n        self.assertFalse(is_adult(17))\n        self.assertEqual(fee(3), 7)",
      ),
    });
    // Each reading of the clock is a minute later: the first mutant runs, then time is up.
    let minutes = 0;
    const result = await mutate(claim, {
      checkCommand: check(),
      settings: { ...settings, maxMinutes: 2 },
      now: () => 60_000 * minutes++,
    });

    expect(result.observed).toMatchObject({ mutants_run: 1, mutants_not_run: 5 });
    expect(result.detail).toBe(
      "1 of 1 mutants of the changed lines caught by the tests (100 %, at least 60 % needed); 5 not run within 2 min",
    );
  });
});
