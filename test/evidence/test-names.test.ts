import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  listingAdvice,
  parseTestNames,
  readTestListing,
  type TestListing,
  type TestOutcome,
  type TestStatus,
} from "../../src/evidence/test-names.ts";

/** Output recorded by running each tool on this machine; the test projects are described below. */
const recorded = (name: string) =>
  readFileSync(new URL(`../fixtures/test-output-names/${name}.txt`, import.meta.url), "utf8");

const outcomes = (...rows: [TestStatus, string][]): TestOutcome[] =>
  rows.map(([status, name]) => ({ name, status }));
const listed = (runner: string, tests: TestOutcome[]): TestListing => ({
  kind: "listed",
  runners: [runner],
  tests,
});

// node:test project: test/a.test.js (adds, fails, skip, two todos, a describe with a nested
// describe, a test with two subtests, two tests named alike) and test/b.test.js (adds, b only).
const nodeProject = outcomes(
  ["passed", "adds"],
  ["failed", "fails"],
  ["skipped", "skipped"],
  ["todo", "todo one"],
  ["todo", "todo two"],
  ["passed", "math suite > inner passes"],
  ["failed", "math suite > inner fails"],
  ["passed", "math suite > deeper > deepest"],
  ["passed", "parent test > child one"],
  ["passed", "parent test > child two"],
  ["passed", "same name"],
  ["passed", "same name"],
  ["passed", "adds"],
  ["passed", "b only"],
);
// The edge project: a file that does not load, todo with a reason, a failing todo, `#` and
// parentheses in names, a name that starts with spaces.
const nodeEdges = (brokenFile: string) =>
  outcomes(
    ["failed", brokenFile],
    ["todo", "todo msg"],
    ["todo", "todo failing"],
    ["passed", "has # hash and (parens)"],
    ["skipped", "skip msg"],
    ["passed", "slow (1ms) name"],
    ["passed", "  leading space"],
  );
// The vitest project mirrors the node one, plus `has > arrow` and test.each.
const vitestProject = outcomes(
  ["passed", "test/a.test.js > adds"],
  ["failed", "test/a.test.js > fails"],
  ["skipped", "test/a.test.js > skipped"],
  ["todo", "test/a.test.js > todo two"],
  ["passed", "test/a.test.js > math suite > inner passes"],
  ["passed", "test/a.test.js > math suite > deeper > deepest"],
  ["passed", "test/a.test.js > same name"],
  ["passed", "test/a.test.js > same name"],
  ["passed", "test/a.test.js > has > arrow"],
  ["passed", "test/a.test.js > each 1"],
  ["passed", "test/a.test.js > each 2"],
  ["passed", "test/b.test.js > adds"],
  ["passed", "test/b.test.js > b only"],
);
const goProject = [
  ["passed", "example.com/widget/calc > TestAdd"],
  ["failed", "example.com/widget/calc > TestFails"],
  ["skipped", "example.com/widget/calc > TestSkip"],
  ["passed", "example.com/widget/calc > TestTable/one"],
  ["failed", "example.com/widget/calc > TestTable/two_words"],
  ["passed", "example.com/widget/calc > TestTable/nested/deep"],
  ["passed", "example.com/widget/calc > TestShared"],
  ["passed", "example.com/widget/words > TestShared"],
  ["passed", "example.com/widget/words > TestParallel/a"],
  ["passed", "example.com/widget/words > TestParallel/b"],
] as [TestStatus, string][];
const sorted = (tests: readonly TestOutcome[]) =>
  [...tests].sort((a, b) => a.name.localeCompare(b.name) || a.status.localeCompare(b.status));

describe("readTestListing on recorded output", () => {
  it.each([
    // node 24 `--test`: spec is the default; the `✖ failing tests:` recap is not read twice.
    ["node-spec", listed("node:test", nodeProject)],
    ["node-tap", listed("tap", nodeProject)],
    // node 20 prints TAP by default when not on a terminal; its spec closes suites the same way.
    ["node20-tap", listed("tap", nodeProject)],
    ["node20-spec", listed("node:test", nodeProject)],
    ["node-spec-edge", listed("node:test", nodeEdges("test/broken.test.js"))],
    ["node-tap-edge", listed("tap", nodeEdges("test/broken.test.js"))],
    // node 20 names a file that failed to load by its absolute path.
    ["node20-spec-edge", listed("node:test", nodeEdges("/tmp/tn-samples/node2/test/broken.test.js"))],
    // vitest 5: --reporter=verbose lists `file > suite > test`; tree lists every file's tests.
    ["vitest-verbose", listed("vitest", vitestProject)],
    ["vitest-tree", listed("vitest", vitestProject)],
    // jest 30 --verbose: the same project without `has > arrow`.
    [
      "jest-verbose",
      listed(
        "jest",
        outcomes(
          ["passed", "test/a.test.js > adds"],
          ["failed", "test/a.test.js > fails"],
          ["passed", "test/a.test.js > same name"],
          ["passed", "test/a.test.js > same name"],
          ["passed", "test/a.test.js > each 1"],
          ["passed", "test/a.test.js > each 2"],
          ["skipped", "test/a.test.js > skipped"],
          ["todo", "test/a.test.js > todo two"],
          ["passed", "test/a.test.js > math suite > inner passes"],
          ["passed", "test/a.test.js > math suite > deeper > deepest"],
          ["passed", "test/b.test.js > adds"],
          ["passed", "test/b.test.js > b only"],
        ),
      ),
    ],
    // jest lists a single file's tests without --verbose.
    [
      "jest-single-file",
      listed("jest", outcomes(["passed", "test/b.test.js > adds"], ["passed", "test/b.test.js > b only"])),
    ],
    // pytest 9 -v: xfail is todo; a test that passed and then errored in teardown failed.
    [
      "pytest-v",
      listed(
        "pytest",
        outcomes(
          ["passed", "tests/test_a.py::test_adds"],
          ["failed", "tests/test_a.py::test_fails"],
          ["skipped", "tests/test_a.py::test_skipped"],
          ["todo", "tests/test_a.py::test_xfail"],
          ["passed", "tests/test_a.py::test_param[1]"],
          ["passed", "tests/test_a.py::test_param[2]"],
          ["passed", "tests/test_a.py::test_param[a b]"],
          ["passed", "tests/test_a.py::TestGroup::test_inner"],
          ["failed", "tests/test_a.py::test_teardown_error"],
          ["passed", "tests/test_b.py::test_adds"],
        ),
      ),
    ],
    // -q -rA: the summary names every test but the skipped one, which it names by line only.
    [
      "pytest-q-ra",
      listed(
        "pytest",
        outcomes(
          ["passed", "tests/test_a.py::test_adds"],
          ["passed", "tests/test_a.py::test_param[1]"],
          ["passed", "tests/test_a.py::test_param[2]"],
          ["passed", "tests/test_a.py::test_param[a b]"],
          ["passed", "tests/test_a.py::TestGroup::test_inner"],
          ["failed", "tests/test_a.py::test_teardown_error"],
          ["passed", "tests/test_b.py::test_adds"],
          ["todo", "tests/test_a.py::test_xfail"],
          ["failed", "tests/test_a.py::test_fails"],
        ),
      ),
    ],
    // go 1.19 -v over three packages (one without tests): subtests, not their parents.
    ["go-v", listed("go test", outcomes(...goProject))],
    // cargo 1.95 --no-fail-fast: unit, integration and doc tests; a doc test's line number is dropped.
    [
      "cargo-no-fail-fast",
      listed(
        "cargo test",
        outcomes(
          ["passed", "src/lib.rs (rs) > tests::adds"],
          ["skipped", "src/lib.rs (rs) > tests::ignored"],
          ["passed", "src/lib.rs (rs) > tests::nested::deep"],
          ["failed", "src/lib.rs (rs) > tests::fails"],
          ["passed", "rs: tests/it.rs (it) > adds"],
          ["passed", "doc-tests rs > src/lib.rs - add"],
        ),
      ),
    ],
    // cargo 1.95, a workspace of crates alpha and beta, each with unit tests (one #[ignore]d), a
    // tests/it.rs and doc tests (two examples on alpha's add): same-named tests stay apart.
    [
      "cargo-workspace",
      listed(
        "cargo test",
        outcomes(
          ["skipped", "src/lib.rs (alpha) > tests::slow"],
          ["passed", "src/lib.rs (alpha) > tests::adds"],
          ["passed", "alpha: tests/it.rs (it) > adds"],
          ["skipped", "src/lib.rs (beta) > tests::slow"],
          ["passed", "src/lib.rs (beta) > tests::adds"],
          ["passed", "beta: tests/it.rs (it) > adds"],
          ["passed", "doc-tests alpha > alpha/src/lib.rs - add (example 2)"],
          ["passed", "doc-tests alpha > alpha/src/lib.rs - add"],
          ["passed", "doc-tests beta > beta/src/lib.rs - add"],
        ),
      ),
    ],
  ])("%s", (name, expected) => {
    expect(readTestListing(recorded(name))).toEqual(expected);
  });

  it("reads go test -json events, parents dropped", () => {
    const listing = readTestListing(recorded("go-json"));
    expect(listing.kind === "listed" && sorted(listing.tests)).toEqual(sorted(outcomes(...goProject)));
  });

  it("lists what a cargo run stopped at its first failing binary ran: fewer tests to keep at a base, never more", () => {
    const listing = readTestListing(recorded("cargo-fail-fast"));
    expect(listing.kind).toBe("listed");
    expect(listing.kind === "listed" && listing.tests.some((test) => test.status === "failed")).toBe(true);
  });

  it.each([
    [
      "vitest-default",
      "vitest's default reporter lists no test of a file whose tests all passed (test/b.test.js); run vitest with --reporter=verbose",
    ],
    ["jest-default", "jest lists no test of test/a.test.js when several files run; run jest with --verbose"],
    ["pytest-default", "pytest lists tests only when verbose; run pytest with -v (or -rA)"],
    ["go-plain", "go test prints only failing tests; run it with -v (or -json)"],
    // The cargo workspace with alpha's unit test failing, run with -q.
    ["cargo-quiet", "cargo test printed no `test … ok` line; leave out --format terse and -q"],
    // The dot reporter's recap of failures names some tests, never all: not a listing.
    ["node-dot", `it has no per-test lines of a runner supervise reads; ${listingAdvice}`],
  ])("%s lists no tests, and says how to make it", (name, reason) => {
    expect(readTestListing(recorded(name))).toEqual({ kind: "unlisted", reason });
    expect(parseTestNames(recorded(name))).toBeNull();
  });
});

describe("readTestListing on written output", () => {
  it("joins the tests of several runners in one output", () => {
    const output = "✔ adds (1ms)\nrunning 1 test\ntest tests::it ... ok\n";
    expect(readTestListing(output)).toEqual({
      kind: "listed",
      runners: ["node:test", "cargo test"],
      tests: outcomes(["passed", "adds"], ["passed", "tests::it"]),
    });
  });

  it("lists nothing, and all, for a run of no tests", () => {
    expect(readTestListing("ℹ tests 0\nℹ pass 0\nℹ fail 0\n")).toEqual({
      kind: "listed",
      runners: ["node:test"],
      tests: [],
    });
  });

  it("reads Python's unittest -v, old and new ids, docstrings, skips and expected failures", () => {
    const output = [
      "test_adds (test_sum.SumTest.test_adds) ... ok",
      "test_negatives (test_sum.SumTest) ... FAIL",
      "test_documented (test_sum.SumTest.test_documented)",
      "Adds with a docstring. ... ok",
      "test_later (test_sum.SumTest.test_later) ... skipped 'not yet'",
      "test_known (test_sum.SumTest.test_known) ... expected failure",
      "",
      "----------------------------------------------------------------------",
      "Ran 5 tests in 0.001s",
      "",
      "FAILED (failures=1, skipped=1, expected failures=1)",
    ].join("\n");
    expect(readTestListing(output)).toEqual({
      kind: "listed",
      runners: ["unittest"],
      tests: outcomes(
        ["passed", "test_sum.SumTest.test_adds"],
        ["failed", "test_sum.SumTest.test_negatives"],
        ["passed", "test_sum.SumTest.test_documented"],
        ["skipped", "test_sum.SumTest.test_later"],
        ["todo", "test_sum.SumTest.test_known"],
      ),
    });
    expect(readTestListing("..\n------\nRan 2 tests in 0.000s\n\nOK\n")).toEqual({
      kind: "unlisted",
      reason: "unittest lists tests only when verbose; run it with -v",
    });
  });

  it("refuses output whose middle the runner cut", () => {
    expect(readTestListing("✔ adds (1ms)\n[… 70000 bytes elided …]\n✔ b (1ms)\n")).toEqual({
      kind: "unlisted",
      reason: "the output was cut in the middle, so some tests' lines are missing: read the full log",
    });
  });

  it("names the runner whose counts it saw without names", () => {
    expect(readTestListing("Tests:       3 passed, 3 total\n")).toEqual({
      kind: "unlisted",
      reason: `it shows jest counts (3 passed, 0 failed) but no per-test lines; ${listingAdvice}`,
    });
  });

  it("says so when nothing is a runner's output", () => {
    expect(readTestListing("sh: 1: vitest: not found\n")).toEqual({
      kind: "unlisted",
      reason: `it has no per-test lines of a runner supervise reads; ${listingAdvice}`,
    });
  });

  it("does not read go's package line as TAP", () => {
    const output = "=== RUN   TestA\n--- PASS: TestA (0.00s)\nPASS\nok  \texample.com/a\t0.01s\n";
    expect(parseTestNames(output)).toEqual(outcomes(["passed", "example.com/a > TestA"]));
  });

  it("keeps a TAP test without subtest headers, and unescapes its name", () => {
    expect(
      parseTestNames("TAP version 13\nok 1 - a \\# b\nnot ok 2 - c # TODO later\nok 3 # SKIP\n"),
    ).toEqual(outcomes(["passed", "a # b"], ["todo", "c"], ["skipped", ""]));
  });

  it("strips colours", () => {
    expect(parseTestNames("\x1b[32m✔\x1b[39m adds \x1b[90m(1.5ms)\x1b[39m\n")).toEqual(
      outcomes(["passed", "adds"]),
    );
  });

  it("keeps the duration-like end of a skipped vitest test's name", () => {
    expect(parseTestNames(" ↓ a.test.ts > waits 5ms\n ✓ a.test.ts > runs 5ms 3ms\n")).toEqual(
      outcomes(["skipped", "a.test.ts > waits 5ms"], ["passed", "a.test.ts > runs 5ms"]),
    );
  });
});

describe("readTestListing on cargo output that does not add up", () => {
  const workspace = recorded("cargo-workspace");

  it("calls a binary whose names fall short of its `running N tests` unlisted", () => {
    // A test printing under --nocapture splits its own `test … ok` line.
    const split = workspace.replace("test tests::adds ... ok", "test tests::adds ... hello\nok");
    expect(readTestListing(split)).toEqual({
      kind: "unlisted",
      reason:
        "cargo test's src/lib.rs (alpha) binary said it was running 2 tests but named 1, so its listing is partial; run cargo test without --nocapture and read the full log",
    });
  });

  it("calls a binary whose names disagree with its result line unlisted", () => {
    const miscounted = workspace.replace(
      "test result: ok. 1 passed; 0 failed; 1 ignored",
      "test result: ok. 2 passed; 0 failed; 0 ignored",
    );
    expect(readTestListing(miscounted)).toMatchObject({
      kind: "unlisted",
      reason: expect.stringContaining("its result line counts 2 passed, 0 failed and 0 ignored"),
    });
  });

  it("keeps a doc test's name when an edit above it moves its line", () => {
    const moved = workspace.replaceAll("(line 3)", "(line 13)").replaceAll("(line 9)", "(line 19)");
    expect(readTestListing(moved)).toEqual(readTestListing(workspace));
  });

  it("numbers a binary label seen twice", () => {
    const output = [
      "     Running tests/it.rs (target/debug/deps/it-f8d07b311ad491a6)",
      "running 1 test",
      "test adds ... ok",
      "     Running tests/it.rs (target/debug/deps/it-390f508321d159e5)",
      "running 1 test",
      "test adds ... FAILED",
    ].join("\n");
    expect(parseTestNames(output)).toEqual(
      outcomes(["passed", "tests/it.rs (it) > adds"], ["failed", "tests/it.rs (it) #2 > adds"]),
    );
  });
});
