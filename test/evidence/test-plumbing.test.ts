import { describe, expect, it } from "vitest";
import { type DiffScopeFinding, judgeDiffScope } from "../../src/evidence/diff-scope.ts";
import {
  type ChangedFile,
  type DiffScopeObservation,
  defaultDiffScopeLimits,
} from "../../src/evidence/diff-scope-observation.ts";
import { lineChanges } from "../../src/evidence/line-changes.ts";
import { testPlumbing } from "../../src/evidence/test-plumbing.ts";

const baseSha = "a".repeat(40);
const commitSha = "b".repeat(40);

/** A changed file with its text on each side; null means absent on that side. */
function changed(path: string, base: string | null, commit: string | null): ChangedFile {
  const lines = lineChanges(base ?? "", commit ?? "");
  return {
    path,
    previousPath: null,
    status: base === null ? "added" : commit === null ? "deleted" : "modified",
    addedLines: lines.added.length,
    removedLines: lines.removed.length,
    base: base === null ? { kind: "absent" } : { kind: "text", text: base },
    commit: commit === null ? { kind: "absent" } : { kind: "text", text: commit },
  };
}

interface Claim {
  files: ChangedFile[];
  /** Root runner configs at the claimed commit, changed or not. */
  configs?: Record<string, string>;
  checkCommand?: string;
  packageJsonAtBase?: string;
}

function observation(claim: Claim): DiffScopeObservation {
  return {
    baseSha,
    requestedBase: baseSha,
    commit: commitSha,
    checkCommand: claim.checkCommand ?? "npm test",
    files: claim.files,
    packageJsonAtBase: claim.packageJsonAtBase ?? null,
    runnerConfigs: new Map(Object.entries(claim.configs ?? {})),
    limits: defaultDiffScopeLimits,
  };
}

function judge(claim: Claim, isReviewed = false) {
  return judgeDiffScope(observation(claim), undefined, { isReviewed });
}

/** The plumbing findings of a claim, as file and hook. */
function plumbingOf(claim: Claim): { file: string | null; hook: string | undefined }[] {
  return (judge(claim).observed.findings as DiffScopeFinding[])
    .filter((finding) => finding.kind === "test-plumbing-changed")
    .map(({ file, hook }) => ({ file, hook }));
}

const source = (path: string) =>
  changed(path, "def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a + b\n");

const forcingConftest = `import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        report.outcome = "passed"
`;

describe("pytest and unittest", () => {
  it("fails a conftest.py added in tests/ whose hook forces outcomes, naming the hook", () => {
    const claim = { files: [source("calc.py"), changed("tests/conftest.py", null, forcingConftest)] };
    const result = judge(claim);
    expect(result.status).toBe("fail");
    expect(plumbingOf(claim)).toEqual([{ file: "tests/conftest.py", hook: "pytest_runtest_makereport" }]);
    expect(result.detail).toMatchInlineSnapshot(
      `"tests/conftest.py defines the pytest hook \`pytest_runtest_makereport\`: it runs inside pytest around the tests and can change what the run collects or reports. Code that runs inside the test process around the tests is test selection, not a test: this change needs the approval of a person (\`supervise approve … --waive diff_scope\`); if the goal does not need it, take it out of the claim."`,
    );
    expect(result.observed.test_plumbing).toEqual([
      { file: "tests/conftest.py", hook: "pytest_runtest_makereport" },
    ]);
  });

  it("names only the hooks a change touches in an existing conftest, and autouse fixtures", () => {
    const base = `import pytest\n\n\ndef pytest_configure(config):\n    config.addinivalue_line("markers", "slow")\n`;
    const commit = `${base}\n\n@pytest.fixture(autouse=True)\ndef quiet(monkeypatch):\n    monkeypatch.setattr("calc.add", lambda a, b: 3)\n\n\ndef pytest_collection_modifyitems(items):\n    items[:] = [item for item in items if "slow" not in item.name]\n`;
    expect(plumbingOf({ files: [source("calc.py"), changed("conftest.py", base, commit)] })).toEqual([
      { file: "conftest.py", hook: "autouse fixture quiet" },
      { file: "conftest.py", hook: "pytest_collection_modifyitems" },
    ]);
  });

  it("leaves an unchanged conftest and an ordinary fixture beside it alone", () => {
    const base = `import pytest\n\n\n@pytest.fixture\ndef numbers():\n    return [1, 2]\n`;
    const commit = `${base}\n\n@pytest.fixture\ndef more_numbers():\n    return [3, 4]\n`;
    const claim = {
      files: [
        source("calc.py"),
        changed("tests/conftest.py", base, commit),
        changed(
          "tests/test_calc.py",
          null,
          "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
        ),
      ],
    };
    expect(plumbingOf(claim)).toEqual([]);
    expect(judge(claim).status).toBe("pass");
  });

  it("follows -p in pytest's addopts and pytest_plugins to the plugin a claim changes", () => {
    const plugin = "def pytest_report_teststatus(report, config):\n    return None\n";
    const claim = {
      files: [
        source("calc.py"),
        changed("support/outcomes.py", "X = 1\n", `X = 1\n\n\n${plugin}`),
        changed("tools/extra.py", null, "VALUE = 2\n"),
        changed("tests/conftest.py", "", 'pytest_plugins = ["tools.extra"]\n'),
      ],
      configs: { "pytest.ini": "[pytest]\naddopts = -q\n    -p support.outcomes\n" },
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "support/outcomes.py", hook: "pytest_report_teststatus" },
      { file: "tests/conftest.py", hook: "conftest.py" },
      { file: "support/outcomes.py", hook: "-p support.outcomes" },
      { file: "tools/extra.py", hook: "pytest_plugins tools.extra" },
    ]);
  });

  it("reads -p from pyproject's addopts array and the check command, but not -p no:…", () => {
    const claim = {
      files: [
        source("calc.py"),
        changed("plugins/forcing.py", "A = 1\n", "A = 2\n"),
        changed("helpers/late.py", "B = 1\n", "B = 2\n"),
      ],
      configs: {
        "pyproject.toml":
          '[tool.pytest.ini_options]\naddopts = ["-q", "-p", "plugins.forcing"]\n\n[tool.black]\nline-length = 100\n',
      },
      checkCommand: "python3 -m pytest -p no:cacheprovider -p helpers.late",
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "plugins/forcing.py", hook: "-p plugins.forcing" },
      { file: "helpers/late.py", hook: "-p helpers.late" },
    ]);
  });

  it("names unittest's load_tests protocol", () => {
    const loadTests = "def load_tests(loader, tests, pattern):\n    return unittest.TestSuite()\n";
    const claim = {
      files: [
        source("calc.py"),
        changed("tests/test_calc.py", "import unittest\n", `import unittest\n\n\n${loadTests}`),
      ],
    };
    expect(plumbingOf(claim)).toEqual([{ file: "tests/test_calc.py", hook: "load_tests" }]);
  });
});

describe("jest, vitest, mocha and node preloads", () => {
  const sumSource = changed(
    "src/sum.js",
    "export const sum = (a, b) => a - b;\n",
    "export const sum = (a, b) => a + b;\n",
  );

  it("follows jest's setupFilesAfterEnv in an unchanged config to the setup file a claim changes", () => {
    const claim = {
      files: [sumSource, changed("test/setup.js", "", "expect.extend({ toBe: () => ({ pass: true }) });\n")],
      configs: {
        "jest.config.js": `module.exports = {\n  testEnvironment: "node",\n  setupFilesAfterEnv: [\n    "<rootDir>/test/setup.js",\n  ],\n};\n`,
      },
    };
    expect(plumbingOf(claim)).toEqual([{ file: "test/setup.js", hook: "jest setupFilesAfterEnv" }]);
  });

  it("names a change to jest's keys in package.json and the reporter it adds", () => {
    const before = JSON.stringify({
      name: "sum",
      scripts: { test: "jest" },
      jest: { testEnvironment: "node" },
    });
    const after = JSON.stringify({
      name: "sum",
      scripts: { test: "jest" },
      jest: { testEnvironment: "node", reporters: ["./quiet-reporter.js"], testRunner: "./runner.js" },
    });
    const claim = {
      files: [
        sumSource,
        changed("package.json", before, after),
        changed("quiet-reporter.js", null, "module.exports = class {};\n"),
      ],
      packageJsonAtBase: before,
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "package.json", hook: "jest testRunner" },
      { file: "package.json", hook: "jest reporters" },
      { file: "quiet-reporter.js", hook: "jest reporters" },
    ]);
  });

  it("names vitest's setupFiles added to its config, and the file", () => {
    const before = `import { defineConfig } from "vitest/config";\nexport default defineConfig({ test: { include: ["test/**/*.test.ts"] } });\n`;
    const after = `import { defineConfig } from "vitest/config";\nexport default defineConfig({\n  test: {\n    include: ["test/**/*.test.ts"],\n    setupFiles: ["./test/setup.ts"],\n  },\n});\n`;
    const claim = {
      files: [
        sumSource,
        changed("vitest.config.ts", before, after),
        changed("test/setup.ts", null, 'import { vi } from "vitest";\nvi.spyOn(console, "error");\n'),
      ],
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "vitest.config.ts", hook: "vitest setupFiles" },
      { file: "test/setup.ts", hook: "vitest setupFiles" },
    ]);
  });

  it("names a file required by .mocharc.yml and its mocha root hooks", () => {
    const hooks =
      "exports.mochaHooks = {\n  afterEach() {\n    this.currentTest.state = 'passed';\n  },\n};\n";
    const claim = {
      files: [
        sumSource,
        changed(
          ".mocharc.yml",
          "spec: test/**/*.spec.js\n",
          "spec: test/**/*.spec.js\nrequire:\n  - ./test/hooks.js\n",
        ),
        changed("test/hooks.js", null, hooks),
      ],
    };
    expect(plumbingOf(claim)).toEqual([
      { file: ".mocharc.yml", hook: "mocha require" },
      { file: "test/hooks.js", hook: "mocha require" },
      { file: "test/hooks.js", hook: "mochaHooks" },
    ]);
  });

  it("names a node --import preload the npm test script gains, and NODE_OPTIONS in a script", () => {
    const before = JSON.stringify({ scripts: { test: "node --test" } });
    const after = JSON.stringify({
      scripts: { test: "NODE_OPTIONS='--require ./test/quiet.cjs' node --import ./test/preload.mjs --test" },
    });
    const claim = {
      files: [
        sumSource,
        changed("package.json", before, after),
        changed("test/preload.mjs", null, 'import assert from "node:assert";\nassert.equal = () => {};\n'),
        changed("test/quiet.cjs", null, "process.exitCode = 0;\n"),
      ],
      packageJsonAtBase: before,
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "test/quiet.cjs", hook: "--require" },
      { file: "package.json", hook: "--require" },
      { file: "test/preload.mjs", hook: "--import" },
      { file: "package.json", hook: "--import" },
      { file: "test/preload.mjs", hook: "assert.equal" },
    ]);
  });

  it("follows a preload named by the plan's check command", () => {
    const claim = {
      files: [sumSource, changed("setup/preload.mjs", "export {};\n", "globalThis.done = true;\n")],
      checkCommand: "node --import=./setup/preload.mjs --test",
    };
    expect(plumbingOf(claim)).toEqual([{ file: "setup/preload.mjs", hook: "--import" }]);
  });
});

describe("Go and Rust", () => {
  it("names a TestMain a claim adds to a _test.go file", () => {
    const testMain =
      'package calc\n\nimport (\n\t"os"\n\t"testing"\n)\n\nfunc TestMain(m *testing.M) {\n\tm.Run()\n\tos.Exit(0)\n}\n';
    const claim = {
      files: [
        changed("calc.go", "package calc\n", "package calc\n\nfunc Add(a, b int) int { return a + b }\n"),
        changed("main_test.go", null, testMain),
      ],
    };
    expect(plumbingOf(claim)).toEqual([{ file: "main_test.go", hook: "TestMain" }]);
  });

  it("leaves a _test.go file whose TestMain is unchanged alone", () => {
    const base = 'package calc\n\nimport "testing"\n\nfunc TestMain(m *testing.M) {\n\tm.Run()\n}\n';
    const claim = {
      files: [
        changed(
          "calc_test.go",
          base,
          `${base}\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("no")\n\t}\n}\n`,
        ),
      ],
    };
    expect(
      testPlumbing({
        files: claim.files,
        configs: new Map(),
        scriptBodies: [],
        checkCommand: "go test ./...",
      }),
    ).toEqual([]);
  });

  it("names a test file's new init, a vendored package edit and a new go.mod replace, and leaves an unchanged init alone", () => {
    const goMod = "module example.com/calc\n\ngo 1.19\n\nrequire example.com/check v1.0.0\n";
    const init = 'package calc\n\nimport "os"\n\nfunc init() {\n\tos.Setenv("TZ", "UTC")\n}\n';
    const claim = {
      files: [
        source("calc.go"),
        changed(
          "flags_test.go",
          null,
          init.replace('os.Setenv("TZ", "UTC")', 'os.Args = append(os.Args, "-test.run=^TestAdd$")'),
        ),
        changed("tz_test.go", init, `${init}\nfunc TestZone(t *testing.T) {}\n`),
        changed("vendor/example.com/check/check.go", "package check\n", "package check\n\nfunc Equal() {}\n"),
        changed("vendor/example.com/check/more.go", "package check\n", "package check\n\nfunc More() {}\n"),
        changed(
          "go.mod",
          goMod,
          `${goMod}\nreplace (\n\texample.com/check v1.0.0 => ./lenient // no failures\n)\n`,
        ),
      ],
      checkCommand: "go test ./...",
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "flags_test.go", hook: "init" },
      { file: "vendor/example.com/check/check.go", hook: "vendor" },
      { file: "go.mod", hook: "replace" },
    ]);
  });

  it("names the preload npm's node-options in an .npmrc loads, and nothing for an unchanged one", () => {
    const claim = {
      files: [
        source("src/sum.js"),
        changed(".npmrc", "fund=false\n", "fund=false\nnode-options = --import ./setup/skip.mjs\n"),
        changed("setup/skip.mjs", null, "export {};\n"),
      ],
    };
    expect(plumbingOf(claim)).toEqual([{ file: "setup/skip.mjs", hook: "node-options --import" }]);
    const unchanged = {
      files: [source("src/sum.js")],
      configs: { ".npmrc": "node-options=--import ./setup/skip.mjs\n" },
    };
    expect(plumbingOf(unchanged)).toEqual([]);
  });

  it("names a cargo config runner, the script it starts, and a macro_rules! that shadows assert_eq", () => {
    const claim = {
      files: [
        changed(
          ".cargo/config.toml",
          null,
          '[target.\'cfg(unix)\']\nrunner = "./tools/run.sh"\n\n[env]\nRUST_TEST_THREADS = "1"\n',
        ),
        changed("tools/run.sh", null, 'exec "$@" --skip slow\n'),
        changed(
          "src/lib.rs",
          "pub fn add() {}\n",
          "pub fn add() {}\n#[cfg(test)]\nmod tests {\n    macro_rules! assert_eq {\n        ($($t:tt)*) => {};\n    }\n}\n",
        ),
      ],
      checkCommand: "cargo test",
    };
    expect(plumbingOf(claim)).toEqual([
      { file: ".cargo/config.toml", hook: "cargo runner" },
      { file: "tools/run.sh", hook: "cargo runner" },
      { file: ".cargo/config.toml", hook: "cargo env" },
      { file: "src/lib.rs", hook: "macro_rules! assert_eq" },
    ]);
  });

  it("follows a package's jest config through a shared config two requires away, resolving <rootDir> at the package", () => {
    const claim = {
      files: [
        source("packages/app/src/sum.js"),
        changed("packages/app/test/setup.js", "", "beforeEach(() => {});\n"),
      ],
      configs: {
        "packages/app/jest.config.js":
          'const shared = require("../../config/jest.shared");\nmodule.exports = { ...shared };\n',
        "config/jest.shared.js": 'module.exports = { ...require("./jest.setup.cjs") };\n',
        "config/jest.setup.cjs": 'module.exports = { setupFilesAfterEnv: ["<rootDir>/test/setup.js"] };\n',
      },
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "packages/app/test/setup.js", hook: "jest setupFilesAfterEnv" },
    ]);
  });

  it("names a changed TestMain body, and a changed harness = false test under an unchanged manifest", () => {
    const base = 'package calc\n\nimport "testing"\n\nfunc TestMain(m *testing.M) {\n\tm.Run()\n}\n';
    const manifest =
      '[package]\nname = "calc"\n\n[[test]]\nname = "outcomes"\npath = "tests/custom/outcomes.rs"\nharness = false\n';
    const claim = {
      files: [
        changed("calc_test.go", base, base.replace("\tm.Run()", "\t_ = m.Run()\n\tos.Exit(0)")),
        changed("tests/custom/outcomes.rs", "fn main() {}\n", 'fn main() {\n    println!("ok");\n}\n'),
      ],
      configs: { "Cargo.toml": manifest },
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "calc_test.go", hook: "TestMain" },
      { file: "tests/custom/outcomes.rs", hook: "harness = false" },
    ]);
  });

  it("names harness = false in Cargo.toml, the target's file, and a custom test runner", () => {
    const manifest = '[package]\nname = "calc"\nversion = "0.1.0"\n';
    const claim = {
      files: [
        changed("Cargo.toml", manifest, `${manifest}\n[[test]]\nname = "outcomes"\nharness = false\n`),
        changed("tests/outcomes.rs", null, 'fn main() {\n    println!("test result: ok. 5 passed");\n}\n'),
        changed(
          "src/lib.rs",
          "pub fn add() {}\n",
          "#![feature(custom_test_frameworks)]\n#![test_runner(crate::run)]\npub fn add() {}\n",
        ),
      ],
    };
    expect(plumbingOf(claim)).toEqual([
      { file: "Cargo.toml", hook: "harness = false" },
      { file: "tests/outcomes.rs", hook: "harness = false" },
      { file: "src/lib.rs", hook: "custom_test_frameworks" },
    ]);
  });
});

describe("honest claims and approval", () => {
  it("passes a claim that adds an ordinary test and no plumbing", () => {
    const claim = {
      files: [
        changed(
          "src/sum.js",
          "export const sum = (a, b) => a - b;\n",
          "export const sum = (a, b) => a + b;\n",
        ),
        changed(
          "test/sum.test.js",
          null,
          'import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { sum } from "../src/sum.js";\n\ntest("adds", () => {\n  assert.equal(sum(1, 2), 3);\n});\n',
        ),
      ],
      configs: { "package.json": JSON.stringify({ scripts: { test: "node --test" } }) },
      packageJsonAtBase: JSON.stringify({ scripts: { test: "node --test" } }),
    };
    const result = judge(claim);
    expect(result.status).toBe("pass");
    expect(result.observed.test_plumbing).toBeUndefined();
  });

  it("lets the review gate approve plumbing: the gate passes and says what the reviewer must approve", () => {
    const claim = { files: [source("calc.py"), changed("tests/conftest.py", null, forcingConftest)] };
    const result = judge(claim, true);
    expect(result.status).toBe("pass");
    expect(result.detail).toMatch(
      /^for the review gate to approve: tests\/conftest.py defines the pytest hook `pytest_runtest_makereport`.*needs the approval of the review gate \(or a person\).*; source changed: calc.py \(\+1 -1\); 0 test files changed/,
    );
  });

  it("keeps failing under review when a finding the reviewer cannot approve is beside the plumbing", () => {
    const claim = {
      files: [
        source("calc.py"),
        changed("tests/conftest.py", null, forcingConftest),
        changed("tests/test_calc.py", "def test_add():\n    assert add(1, 2) == 3\n", null),
      ],
    };
    expect(judge(claim, true).status).toBe("fail");
  });
});
