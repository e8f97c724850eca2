/**
 * The dynamic half of `diff_scope`'s verdict: every test that passed when the check command ran at
 * the base still runs, and passes, at the claimed commit. Pure: two observed runs in, the tests
 * lost and broken (or why the runs could not be compared) out. The runs are gathered in
 * base-test-run.ts.
 */
import type { TestListing, TestOutcome, TestStatus } from "./test-names.ts";

/** How the run's output was obtained: run now, read from the base-run cache, or local_check's. */
export type TestRunSource = "ran" | "cached" | "local_check";

export type TestRun =
  | {
      kind: "ran";
      sha: string;
      command: string;
      exitCode: number | null;
      signal: string | null;
      durationMs: number;
      /** Relative to the run directory; null when no log was kept. */
      log: string | null;
      source: TestRunSource;
      listing: TestListing;
    }
  /** The command did not run to its end: it could not start, timed out, or was cancelled. */
  | { kind: "not-run"; sha: string; command: string; reason: string; log: string | null };

export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
}

export interface LostTest {
  name: string;
  /** More than one when several tests share the name (a runner that prints no file, a repeated name). */
  count: number;
}

export interface BrokenTest extends LostTest {
  /** What the claimed commit's run said of it instead of passing. */
  status: Exclude<TestStatus, "passed">;
}

/** A test that failed at the base and passes at the claimed commit: shown, never held against it. */
export interface FixedTest extends LostTest {
  base: "failed";
  claim: "passed";
}

export interface TestComparison {
  lost: LostTest[];
  broken: BrokenTest[];
  fixed: FixedTest[];
  /** Tests that passed at the base and pass at the claimed commit. */
  keptCount: number;
}

export type TestRunVerdict =
  | { kind: "compared"; comparison: TestComparison; observed: Record<string, unknown> }
  | { kind: "error"; detail: string; observed: Record<string, unknown> };

/** One finding of `diff_scope` (see DiffScopeFinding), about the change as a whole. */
export interface TestRunFinding {
  kind: "test-lost" | "test-broken";
  file: null;
  detail: string;
}

/** Names listed in `observed`; the rest are counted. */
const listedNamesLimit = 100;
/** Names in a finding's one-line detail. */
const namesInDetail = 3;

export function countTests(tests: readonly TestOutcome[]): TestCounts {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for (const test of tests) counts[test.status]++;
  return counts;
}

/**
 * Compared by name and count, since names repeat: two passing tests named `adds` at the base need
 * two passing at the claim. A shortfall is `broken` as far as the claim ran the name to another
 * outcome, and `lost` beyond that.
 */
export function compareTestOutcomes(
  base: readonly TestOutcome[],
  claim: readonly TestOutcome[],
): TestComparison {
  const passedAtBase = countByName(base.filter((test) => test.status === "passed"));
  const claimByName = new Map<string, TestOutcome[]>();
  for (const test of claim) {
    const outcomes = claimByName.get(test.name);
    if (outcomes) outcomes.push(test);
    else claimByName.set(test.name, [test]);
  }

  const lost: LostTest[] = [];
  const broken: BrokenTest[] = [];
  let keptCount = 0;
  for (const [name, count] of passedAtBase) {
    const outcomes = claimByName.get(name) ?? [];
    const passing = outcomes.filter((test) => test.status === "passed").length;
    keptCount += Math.min(count, passing);
    let shortfall = count - passing;
    if (shortfall <= 0) continue;
    const others = countByName(
      outcomes.filter((test) => test.status !== "passed"),
      (test) => test.status,
    );
    for (const status of ["failed", "skipped", "todo"] as const) {
      const taken = Math.min(shortfall, others.get(status) ?? 0);
      if (taken > 0) broken.push({ name, status, count: taken });
      shortfall -= taken;
    }
    if (shortfall > 0) lost.push({ name, count: shortfall });
  }
  return { lost, broken, fixed: fixedTests(base, claimByName), keptCount };
}

/** Per name: the claim's passes beyond the base's, as far as the base had failures of that name. */
function fixedTests(
  base: readonly TestOutcome[],
  claimByName: ReadonlyMap<string, readonly TestOutcome[]>,
): FixedTest[] {
  const failedAtBase = countByName(base.filter((test) => test.status === "failed"));
  const passedAtBase = countByName(base.filter((test) => test.status === "passed"));
  const fixed: FixedTest[] = [];
  for (const [name, failures] of failedAtBase) {
    const passing = (claimByName.get(name) ?? []).filter((test) => test.status === "passed").length;
    const count = Math.min(failures, passing - (passedAtBase.get(name) ?? 0));
    if (count > 0) fixed.push({ name, base: "failed", claim: "passed", count });
  }
  return fixed;
}

/** The verdict on the two runs; `compared` even when nothing was lost, which the caller reads. */
export function judgeTestRuns(base: TestRun, claim: TestRun): TestRunVerdict {
  const observed: Record<string, unknown> = { base: describeRun(base), claim: describeRun(claim) };
  const error = (detail: string): TestRunVerdict => ({ kind: "error", detail, observed });
  if (base.kind === "not-run")
    return error(`the check command did not run at the base ${short(base.sha)}: ${base.reason}`);
  if (claim.kind === "not-run") {
    return error(`the check command did not run at the claimed commit ${short(claim.sha)}: ${claim.reason}`);
  }
  if (base.listing.kind === "unlisted") {
    const also = claim.listing.kind === "unlisted" ? " (nor at the claimed commit)" : "";
    return error(`${ranAt(base, "the base")} listed no tests by name${also}: ${base.listing.reason}`);
  }
  if (claim.listing.kind === "unlisted") {
    return error(`${ranAt(claim, "the claimed commit")} listed no tests by name: ${claim.listing.reason}`);
  }
  const comparison = compareTestOutcomes(base.listing.tests, claim.listing.tests);
  return {
    kind: "compared",
    comparison,
    observed: {
      ...observed,
      kept_test_count: comparison.keptCount,
      lost_test_count: totalOf(comparison.lost),
      lost_tests: comparison.lost.slice(0, listedNamesLimit),
      broken_test_count: totalOf(comparison.broken),
      broken_tests: comparison.broken.slice(0, listedNamesLimit),
      ...(comparison.fixed.length === 0
        ? {}
        : {
            fixed_test_count: totalOf(comparison.fixed),
            fixed_tests: comparison.fixed.slice(0, listedNamesLimit),
          }),
    },
  };
}

/** One finding for the lost tests and one for the broken, each naming a few. */
export function testRunFindings(comparison: TestComparison): TestRunFinding[] {
  const findings: TestRunFinding[] = [];
  const named = <Test extends LostTest>(tests: readonly Test[], describe: (test: Test) => string) => {
    const shown = tests.slice(0, namesInDetail).map(describe).join(", ");
    return tests.length > namesInDetail ? `${shown} and ${tests.length - namesInDetail} more` : shown;
  };
  const times = (test: LostTest) => (test.count > 1 ? ` ×${test.count}` : "");
  if (comparison.lost.length > 0) {
    const count = totalOf(comparison.lost);
    const whose = count === 1 ? "its" : "their";
    const names = named(comparison.lost, (test) => `"${test.name}"${times(test)}`);
    findings.push({
      kind: "test-lost",
      file: null,
      detail: `${tests(count)} that passed at the base did not run at the claimed commit (deleted, renamed, excluded, or ${whose} file no longer runs): ${names}`,
    });
  }
  if (comparison.broken.length > 0) {
    const count = totalOf(comparison.broken);
    const names = named(comparison.broken, (test) => `"${test.name}"${times(test)} ${test.status}`);
    findings.push({
      kind: "test-broken",
      file: null,
      detail: `${tests(count)} that passed at the base no longer ${count === 1 ? "passes" : "pass"}: ${names}`,
    });
  }
  return findings;
}

function totalOf(tests: readonly LostTest[]): number {
  return tests.reduce((sum, test) => sum + test.count, 0);
}

function tests(count: number): string {
  return `${count} test${count === 1 ? "" : "s"}`;
}

function describeRun(run: TestRun): Record<string, unknown> {
  if (run.kind === "not-run") {
    return { commit: run.sha, command: run.command, log: run.log, not_run: run.reason };
  }
  return {
    commit: run.sha,
    command: run.command,
    source: run.source,
    exit_code: run.exitCode,
    ...(run.signal === null ? {} : { signal: run.signal }),
    duration_ms: run.durationMs,
    log: run.log,
    ...(run.listing.kind === "listed"
      ? { runners: run.listing.runners, counts: countTests(run.listing.tests) }
      : { unlisted: run.listing.reason }),
  };
}

function ranAt(run: TestRun & { kind: "ran" }, where: string): string {
  if (run.source === "local_check")
    return `local_check's output of \`${run.command}\` at ${where} ${short(run.sha)}`;
  const how = run.exitCode === null ? `was killed by ${run.signal}` : `exited ${run.exitCode}`;
  return `\`${run.command}\` at ${where} ${short(run.sha)} ${how} and`;
}

function countByName<Key = string>(
  tests: readonly TestOutcome[],
  keyOf: (test: TestOutcome) => Key = (test) => test.name as Key,
): Map<Key, number> {
  const counts = new Map<Key, number>();
  for (const test of tests) counts.set(keyOf(test), (counts.get(keyOf(test)) ?? 0) + 1);
  return counts;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}
