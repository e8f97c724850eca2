/**
 * `tests_prove_change`'s verdict: do the claim's tests test its change? The check command ran
 * twice: at the claim, and on the base's source with the claim's tests laid over it ("without the
 * change"). A test that fails or does not run without the change and passes with it proves the
 * change (SWE-bench's FAIL_TO_PASS); a new test that passes either way does not test it, however
 * many assertions it has. A refactor is judged the other way round: its tests must pass without it
 * too, and no outcome may change. Pure: two listings in, the tests that prove the change out.
 */
import type { TestListing, TestOutcome, TestStatus } from "./test-names.ts";

/** What a workstream promises to do to behaviour: change it (the default), or keep it (`refactor`). */
export type ChangeKind = "change" | "refactor";

export type OutcomeWithoutChange = TestStatus | "not run";

export interface ProvingTest {
  name: string;
  withoutChange: OutcomeWithoutChange;
  atClaim: TestStatus;
}

export interface ChangeProofInput {
  kind: ChangeKind;
  /** Test files the claim added or changed (repository paths). */
  changedTestFiles: readonly string[];
  /** The check at the base's source with the claim's tests. */
  withoutChange: TestListing;
  /** The check at the claimed commit. */
  atClaim: TestListing;
}

export type ChangeProof =
  | {
      kind: "judged";
      isProven: boolean;
      /** Fail or do not run without the change, pass with it. */
      proving: ProvingTest[];
      /** Tests of the claim's new or changed files that pass with and without the change. */
      notTesting: string[];
      /** For a refactor: tests whose outcome the change moved, or that fail without it. */
      changed: ProvingTest[];
      /** One line for the worker and the human. */
      detail: string;
    }
  | { kind: "not-judged"; reason: string };

/** How many test names a detail line names before it counts the rest. */
const namedInDetail = 5;

export function judgeChangeProof(input: ChangeProofInput): ChangeProof {
  if (input.atClaim.kind !== "listed")
    return {
      kind: "not-judged",
      reason: `the run at the claim lists no tests by name: ${input.atClaim.reason}`,
    };
  if (input.withoutChange.kind !== "listed")
    return {
      kind: "not-judged",
      reason: `the run without the change lists no tests by name: ${input.withoutChange.reason}`,
    };
  const claim = outcomesByName(input.atClaim.tests);
  const without = outcomesByName(input.withoutChange.tests);
  const ofChangedFile = (name: string) => input.changedTestFiles.some((file) => namesFile(name, file));
  const proving: ProvingTest[] = [];
  const notTesting: string[] = [];
  for (const [name, atClaim] of claim) {
    if (atClaim !== "passed") continue;
    const withoutChange = without.get(name) ?? "not run";
    if (withoutChange !== "passed") proving.push({ name, withoutChange, atClaim });
    else if (ofChangedFile(name)) notTesting.push(name);
  }
  if (input.kind === "refactor") return judgeRefactor(claim, without);
  const isProven = proving.length > 0;
  return {
    kind: "judged",
    isProven,
    proving,
    notTesting,
    changed: [],
    detail: isProven
      ? `${count(proving.length, "test")} ${proving.length === 1 ? "fails" : "fail"} without the change and ${proving.length === 1 ? "passes" : "pass"} with it: ${listed(proving.map((test) => test.name))}`
      : notTesting.length > 0
        ? `no test fails without the change: ${listed(notTesting)} ${notTesting.length === 1 ? "passes" : "pass"} on the base's code too, so ${notTesting.length === 1 ? "it does" : "they do"} not test the change`
        : input.changedTestFiles.length === 0
          ? "the claim adds or changes no test, and no existing test fails without the change: nothing shows the change is tested"
          : "no test of the claim's test files passes at the claim after failing without the change",
  };
}

/** A refactor keeps behaviour: every test has the same outcome with and without it, and passes. */
function judgeRefactor(
  claim: ReadonlyMap<string, TestStatus>,
  without: ReadonlyMap<string, TestStatus>,
): ChangeProof {
  const changed: ProvingTest[] = [];
  for (const name of new Set([...claim.keys(), ...without.keys()])) {
    const atClaim = claim.get(name);
    const withoutChange = without.get(name) ?? "not run";
    if (atClaim === undefined) {
      if (withoutChange === "passed") changed.push({ name, withoutChange, atClaim: "skipped" });
      continue;
    }
    if (withoutChange !== atClaim || atClaim === "failed") changed.push({ name, withoutChange, atClaim });
  }
  const isProven = changed.length === 0;
  return {
    kind: "judged",
    isProven,
    proving: [],
    notTesting: [],
    changed,
    detail: isProven
      ? `a refactor: all ${count(claim.size, "test")} have the same outcome with and without the change`
      : `a refactor must not change what the tests observe, and ${listed(changed.map(describeChange))} ${changed.length === 1 ? "does" : "do"}`,
  };
}

/**
 * Outcomes by name; a name that runs more than once (a runner that prints no file) keeps its worst
 * outcome, so one passing copy never stands in for a failing one.
 */
function outcomesByName(tests: readonly TestOutcome[]): Map<string, TestStatus> {
  const rank: Record<TestStatus, number> = { failed: 3, todo: 2, skipped: 1, passed: 0 };
  const outcomes = new Map<string, TestStatus>();
  for (const test of tests) {
    const seen = outcomes.get(test.name);
    if (seen === undefined || rank[test.status] > rank[seen]) outcomes.set(test.name, test.status);
  }
  return outcomes;
}

/**
 * Whether a test's name says it is in `file`: the ledger's `file > …`, pytest's `file::…`, cargo's
 * test binary `tests/it.rs (it) > …` or, in a workspace, `alpha: tests/it.rs (it) > …`.
 */
export function namesFile(name: string, file: string): boolean {
  return (
    name === file ||
    name.startsWith(`${file} > `) ||
    name.startsWith(`${file}::`) ||
    name.startsWith(`${file} (`) ||
    name.includes(`: ${file} (`)
  );
}

function describeChange(test: ProvingTest): string {
  return `${test.name} (${test.withoutChange} without it, ${test.atClaim} with it)`;
}

function listed(names: readonly string[]): string {
  const shown = names.slice(0, namedInDetail).join("; ");
  return names.length > namedInDetail ? `${shown} and ${names.length - namedInDetail} more` : shown;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
