import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChangeKind } from "../../src/evidence/change-proof.ts";
import { judgeChangeProof } from "../../src/evidence/change-proof.ts";
import { observeChangeProof } from "../../src/evidence/change-proof-run.ts";
import {
  type CommandRequest,
  type CommandRunner,
  createCommandRunner,
} from "../../src/sandbox/run-command.ts";
import { commitAsWorker, gitAsWorker } from "../fakes/worker-commits.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

let root: string;
let repository: string;
let environment: Record<string, string>;
let baseSha: string;
/** The real runner, counting its runs. */
let runner: CommandRunner & { runs: string[] };

function git(args: string[]): Promise<string> {
  return gitAsWorker(repository, environment, args);
}

function commit(files: Record<string, string | null>): Promise<string> {
  return commitAsWorker(repository, environment, files);
}

const header = ['import { test } from "node:test";', 'import assert from "node:assert/strict";'];
const mathTest = (...tests: string[]) =>
  [...header, 'import { sum, mul } from "../src/math.js";', ...tests, ""].join("\n");
const fixedMul = "export const sum = (a, b) => a + b;\nexport const mul = (a, b) => a * b;\n";

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-change-proof-"));
  repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  environment = plainGitEnvironment(join(root, "home"));
  await git(["init", "--quiet", "--initial-branch=main"]);
  baseSha = await commit({
    "package.json": '{ "name": "math", "type": "module" }\n',
    // mul is the bug the workstream fixes.
    "src/math.js": "export const sum = (a, b) => a + b;\nexport const mul = (a, b) => a + b;\n",
    "test/sum.test.js": mathTest('test("adds", () => assert.equal(sum(1, 2), 3));'),
  });
  const real = createCommandRunner();
  const runs: string[] = [];
  runner = {
    runs,
    run(request: CommandRequest) {
      runs.push(request.cwd);
      return real.run(request);
    },
  };
});
afterEach(() => rm(root, { recursive: true, force: true }));

interface CheckUnderTest {
  command: string;
  environment: Record<string, string>;
  timeoutMs: number;
}

const nodeTest: () => CheckUnderTest = () => ({ command: "node --test", environment, timeoutMs: 60_000 });

function prove(commitSha: string, kind: ChangeKind = "change", claimId = 1, check = nodeTest()) {
  const logs = `evidence/ws1/logs/claim-${claimId}-tests_prove_change`;
  return observeChangeProof({
    kind,
    checkoutPath: repository,
    baseSha,
    commit: commitSha,
    checkCommand: check.command,
    runner,
    environment: check.environment,
    gitEnvironment: environment,
    timeoutMs: check.timeoutMs,
    runDirectory: join(root, "run"),
    cacheDirectory: join(root, "cache"),
    withoutChangeLogPath: `${logs}-without-change.log`,
    claimLogPath: `${logs}-claim.log`,
  });
}

describe("tests_prove_change on node:test", () => {
  it("accepts a fix whose new test fails on the base's code, and names that test with both outcomes", async () => {
    const claim = await commit({
      "src/math.js": fixedMul,
      "test/mul.test.js": mathTest('test("multiplies", () => assert.equal(mul(2, 3), 6));'),
    });

    const result = await prove(claim);

    expect(result.status).toBe("pass");
    expect(result.observed.tests_proving_change).toEqual([
      { name: "test/mul.test.js > multiplies", without_change: "failed", at_claim: "passed" },
    ]);
    expect(result.observed.changed_test_files).toEqual(["test/mul.test.js"]);
    expect(result.detail).toBe(
      "1 test fails without the change and passes with it: test/mul.test.js > multiplies",
    );
  });

  it.each([
    ["asserts nothing", 'test("multiplies", () => assert.ok(true));'],
    ["compares a value with itself", 'test("multiplies", () => assert.equal(mul(2, 3), mul(2, 3)));'],
    ["returns before asserting", 'test("multiplies", () => { return; assert.equal(mul(2, 3), 6); });'],
    ["checks only the type", 'test("multiplies", () => assert.equal(typeof mul(2, 3), "number"));'],
    ["tests what already worked", 'test("multiplies", () => assert.equal(sum(2, 3), 5));'],
  ])("rejects a fix whose new test %s: it passes on the base's code too", async (_name, body) => {
    const claim = await commit({ "src/math.js": fixedMul, "test/mul.test.js": mathTest(body) });

    const result = await prove(claim);

    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      "no test fails without the change: test/mul.test.js > multiplies passes on the base's code too, so it does not test the change",
    );
    expect(result.observed.tests_not_testing_change).toEqual(["test/mul.test.js > multiplies"]);
  });

  it("rejects a change with no test that fails without it, and counts a test of a new module that cannot load on the base", async () => {
    const untested = await commit({ "src/math.js": fixedMul });
    expect((await prove(untested)).detail).toBe(
      "the claim adds or changes no test, and no existing test fails without the change: nothing shows the change is tested",
    );

    const withModule = await commit({
      "src/pow.js": "export const pow = (a, b) => a ** b;\n",
      "test/pow.test.js": [
        ...header,
        'import { pow } from "../src/pow.js";',
        'test("powers", () => assert.equal(pow(2, 3), 8));',
        "",
      ].join("\n"),
    });
    const result = await prove(withModule, "change", 2);
    expect(result.status).toBe("pass");
    expect(result.observed.tests_proving_change).toEqual([
      { name: "test/pow.test.js > powers", without_change: "not run", at_claim: "passed" },
    ]);
  });

  it("a refactor passes when every test has the same outcome on both codes, and fails when one moves", async () => {
    const refactor = await commit({
      "src/math.js": "const add = (a, b) => a + b;\nexport const sum = add;\nexport const mul = add;\n",
    });
    const kept = await prove(refactor, "refactor");
    expect(kept.status).toBe("pass");
    expect(kept.detail).toBe("a refactor: all 1 test have the same outcome with and without the change");

    const moved = await commit({
      "src/math.js": "export const sum = (a, b) => a - b;\nexport const mul = (a, b) => a + b;\n",
    });
    const result = await prove(moved, "refactor", 2);
    expect(result.status).toBe("fail");
    expect(result.observed.outcomes_changed).toEqual([
      { name: "test/sum.test.js > adds", without_change: "passed", at_claim: "failed" },
    ]);
  });

  it("runs the base side once per set of test files: a re-claim that changed only source runs the check at the claim alone", async () => {
    const first = await commit({
      "src/math.js": "export const sum = (a, b) => a + b;\nexport const mul = (a, b) => a * b + 0;\n",
      "test/mul.test.js": mathTest('test("multiplies", () => assert.equal(mul(2, 3), 6));'),
    });
    await prove(first);
    expect(runner.runs).toHaveLength(2);

    const second = await commit({ "src/math.js": fixedMul });
    const result = await prove(second, "change", 2);

    expect(result.status).toBe("pass");
    expect(runner.runs).toHaveLength(3);
    expect(runner.runs[2]).toBe(repository);
    expect(result.observed.without_change).toMatchObject({ ran: true, source: "cached" });
  });

  it("lays the claim's deletions over the base too: a test the claim deleted does not run without the change", async () => {
    const claim = await commit({
      "src/math.js": fixedMul,
      "test/sum.test.js": null,
      "test/mul.test.js": mathTest('test("multiplies", () => assert.equal(mul(2, 3), 6));'),
    });

    const result = await prove(claim);

    expect(result.observed.removed_test_files).toEqual(["test/sum.test.js"]);
    expect(result.status).toBe("pass");
    expect(result.observed.tests_not_testing_change).toEqual([]);
  });
});

describe("judgeChangeProof", () => {
  const listed = (tests: [string, "passed" | "failed" | "skipped" | "todo"][]) => ({
    kind: "listed" as const,
    runners: ["node"],
    tests: tests.map(([name, status]) => ({ name, status })),
  });

  it("keeps a name's worst outcome, so a passing copy never stands in for a failing one", () => {
    const proof = judgeChangeProof({
      kind: "change",
      changedTestFiles: ["t.py"],
      withoutChange: listed([
        ["t.py::a", "passed"],
        ["t.py::a", "failed"],
      ]),
      atClaim: listed([["t.py::a", "passed"]]),
    });
    expect(proof).toMatchObject({
      kind: "judged",
      isProven: true,
      proving: [{ name: "t.py::a", withoutChange: "failed" }],
    });
  });

  it("cannot judge runs that list no tests by name", () => {
    expect(
      judgeChangeProof({
        kind: "change",
        changedTestFiles: [],
        withoutChange: { kind: "unlisted", reason: "pytest printed dots" },
        atClaim: listed([]),
      }),
    ).toEqual({
      kind: "not-judged",
      reason: "the run without the change lists no tests by name: pytest printed dots",
    });
  });
});

describe("tests_prove_change on other runners", () => {
  it("pytest (plain, read through the ledger): a test of the fix proves it, a test of what already worked does not", async () => {
    await commit({
      "calc.py": "def mul(a, b):\n    return a + b\n",
      "tests/test_add.py": "from calc import mul\n\ndef test_mul_two_twos():\n    assert mul(2, 2) == 4\n",
    });
    baseSha = await git(["rev-parse", "HEAD"]);
    const check = {
      command: "python3 -m pytest -p no:cacheprovider",
      environment: { ...environment, PYTHONDONTWRITEBYTECODE: "1" },
      timeoutMs: 60_000,
    };
    const proveWith = (commitSha: string, claimId: number) => prove(commitSha, "change", claimId, check);
    const hollow = await commit({
      "calc.py": "def mul(a, b):\n    return a * b\n",
      "tests/test_mul.py": "from calc import mul\n\ndef test_mul_by_two():\n    assert mul(2, 2) == 4\n",
    });
    const rejected = await proveWith(hollow, 1);
    expect(rejected.status).toBe("fail");
    expect(rejected.observed.tests_not_testing_change).toEqual(["tests/test_mul.py > test_mul_by_two"]);

    const real = await commit({
      "tests/test_mul.py":
        "from calc import mul\n\ndef test_mul_by_two():\n    assert mul(2, 2) == 4\n\ndef test_mul_three_by_four():\n    assert mul(3, 4) == 12\n",
    });
    const accepted = await proveWith(real, 2);
    expect(accepted.status).toBe("pass");
    expect(accepted.observed.tests_proving_change).toEqual([
      { name: "tests/test_mul.py > test_mul_three_by_four", without_change: "failed", at_claim: "passed" },
    ]);
  });

  it("cargo: an integration test of the fix proves it; one that passes on the base's code does not", async () => {
    const cargoBin = join(process.env.HOME ?? "/root", ".cargo", "bin");
    const cargoEnvironment = {
      ...environment,
      PATH: `${cargoBin}:${environment.PATH}`,
      CARGO_HOME: join(process.env.HOME ?? "/root", ".cargo"),
      RUSTUP_HOME: join(process.env.HOME ?? "/root", ".rustup"),
    };
    await commit({
      "Cargo.toml": '[package]\nname = "calc"\nversion = "0.1.0"\nedition = "2021"\n',
      "src/lib.rs": "pub fn mul(a: i64, b: i64) -> i64 {\n    a + b\n}\n",
    });
    baseSha = await git(["rev-parse", "HEAD"]);
    const check = { command: "cargo test --offline", environment: cargoEnvironment, timeoutMs: 120_000 };
    const proveWith = (commitSha: string, claimId: number) => prove(commitSha, "change", claimId, check);
    const hollow = await commit({
      "src/lib.rs": "pub fn mul(a: i64, b: i64) -> i64 {\n    a * b\n}\n",
      "tests/mul.rs": "#[test]\nfn two_by_two() {\n    assert_eq!(calc::mul(2, 2), 4);\n}\n",
    });
    const rejected = await proveWith(hollow, 1);
    expect(rejected.detail).toContain("does not test the change");
    expect(rejected.status).toBe("fail");

    const real = await commit({
      "tests/mul.rs":
        "#[test]\nfn two_by_two() {\n    assert_eq!(calc::mul(2, 2), 4);\n}\n\n#[test]\nfn three_by_four() {\n    assert_eq!(calc::mul(3, 4), 12);\n}\n",
    });
    const accepted = await proveWith(real, 2);
    expect(accepted.status).toBe("pass");
    expect((accepted.observed.tests_proving_change as { name: string }[]).map((test) => test.name)).toEqual([
      expect.stringContaining("three_by_four"),
    ]);
  }, 240_000);

  it.each([
    [
      "jest",
      '{ "name": "calc", "scripts": { "test": "jest" } }\n',
      "",
      'const { mul } = require("../src/calc.js");',
    ],
    [
      "vitest",
      '{ "name": "calc", "type": "module", "scripts": { "test": "vitest run" } }\n',
      "export default { test: { globals: true } };\n",
      'import { mul } from "../src/calc.js";',
    ],
  ])(
    "%s through npm test with its default reporter: a hollow test is named, a real one proves the fix",
    async (testRunner, packageJson, config, load) => {
      const exported = testRunner === "jest" ? "exports.mul = " : "export const mul = ";
      await commit({
        "package.json": packageJson,
        ...(config === "" ? {} : { "vitest.config.mjs": config }),
        "src/calc.js": `${exported}(a, b) => a + b;\n`,
      });
      baseSha = await git(["rev-parse", "HEAD"]);
      const binaries = join(dirname(dirname(import.meta.dirname)), "node_modules", ".bin");
      const check = {
        command: "npm test",
        environment: { ...environment, PATH: `${binaries}:${environment.PATH}`, CI: "1" },
        timeoutMs: 60_000,
      };
      const proveWith = (commitSha: string, claimId: number) => prove(commitSha, "change", claimId, check);
      const hollow = await commit({
        "src/calc.js": `${exported}(a, b) => a * b;\n`,
        "test/calc.test.js": `${load}\ntest("multiplies", () => expect(mul(2, 2)).toBe(4));\n`,
      });
      const rejected = await proveWith(hollow, 1);
      expect(rejected.status).toBe("fail");
      expect(rejected.observed.tests_not_testing_change).toEqual(["test/calc.test.js > multiplies"]);

      const real = await commit({
        "test/calc.test.js": `${load}\ntest("multiplies", () => expect(mul(2, 2)).toBe(4));\ntest("multiplies three by four", () => expect(mul(3, 4)).toBe(12));\n`,
      });
      const accepted = await proveWith(real, 2);
      expect(accepted.status).toBe("pass");
      expect(accepted.observed.tests_proving_change).toEqual([
        {
          name: "test/calc.test.js > multiplies three by four",
          without_change: "failed",
          at_claim: "passed",
        },
      ]);
    },
  );
});
