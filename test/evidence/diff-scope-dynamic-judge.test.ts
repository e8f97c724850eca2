import { describe, expect, it } from "vitest";
import {
  type DiffScopeFinding,
  judgeDiffScope,
  type TestRunEvidence,
} from "../../src/evidence/diff-scope.ts";
import {
  type ChangedFile,
  type DiffScopeObservation,
  defaultDiffScopeLimits,
} from "../../src/evidence/diff-scope-observation.ts";
import type { TestOutcome, TestStatus } from "../../src/evidence/test-names.ts";
import {
  compareTestOutcomes,
  judgeTestRuns,
  type TestComparison,
  type TestRun,
} from "../../src/evidence/test-run-comparison.ts";

const baseSha = "a".repeat(40);
const commitSha = "b".repeat(40);

const outcomes = (...rows: [TestStatus, string][]): TestOutcome[] =>
  rows.map(([status, name]) => ({ name, status }));

function ran(
  sha: string,
  tests: TestOutcome[] | string,
  overrides: Partial<TestRun & { kind: "ran" }> = {},
): TestRun {
  return {
    kind: "ran",
    sha,
    command: "npm test",
    exitCode: 0,
    signal: null,
    durationMs: 120,
    log: `evidence/ws1/logs/claim-1-diff_scope-${sha === baseSha ? "base" : "claim"}.log`,
    source: "ran",
    listing:
      typeof tests === "string"
        ? { kind: "unlisted", reason: tests }
        : { kind: "listed", runners: ["node:test"], tests },
    ...overrides,
  } as TestRun;
}

describe("compareTestOutcomes", () => {
  it.each<[string, TestOutcome[], TestOutcome[], TestComparison]>([
    [
      "every base pass still passes; new and renamed-in tests do not matter",
      outcomes(["passed", "a"], ["passed", "b"], ["failed", "c"]),
      outcomes(["passed", "b"], ["passed", "a"], ["passed", "new"], ["failed", "c"]),
      { lost: [], broken: [], fixed: [], keptCount: 2 },
    ],
    [
      "a passing test that no longer runs is lost",
      outcomes(["passed", "a"], ["passed", "b"]),
      outcomes(["passed", "a"]),
      { lost: [{ name: "b", count: 1 }], broken: [], fixed: [], keptCount: 1 },
    ],
    [
      "a passing test that now fails, skips or is todo is broken, with what it became",
      outcomes(["passed", "a"], ["passed", "b"], ["passed", "c"]),
      outcomes(["failed", "a"], ["skipped", "b"], ["todo", "c"]),
      {
        lost: [],
        broken: [
          { name: "a", status: "failed", count: 1 },
          { name: "b", status: "skipped", count: 1 },
          { name: "c", status: "todo", count: 1 },
        ],
        fixed: [],
        keptCount: 0,
      },
    ],
    [
      "tests that failed or were skipped at the base may go",
      outcomes(["failed", "a"], ["skipped", "b"], ["todo", "c"], ["passed", "d"]),
      outcomes(["passed", "d"]),
      { lost: [], broken: [], fixed: [], keptCount: 1 },
    ],
    [
      "names repeat: two passes need two passes, one shortfall broken, one lost",
      outcomes(["passed", "same"], ["passed", "same"], ["passed", "same"]),
      outcomes(["passed", "same"], ["failed", "same"]),
      {
        lost: [{ name: "same", count: 1 }],
        broken: [{ name: "same", status: "failed", count: 1 }],
        fixed: [],
        keptCount: 1,
      },
    ],
    [
      "a test that failed at the base and passes now is fixed, as far as the claim's passes exceed the base's",
      outcomes(["failed", "a"], ["failed", "same"], ["passed", "same"], ["failed", "still"]),
      outcomes(["passed", "a"], ["passed", "same"], ["passed", "same"], ["failed", "still"]),
      {
        lost: [],
        broken: [],
        fixed: [
          { name: "a", base: "failed", claim: "passed", count: 1 },
          { name: "same", base: "failed", claim: "passed", count: 1 },
        ],
        keptCount: 1,
      },
    ],
    [
      "no tests at the base: nothing to lose",
      [],
      outcomes(["failed", "x"]),
      { lost: [], broken: [], fixed: [], keptCount: 0 },
    ],
  ])("%s", (_, base, claim, expected) => {
    expect(compareTestOutcomes(base, claim)).toEqual(expected);
  });
});

describe("judgeTestRuns", () => {
  it("compares two listed runs and reports counts, names and logs", () => {
    const verdict = judgeTestRuns(
      ran(baseSha, outcomes(["passed", "a"], ["passed", "b"], ["passed", "c"])),
      ran(commitSha, outcomes(["passed", "a"], ["failed", "b"]), { exitCode: 1 }),
    );
    expect(verdict).toEqual({
      kind: "compared",
      comparison: {
        lost: [{ name: "c", count: 1 }],
        broken: [{ name: "b", status: "failed", count: 1 }],
        fixed: [],
        keptCount: 1,
      },
      observed: {
        base: {
          commit: baseSha,
          command: "npm test",
          source: "ran",
          exit_code: 0,
          duration_ms: 120,
          log: "evidence/ws1/logs/claim-1-diff_scope-base.log",
          runners: ["node:test"],
          counts: { passed: 3, failed: 0, skipped: 0, todo: 0 },
        },
        claim: {
          commit: commitSha,
          command: "npm test",
          source: "ran",
          exit_code: 1,
          duration_ms: 120,
          log: "evidence/ws1/logs/claim-1-diff_scope-claim.log",
          runners: ["node:test"],
          counts: { passed: 1, failed: 1, skipped: 0, todo: 0 },
        },
        kept_test_count: 1,
        lost_test_count: 1,
        lost_tests: [{ name: "c", count: 1 }],
        broken_test_count: 1,
        broken_tests: [{ name: "b", status: "failed", count: 1 }],
      },
    });
  });

  const listedRun = (sha: string) => ran(sha, outcomes(["passed", "a"]));
  it.each<[string, TestRun, TestRun, string]>([
    [
      "the base lists no tests",
      ran(baseSha, "pytest lists tests only when verbose; run pytest with -v (or -rA)", { exitCode: 1 }),
      listedRun(commitSha),
      "`npm test` at the base aaaaaaaaaaaa exited 1 and listed no tests by name: pytest lists tests only when verbose; run pytest with -v (or -rA)",
    ],
    [
      "neither lists tests",
      ran(baseSha, "go test prints only failing tests; run it with -v (or -json)"),
      ran(commitSha, "go test prints only failing tests; run it with -v (or -json)"),
      "`npm test` at the base aaaaaaaaaaaa exited 0 and listed no tests by name (nor at the claimed commit): go test prints only failing tests; run it with -v (or -json)",
    ],
    [
      "the base lists tests, local_check's output of the claim does not",
      listedRun(baseSha),
      ran(commitSha, "jest lists no test of a.test.js when several files run; run jest with --verbose", {
        source: "local_check",
        exitCode: null,
      }),
      "local_check's output of `npm test` at the claimed commit bbbbbbbbbbbb listed no tests by name: jest lists no test of a.test.js when several files run; run jest with --verbose",
    ],
    [
      "the base did not run",
      {
        kind: "not-run",
        sha: baseSha,
        command: "npm test",
        reason: "it timed out after 600000 ms",
        log: null,
      },
      listedRun(commitSha),
      "the check command did not run at the base aaaaaaaaaaaa: it timed out after 600000 ms",
    ],
    [
      "the claim did not run",
      listedRun(baseSha),
      {
        kind: "not-run",
        sha: commitSha,
        command: "npm test",
        reason: "the checkout is at cccccccccccc, not the claimed commit",
        log: null,
      },
      "the check command did not run at the claimed commit bbbbbbbbbbbb: the checkout is at cccccccccccc, not the claimed commit",
    ],
  ])("an error when %s", (_, base, claim, detail) => {
    const verdict = judgeTestRuns(base, claim);
    expect(verdict.kind).toBe("error");
    expect(verdict.kind === "error" && verdict.detail).toBe(detail);
  });
});

describe("judgeDiffScope with test runs", () => {
  const sourceChange: ChangedFile = {
    path: "src/sum.js",
    previousPath: null,
    status: "modified",
    addedLines: 2,
    removedLines: 1,
    base: { kind: "not-read" },
    commit: { kind: "not-read" },
  };
  const observation = (files: ChangedFile[] = [sourceChange]): DiffScopeObservation => ({
    baseSha,
    requestedBase: baseSha,
    commit: commitSha,
    checkCommand: "npm test",
    files,
    packageJsonAtBase: null,
    limits: defaultDiffScopeLimits,
  });
  const compared = (base: TestOutcome[], claim: TestOutcome[]): TestRunEvidence =>
    judgeTestRuns(ran(baseSha, base), ran(commitSha, claim));

  it("passes when every base pass still passes, and says how many", () => {
    const result = judgeDiffScope(
      observation(),
      compared(outcomes(["passed", "a"], ["passed", "b"]), outcomes(["passed", "a"], ["passed", "b"])),
    );
    expect(result.status).toBe("pass");
    expect(result.detail).toBe(
      "source changed: src/sum.js (+2 -1); 0 test files changed, no test lost, skipped, weakened or excluded; 2 tests that passed at the base still pass",
    );
  });

  it("fails on lost and broken tests, naming a few and counting the rest", () => {
    const base = outcomes(
      ["passed", "a"],
      ["passed", "b"],
      ["passed", "c"],
      ["passed", "d"],
      ["passed", "e"],
      ["passed", "same"],
      ["passed", "same"],
    );
    const result = judgeDiffScope(
      observation(),
      compared(base, outcomes(["failed", "e"], ["skipped", "same"])),
    );
    expect(result.status).toBe("fail");
    expect(result.observed.findings).toEqual([
      {
        kind: "test-lost",
        file: null,
        detail:
          '5 tests that passed at the base did not run at the claimed commit (deleted, renamed, excluded, or their file no longer runs): "a", "b", "c" and 2 more',
      },
      {
        kind: "test-broken",
        file: null,
        detail: '2 tests that passed at the base no longer pass: "e" failed, "same" skipped',
      },
    ] satisfies DiffScopeFinding[]);
    expect(result.detail).toBe(
      '2 findings: 5 tests that passed at the base did not run at the claimed commit (deleted, renamed, excluded, or their file no longer runs): "a", "b", "c" and 2 more; 2 tests that passed at the base no longer pass: "e" failed, "same" skipped',
    );
  });

  it("errs, saying the runs were not compared, when the diff finds nothing: no lost test is unproven", () => {
    const evidence = judgeTestRuns(ran(baseSha, "no lines"), ran(commitSha, outcomes(["passed", "a"])));
    const result = judgeDiffScope(observation(), evidence);
    expect(result.status).toBe("error");
    expect(result.detail).toMatch(
      /; but the tests could not be compared by name: `npm test` at the base aaaaaaaaaaaa exited 0 and listed no tests by name: no lines$/,
    );
    expect(result.observed.test_runs).toEqual(evidence.observed);
  });

  it("still fails on what the diff shows when the runs cannot be compared", () => {
    const docsOnly: ChangedFile = { ...sourceChange, path: "README.md" };
    const result = judgeDiffScope(
      observation([docsOnly]),
      judgeTestRuns(ran(baseSha, "no lines"), ran(commitSha, [])),
    );
    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      "only docs changed: 1 doc file, no source; the test runs were not compared: `npm test` at the base aaaaaaaaaaaa exited 0 and listed no tests by name: no lines",
    );
  });

  it("passes on the diff alone when the plan has no check command, and says the tests did not run", () => {
    const result = judgeDiffScope(observation(), {
      kind: "not-compared",
      reason: "the plan names no check command",
    });
    expect(result.status).toBe("pass");
    expect(result.detail).toMatch(/; tests not run: the plan names no check command$/);
    expect(result.observed.test_runs).toEqual({ not_compared: "the plan names no check command" });
  });

  it("is static, as before, without test-run evidence", () => {
    const result = judgeDiffScope(observation());
    expect(result.status).toBe("pass");
    expect(result.observed).not.toHaveProperty("test_runs");
  });
});
