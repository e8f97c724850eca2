import { describe, expect, it } from "vitest";
import { type DiffScopeFinding, judgeDiffScope } from "../../src/evidence/diff-scope.ts";
import {
  type ChangedFile,
  type DiffScopeObservation,
  defaultDiffScopeLimits,
} from "../../src/evidence/diff-scope-observation.ts";
import { classifyPath } from "../../src/evidence/file-roles.ts";
import { lineChanges } from "../../src/evidence/line-changes.ts";

const baseSha = "a".repeat(40);
const commitSha = "b".repeat(40);

/** A changed file with its text on each side; null means absent on that side. */
function changed(
  path: string,
  base: string | null,
  commit: string | null,
  previousPath: string | null = null,
): ChangedFile {
  const lines = lineChanges(base ?? "", commit ?? "");
  return {
    path,
    previousPath,
    status: base === null ? "added" : commit === null ? "deleted" : previousPath ? "renamed" : "modified",
    addedLines: lines.added.length,
    removedLines: lines.removed.length,
    base: base === null ? { kind: "absent" } : { kind: "text", text: base },
    commit: commit === null ? { kind: "absent" } : { kind: "text", text: commit },
  };
}

/** A source file as the observation leaves it: known by path and counts, not read. */
function source(path: string, addedLines = 3, removedLines = 1): ChangedFile {
  return {
    path,
    previousPath: null,
    status: "modified",
    addedLines,
    removedLines,
    base: { kind: "not-read" },
    commit: { kind: "not-read" },
  };
}

function judge(
  files: ChangedFile[],
  options: { checkCommand?: string; packageJsonAtBase?: string } = {},
): ReturnType<typeof judgeDiffScope> {
  const observation: DiffScopeObservation = {
    baseSha,
    requestedBase: baseSha,
    commit: commitSha,
    checkCommand: options.checkCommand ?? "npm test",
    files,
    packageJsonAtBase: options.packageJsonAtBase ?? null,
    limits: defaultDiffScopeLimits,
  };
  return judgeDiffScope(observation);
}

function findingsOf(files: ChangedFile[], options?: Parameters<typeof judge>[1]): DiffScopeFinding[] {
  return judge(files, options).observed.findings as DiffScopeFinding[];
}

const sumTest = `import { expect, it } from "vitest";
import { sum } from "../src/sum.ts";

it("adds two numbers", () => {
  expect(sum(1, 2)).toBe(3);
});

it("adds negatives", () => {
  expect(sum(-1, -2)).toBe(-3);
  expect(sum(-1, 1)).toBe(0);
});
`;

describe("no source change", () => {
  it("fails a change of test stubs alone", () => {
    const result = judge([changed("test/sum.test.ts", null, 'it.todo("sums");\n')]);
    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      '2 findings: only tests changed: 1 test file, no source; test/sum.test.ts adds `it.todo` in `it.todo("sums");`',
    );
  });

  it("names every kind of file that changed instead of source", () => {
    expect(
      findingsOf([
        changed("test/sum.test.ts", sumTest, `${sumTest}\n// more later\n`),
        changed("docs/usage.md", "# usage\n", "# usage\nmore\n"),
        changed("README.md", "# x\n", "# y\n"),
        changed("tsconfig.json", "{}\n", '{ "strict": true }\n'),
      ]),
    ).toEqual([
      {
        kind: "no-source-change",
        file: null,
        detail: "only tests and docs and config changed: 1 test file, 2 doc files, 1 config file, no source",
      },
    ]);
  });

  it("fails when the claimed commit is the base", () => {
    expect(judge([]).detail).toBe(
      `no change between the base ${baseSha.slice(0, 12)} and the claimed commit ${commitSha.slice(0, 12)}`,
    );
  });

  it.each([
    ["src/sum.ts"],
    ["lib/parser.py"],
    ["cmd/tool/main.go"],
    ["src/main/java/App.java"],
    ["scripts/release.sh"],
    ["Dockerfile"],
  ])("counts %s as source", (path) => {
    expect(judge([source(path)]).status).toBe("pass");
  });

  it.each([
    ["test/helpers.ts"],
    ["src/__tests__/sum.ts"],
    ["pkg/sum_test.go"],
    ["tests/test_sum.py"],
    ["app/sum_test.py"],
    ["src/test/java/AppTest.java"],
    ["src/main/java/SumTest.java"],
    ["tests/integration.rs"],
    ["spec/sum_spec.rb"],
    ["docs/api/sum.ts"],
    ["CHANGELOG"],
    ["requirements.txt"],
    [".github/workflows/ci.yml"],
    ["vitest.config.ts"],
  ])("does not count %s as source", (path) => {
    expect(judge([changed(path, "one\n", "two\n")]).observed.findings).toEqual([
      expect.objectContaining({ kind: "no-source-change" }),
    ]);
  });
});

describe("an honest change", () => {
  it("passes with source and a new test, and says what source changed", () => {
    const result = judge([
      source("src/sum.ts", 4, 1),
      changed(
        "test/sum.test.ts",
        sumTest,
        `${sumTest}\nit("adds zero", () => {\n  expect(sum(0, 0)).toBe(0);\n});\n`,
      ),
    ]);
    expect(result).toEqual({
      id: "diff_scope",
      status: "pass",
      detail:
        "source changed: src/sum.ts (+4 -1); 1 test file changed, no test lost, skipped, weakened or excluded",
      observed: {
        base: baseSha,
        commit: commitSha,
        changed_file_count: 2,
        changed_files: [
          {
            path: "src/sum.ts",
            previous_path: null,
            status: "modified",
            role: "source",
            added_lines: 4,
            removed_lines: 1,
          },
          {
            path: "test/sum.test.ts",
            previous_path: null,
            status: "modified",
            role: "test",
            added_lines: 3,
            removed_lines: 0,
          },
        ],
        source_files: ["src/sum.ts"],
        tests_at_base: 2,
        tests_at_commit: 3,
        findings: [],
      },
    });
  });

  it("passes when tests move to another file, an existing skip included", () => {
    const withSkip = `it("a", () => { expect(1 + 1).toBe(2); });\nit.skip("b", () => { expect(f()).toBe(1); });\n`;
    expect(
      findingsOf([
        source("src/f.ts"),
        changed("test/old.test.ts", withSkip, null),
        changed("test/new/first.test.ts", null, `it("a", () => { expect(1 + 1).toBe(2); });\n`),
        changed("test/new/second.test.ts", null, `  it.skip("b", () => { expect(f()).toBe(1); });\n`),
      ]),
    ).toEqual([]);
  });

  it("passes a renamed test file that keeps its tests", () => {
    expect(
      findingsOf([source("src/sum.ts"), changed("test/add.test.ts", sumTest, sumTest, "test/sum.test.ts")]),
    ).toEqual([]);
  });
});

describe("tests deleted or renamed away", () => {
  it("reports each lost JS test with its file", () => {
    const fewer = sumTest.replace(/it\("adds negatives"[\s\S]*$/, "");
    expect(findingsOf([source("src/sum.ts"), changed("test/sum.test.ts", sumTest, fewer)])).toEqual([
      {
        kind: "test-deleted",
        file: "test/sum.test.ts",
        detail: "test 'adds negatives' deleted from test/sum.test.ts (or renamed away)",
      },
    ]);
  });

  it("counts a deleted test file for all its tests", () => {
    expect(findingsOf([source("src/sum.ts"), changed("test/sum.test.ts", sumTest, null)])).toEqual([
      {
        kind: "test-deleted",
        file: "test/sum.test.ts",
        detail: "test/sum.test.ts deleted, and with it 2 tests: 'adds two numbers', 'adds negatives'",
      },
    ]);
  });

  it("counts a commented-out test as deleted", () => {
    const commented = sumTest.replace(
      'it("adds two numbers", () => {\n  expect(sum(1, 2)).toBe(3);\n});',
      (text) =>
        text
          .split("\n")
          .map((line) => `// ${line}`)
          .join("\n"),
    );
    expect(findingsOf([source("src/sum.ts"), changed("test/sum.test.ts", sumTest, commented)])).toEqual([
      {
        kind: "test-deleted",
        file: "test/sum.test.ts",
        detail: "test 'adds two numbers' deleted from test/sum.test.ts (or renamed away)",
      },
    ]);
  });

  it("reports a renamed test, and one of two tests with the same name", () => {
    const twice = `describe("a", () => { it("works", () => { expect(a()).toBe(1); }); });\ndescribe("b", () => { it("works", () => { expect(b()).toBe(2); }); });\n`;
    const once = `describe("a", () => { it("works", () => { expect(a()).toBe(1); }); });\ndescribe("b", () => { it("runs", () => { expect(b()).toBe(2); }); });\n`;
    expect(findingsOf([source("src/a.ts"), changed("test/a.test.ts", twice, once)])).toEqual([
      {
        kind: "test-deleted",
        file: "test/a.test.ts",
        detail: "test 'works' deleted from test/a.test.ts (or renamed away)",
      },
    ]);
  });

  it.each([
    [
      "Python",
      "tests/test_sum.py",
      "def test_adds():\n    assert add(1, 2) == 3\n\ndef test_negatives():\n    assert add(-1, -2) == -3\n",
      "def test_adds():\n    assert add(1, 2) == 3\n",
      "test_negatives",
    ],
    [
      "Go",
      "sum/sum_test.go",
      'package sum\n\nfunc TestAdds(t *testing.T) {\n\tif Sum(1, 2) != 3 {\n\t\tt.Errorf("bad")\n\t}\n}\n\nfunc TestNegatives(t *testing.T) {\n\tif Sum(-1, -2) != -3 {\n\t\tt.Errorf("bad")\n\t}\n}\n',
      'package sum\n\nfunc TestAdds(t *testing.T) {\n\tif Sum(1, 2) != 3 {\n\t\tt.Errorf("bad")\n\t}\n}\n',
      "TestNegatives",
    ],
    [
      "Rust, inline in a source file",
      "src/lib.rs",
      "pub fn sum(a: i32, b: i32) -> i32 { a + b }\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn adds() { assert_eq!(sum(1, 2), 3); }\n    #[test]\n    fn negatives() { assert_eq!(sum(-1, -2), -3); }\n}\n",
      "pub fn sum(a: i32, b: i32) -> i32 { a + b }\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn adds() { assert_eq!(sum(1, 2), 3); }\n}\n",
      "negatives",
    ],
    [
      "Java",
      "src/test/java/SumTest.java",
      "class SumTest {\n  @Test\n  void adds() { assertEquals(3, Sum.of(1, 2)); }\n\n  @Test\n  public void negatives() { assertEquals(-3, Sum.of(-1, -2)); }\n}\n",
      "class SumTest {\n  @Test\n  void adds() { assertEquals(3, Sum.of(1, 2)); }\n}\n",
      "negatives",
    ],
  ])("finds a deleted %s test", (_language, path, base, commit, name) => {
    expect(findingsOf([source("src/other.ts"), changed(path, base, commit)])).toEqual([
      { kind: "test-deleted", file: path, detail: `test '${name}' deleted from ${path} (or renamed away)` },
    ]);
  });
});

describe("skipped, todo and focused tests", () => {
  it.each([
    ["JS it.skip", "test/a.test.ts", 'it.skip("adds", () => {', "it.skip"],
    ["JS describe.only", "test/a.test.ts", 'describe.only("sum", () => {', "describe.only"],
    ["JS test.todo", "test/a.test.ts", 'test.todo("later");', "test.todo"],
    ["JS xit", "test/a.test.ts", 'xit("adds", () => {', "xit("],
    ["node:test option", "test/a.test.js", 'test("adds", { skip: "flaky" }, () => {', 'test("adds", { skip:'],
    ["node:test t.skip()", "test/a.test.js", 't.skip("not on CI");', "t.skip("],
    ["mocha this.skip()", "test/a.spec.js", "this.skip();", "this.skip("],
    ["pytest mark", "tests/test_a.py", '@pytest.mark.skip(reason="flaky")', "pytest.mark.skip"],
    ["pytest xfail", "tests/test_a.py", "@pytest.mark.xfail", "pytest.mark.xfail"],
    ["pytest.skip()", "tests/test_a.py", '    pytest.skip("later")', "pytest.skip("],
    ["unittest", "tests/test_a.py", '@unittest.skip("later")', "unittest.skip"],
    ["Go t.Skip", "a/a_test.go", '\tt.Skip("flaky")', ".Skip("],
    ["Rust #[ignore]", "tests/a.rs", "#[ignore]", "#[ignore"],
    ["JUnit @Disabled", "src/test/java/ATest.java", "  @Disabled", "@Disabled"],
    ["JUnit 4 @Ignore", "src/test/java/ATest.java", "  @Ignore", "@Ignore"],
  ])("reports an added %s", (_name, path, line, marker) => {
    expect(findingsOf([source("src/a.ts"), changed(path, "\n", `${line}\n`)])).toEqual([
      { kind: "test-skipped", file: path, detail: `${path} adds \`${marker}\` in \`${line.trim()}\`` },
    ]);
  });

  it("ignores markers in comments and strings, and `skip: false`", () => {
    const added = [
      '// it.skip("x") is not allowed here',
      'test("adds", { skip: false }, () => {});',
      'test("skip: only when offline", () => {});',
      "const fixture = `",
      '  it.skip("planted in a fixture", () => {});',
      "  expect(true).toBe(true);",
      "`;",
      'const message = "use it.only( sparingly";',
    ].join("\n");
    expect(findingsOf([source("src/a.ts"), changed("test/a.test.js", "", added)])).toEqual([]);
  });
});

describe("assertions weakened", () => {
  it("reports fewer assertions in a file that keeps its tests, with the numbers", () => {
    const weaker = sumTest.replace("  expect(sum(-1, 1)).toBe(0);\n", "");
    expect(findingsOf([source("src/sum.ts"), changed("test/sum.test.ts", sumTest, weaker)])).toEqual([
      {
        kind: "assertions-weakened",
        file: "test/sum.test.ts",
        detail: "test/sum.test.ts has fewer assertions: 3 at the base, 2 at the claimed commit",
      },
    ]);
  });

  it("counts a commented-out assertion as removed", () => {
    const weaker = sumTest.replace("  expect(sum(-1, 1))", "  // expect(sum(-1, 1))");
    expect(findingsOf([source("src/sum.ts"), changed("test/sum.test.ts", sumTest, weaker)])).toEqual([
      expect.objectContaining({ kind: "assertions-weakened", file: "test/sum.test.ts" }),
    ]);
  });

  it("reports a real assertion replaced by one that cannot fail", () => {
    const trivial = sumTest.replace("expect(sum(1, 2)).toBe(3);", "expect(true).toBe(true);");
    expect(findingsOf([source("src/sum.ts"), changed("test/sum.test.ts", sumTest, trivial)])).toEqual([
      {
        kind: "trivial-assertion",
        file: "test/sum.test.ts",
        detail: "test/sum.test.ts adds an assertion that cannot fail: `expect(true).toBe(true);`",
      },
    ]);
  });

  it.each([
    [
      "tests/test_a.py",
      "def test_a():\n    assert add(1, 2) == 3\n    assert add(0, 0) == 0\n",
      "def test_a():\n    assert add(1, 2) == 3\n",
    ],
    [
      "a/a_test.go",
      'func TestA(t *testing.T) {\n\tif A() != 1 {\n\t\tt.Errorf("got %d", A())\n\t}\n\tif B() != 2 {\n\t\tt.Fatal("b")\n\t}\n}\n',
      'func TestA(t *testing.T) {\n\tif A() != 1 {\n\t\tt.Errorf("got %d", A())\n\t}\n}\n',
    ],
  ])("reports fewer assertions in %s", (path, base, commit) => {
    expect(findingsOf([source("src/a.ts"), changed(path, base, commit)])).toEqual([
      {
        kind: "assertions-weakened",
        file: path,
        detail: `${path} has fewer assertions: 2 at the base, 1 at the claimed commit`,
      },
    ]);
  });

  it.each([
    ["assert.ok(true);"],
    ["assert.equal(1, 1);"],
    ["expect(1).toBe(1);"],
    ["expect(true).toBeTruthy();"],
    ["    assert True"],
    ["    self.assertTrue(True)"],
    ["assertTrue(true);"],
    ["assert_eq!(1, 1);"],
    ["\tassert.True(t, true)"],
  ])("reports `%s` as an assertion that cannot fail", (line) => {
    expect(findingsOf([source("src/a.ts"), changed("test/a.test.js", "", `${line}\n`)])).toEqual([
      expect.objectContaining({ kind: "trivial-assertion", file: "test/a.test.js" }),
    ]);
  });

  it.each([["expect(sum(1, 2)).toBe(3);"], ["assert.equal(true, isValid(x));"], ["assert add(1, 1) == 2"]])(
    "does not call `%s` trivial",
    (line) => {
      expect(findingsOf([source("src/a.ts"), changed("test/a.test.js", "", `${line}\n`)])).toEqual([]);
    },
  );
});

describe("tests excluded from the run", () => {
  const packageJson = (test: string, extra = "") =>
    `{\n  "name": "sum",\n  "scripts": {\n    "test": ${JSON.stringify(test)}${extra}\n  }\n}\n`;

  it("reports package.json's test script replaced", () => {
    expect(
      findingsOf([
        source("src/sum.ts"),
        changed("package.json", packageJson("vitest run"), packageJson("echo ok")),
      ]),
    ).toEqual([
      {
        kind: "tests-excluded",
        file: "package.json",
        detail: "package.json scripts.test changed from `vitest run` to `echo ok`",
      },
    ]);
  });

  it("follows the check command through the scripts it runs", () => {
    const base = packageJson(
      "vitest run",
      ',\n    "check": "npm run lint && npm run test:unit",\n    "test:unit": "vitest run test/unit"',
    );
    const commit = base.replace("vitest run test/unit", "vitest run test/unit/smoke.test.ts");
    expect(
      findingsOf([source("src/sum.ts"), changed("package.json", base, commit)], {
        checkCommand: "npm run check",
      }),
    ).toEqual([
      {
        kind: "tests-excluded",
        file: "package.json",
        detail:
          "package.json scripts.test:unit changed from `vitest run test/unit` to `vitest run test/unit/smoke.test.ts`",
      },
    ]);
  });

  it("leaves other package.json changes alone", () => {
    const base = packageJson("vitest run");
    const commit = base.replace('"name": "sum",', '"name": "sum",\n  "dependencies": { "zod": "^4" },');
    expect(findingsOf([source("src/sum.ts"), changed("package.json", base, commit)])).toEqual([]);
  });

  it("reports a new pretest hook but not a test script where there was none", () => {
    const base = '{ "name": "sum", "scripts": { "build": "tsc" } }\n';
    const commit =
      '{ "name": "sum", "scripts": { "build": "tsc", "test": "vitest run", "pretest": "rm -rf test" } }\n';
    expect(findingsOf([source("src/sum.ts"), changed("package.json", base, commit)])).toEqual([
      {
        kind: "tests-excluded",
        file: "package.json",
        detail: "package.json adds scripts.pretest: `rm -rf test`",
      },
    ]);
  });

  it("reports an edit to a script file the test script runs", () => {
    const packageJsonAtBase = packageJson("bash scripts/run-tests.sh");
    expect(
      findingsOf([source("src/sum.ts"), changed("scripts/run-tests.sh", "vitest run\n", "exit 0\n")], {
        packageJsonAtBase,
      }),
    ).toEqual([
      {
        kind: "tests-excluded",
        file: "scripts/run-tests.sh",
        detail: "the check command runs scripts/run-tests.sh, which this change edits (+1 -1)",
      },
    ]);
  });

  it.each([
    [
      "vitest.config.ts",
      'export default defineConfig({ test: { include: ["test/**/*.test.ts"] } });\n',
      'export default defineConfig({\n  test: {\n    include: ["test/**/*.test.ts"],\n    exclude: ["test/sum.test.ts"],\n  },\n});\n',
      'vitest.config.ts changes test selection: `-export default defineConfig({ test: { include: ["test/**/*.test.ts"] } });` `+include: ["test/**/*.test.ts"],` `+exclude: ["test/sum.test.ts"],`',
    ],
    [
      "jest.config.js",
      "module.exports = {};\n",
      'module.exports = {\n  testPathIgnorePatterns: ["/slow/"],\n};\n',
      'jest.config.js changes test selection: `+testPathIgnorePatterns: ["/slow/"],`',
    ],
    [
      ".mocharc.yml",
      "spec: test/**/*.spec.js\n",
      "spec: test/smoke.spec.js\n",
      ".mocharc.yml changes test selection: `-spec: test/**/*.spec.js` `+spec: test/smoke.spec.js`",
    ],
    [
      "pyproject.toml",
      '[project]\nname = "sum"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
      '[project]\nname = "sum"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\naddopts = "-k \'not slow\'"\n',
      "pyproject.toml changes [tool.pytest.ini_options]: `+addopts = \"-k 'not slow'\"`",
    ],
    [
      "Cargo.toml",
      '[package]\nname = "sum"\n',
      '[package]\nname = "sum"\nautotests = false\n',
      "Cargo.toml changes which Rust tests build: `+autotests = false`",
    ],
    [".gitignore", "node_modules/\n", "node_modules/\ntests/\n", ".gitignore ignores test paths: `+tests/`"],
    [
      ".npmrc",
      "save-exact=true\n",
      "save-exact=true\nscript-shell=./tools/sh\n",
      ".npmrc changes how the package manager runs the check: `+script-shell=./tools/sh`",
    ],
  ])("reports a selection change in %s", (path, base, commit, detail) => {
    expect(findingsOf([source("src/sum.ts"), changed(path, base, commit)])).toEqual([
      { kind: "tests-excluded", file: path, detail },
    ]);
  });

  it("leaves a pyproject change outside the pytest section alone", () => {
    const base = '[project]\nname = "sum"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n';
    expect(
      findingsOf([source("src/sum.py"), changed("pyproject.toml", base, base.replace('"sum"', '"summer"'))]),
    ).toEqual([]);
  });

  it("reports a Go build constraint added to a test file", () => {
    const base = "package sum\n\nfunc TestAdds(t *testing.T) {}\n";
    expect(
      findingsOf([
        source("sum/sum.go"),
        changed("sum/sum_test.go", base, `//go:build integration\n\n${base}`),
      ]),
    ).toEqual([
      {
        kind: "tests-excluded",
        file: "sum/sum_test.go",
        detail:
          "sum/sum_test.go adds the build constraint `//go:build integration`, so `go test` without that tag skips it",
      },
    ]);
  });

  it("reports a conftest.py that stops pytest collecting tests", () => {
    expect(
      findingsOf([source("sum.py"), changed("conftest.py", "", 'collect_ignore = ["tests/test_slow.py"]\n')]),
    ).toEqual([
      {
        kind: "tests-excluded",
        file: "conftest.py",
        detail: 'conftest.py changes which tests pytest collects: `collect_ignore = ["tests/test_slow.py"]`',
      },
    ]);
  });

  it("reports a test file renamed to a name the runner does not collect", () => {
    expect(
      findingsOf([source("src/sum.ts"), changed("test/sum.ts", sumTest, sumTest, "test/sum.test.ts")]),
    ).toEqual([
      {
        kind: "tests-excluded",
        file: "test/sum.ts",
        detail: "test/sum.test.ts renamed to test/sum.ts, a name test runners do not collect",
      },
    ]);
  });
});

describe("files the gate could not read", () => {
  it("fails on a test file too large to inspect", () => {
    const file: ChangedFile = { ...changed("test/big.test.ts", sumTest, null), status: "modified" };
    file.commit = { kind: "too-large", bytes: 3 * 1024 * 1024 };
    expect(findingsOf([source("src/sum.ts"), file])).toEqual([
      {
        kind: "not-inspected",
        file: "test/big.test.ts",
        detail:
          "test/big.test.ts is 3 MB, over the 1 MB this gate reads, so its tests could not be checked at the claimed commit",
      },
    ]);
  });
});

describe("the detail line", () => {
  it("summarizes several findings, the first three spelled out", () => {
    const result = judge([
      changed("test/a.test.ts", 'it("x", () => { expect(a()).toBe(1); });\n', null),
      changed("test/b.test.ts", "", 'it.skip("y", () => {});\n'),
      changed("package.json", '{"scripts":{"test":"vitest run"}}', '{"scripts":{"test":"echo ok"}}'),
    ]);
    expect(result.detail).toBe(
      "4 findings: only tests and config changed: 2 test files, 1 config file, no source; test/a.test.ts deleted, and with it test 'x'; test/b.test.ts adds `it.skip` in `it.skip(\"y\", () => {});`; and 1 more",
    );
  });
});

describe("diff_scope on programs the claim brings in place of the toolchain", () => {
  function findingsOf(files: ChangedFile[]): DiffScopeFinding[] {
    return (judge([source("src/math.js"), ...files]).observed.findings as DiffScopeFinding[]) ?? [];
  }

  it("fails a committed node_modules shim, a toolchain-named program in bin/ and a Python start-up hook", () => {
    expect(
      findingsOf([
        changed("node_modules/.bin/node", null, '#!/bin/sh\nexec /usr/bin/node "$@" | sed s/fail/pass/\n'),
        changed("tools/bin/python3", null, "#!/bin/sh\n"),
        changed("src/sitecustomize.py", null, "import unittest\n"),
      ]),
    ).toEqual([
      {
        kind: "toolchain-replaced",
        file: "node_modules/.bin/node",
        detail:
          "node_modules/.bin/node is installed code committed under node_modules: the check, build and CI commands would load or run it in place of the real package",
      },
      {
        kind: "toolchain-replaced",
        file: "tools/bin/python3",
        detail:
          "tools/bin/python3 is a program named like the toolchain's `python3`: a command that puts tools/bin on its PATH would run it instead",
      },
      {
        kind: "toolchain-replaced",
        file: "src/sitecustomize.py",
        detail:
          "src/sitecustomize.py is a Python start-up hook: it runs inside every Python process, the test runner's included",
      },
    ]);
  });

  it("leaves a project's own scripts in bin/, fixtures and removed shims alone", () => {
    expect(
      findingsOf([
        changed("bin/release", null, "#!/bin/sh\n"),
        changed("test/fixtures/app/node_modules/left-pad/index.js", null, "module.exports = 1;\n"),
        changed("node_modules/.bin/node", "#!/bin/sh\n", null),
      ]),
    ).toEqual([]);
  });
});

describe("which files are tests", () => {
  it("counts what node --test collects by default as tests, whatever folder they sit in", () => {
    expect(
      ["test-mul.js", "lib/test.mjs", "src/test-utils.ts", "src/testing.js", "src/contest.js"].map((path) => [
        path,
        classifyPath(path),
      ]),
    ).toEqual([
      ["test-mul.js", "test"],
      ["lib/test.mjs", "test"],
      ["src/test-utils.ts", "test"],
      ["src/testing.js", "source"],
      ["src/contest.js", "source"],
    ]);
  });
});

describe("diff_scope on expectations an existing test changed", () => {
  const base = `test("mul", () => {\n  assert.equal(mul(2, 3), 6);\n  expect(mul(0, 5)).toBe(0);\n});\n`;

  it("fails a test whose expected value or matcher was changed to fit the code", () => {
    const fitted = base.replace("assert.equal(mul(2, 3), 6)", "assert.equal(mul(2, 3), 5)");
    const loosened = base.replace("expect(mul(0, 5)).toBe(0)", "expect(mul(0, 5)).toBeDefined()");
    expect(findingsOf([source("src/mul.js"), changed("test/mul.test.js", base, fitted)])).toEqual([
      {
        kind: "expectation-changed",
        file: "test/mul.test.js",
        detail:
          "test/mul.test.js changes what an existing test expects: `assert.equal(mul(2, 3), 6);` became `assert.equal(mul(2, 3), 5);`; a person or the review gate must approve it",
      },
    ]);
    expect(
      findingsOf([source("src/mul.js"), changed("test/mul.test.js", base, loosened)]).map(
        (finding) => finding.kind,
      ),
    ).toEqual(["expectation-changed"]);
  });

  it("passes a rename that keeps every expectation, and assertions only added", () => {
    const renamed = base.replaceAll("mul(", "multiply(");
    const extended = base.replace("});\n", "  assert.equal(mul(4, 4), 16);\n});\n");
    expect(findingsOf([source("src/mul.js"), changed("test/mul.test.js", base, renamed)])).toEqual([]);
    expect(findingsOf([source("src/mul.js"), changed("test/mul.test.js", base, extended)])).toEqual([]);
  });
});

describe("diff_scope on source that rewrites the test framework", () => {
  it("fails a module that disarms node:assert or unittest, and passes ordinary use of assert", () => {
    const findings = judge([
      changed(
        "src/mul.js",
        "module.exports = (a, b) => a * b;\n",
        'const assert = require("node:assert");\nassert.equal = () => {};\nmodule.exports = (a, b) => a + b;\n',
      ),
      changed(
        "lib/calc.py",
        "def mul(a, b):\n    return a * b\n",
        "import unittest\nunittest.TestCase.assertEqual = lambda *a: None\ndef mul(a, b):\n    return a + b\n",
      ),
      changed(
        "src/guard.js",
        "",
        'const assert = require("node:assert");\nassert.equal(typeof x, "number");\n',
      ),
    ]).observed.findings;
    expect(findings).toEqual([
      {
        kind: "test-framework-patched",
        file: "src/mul.js",
        detail:
          "src/mul.js rewrites the test framework or assertion library from the code under test: `assert.equal = () => {};`",
      },
      {
        kind: "test-framework-patched",
        file: "lib/calc.py",
        detail:
          "lib/calc.py rewrites the test framework or assertion library from the code under test: `unittest.TestCase.assertEqual = lambda *a: None`",
      },
    ]);
  });
});
