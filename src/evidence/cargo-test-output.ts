/**
 * cargo test's output, read as one block per test binary: `Running unittests src/lib.rs
 * (target/debug/deps/alpha-<hash>)`, `Running tests/it.rs (…/it-<hash>)` or `Doc-tests alpha`, then
 * `running N tests`, a `test name ... ok|FAILED|ignored` line per test and `test result: …`. Names
 * are qualified by their binary, because `tests::adds` in two crates, or in a crate's unit and
 * integration tests, are different tests. Each binary's lines are reconciled with its counts: a
 * binary whose names do not add up is a partial listing, and a partial listing read as whole would
 * report every test it leaves out as lost. Pure: lines in, names out.
 */
import type { TestOutcome, TestStatus } from "./test-names.ts";

export type CargoListing = { tests: TestOutcome[] } | { unlisted: string };

interface CargoSummary {
  passed: number;
  failed: number;
  ignored: number;
  measured: number;
}

interface CargoBinary {
  /** What qualifies its tests' names: `src/lib.rs (alpha)`, `alpha: tests/it.rs (it)`, `doc-tests alpha`. */
  label: string;
  isDocTests: boolean;
  declared: number | null;
  tests: TestOutcome[];
  summary: CargoSummary | null;
}

const statuses: Record<string, TestStatus> = { ok: "passed", FAILED: "failed", ignored: "skipped" };

// The binary's hash changes with every build, and differs between the base and the claim: dropped.
const runningHeader = /^\s*Running (unittests )?(\S+) \((?:.*\/)?([^/)]+?)(?:-[0-9a-f]{16})?(?:\.exe)?\)$/;
const docTestsHeader = /^\s*Doc-tests (\S+)$/;
const declaredLine = /^running (\d+) tests?$/;
const testLine = /^test (.+?) \.\.\. (ok|FAILED|ignored)(?:, .*)?$/;
const summaryLine =
  /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored; (\d+) measured; \d+ filtered out/;

/** The tests in cargo test's output; null when it has none of cargo's lines. */
export function parseCargoOutput(lines: readonly string[]): CargoListing | null {
  const binaries = splitBinaries(lines);
  if (binaries.every((binary) => binary.declared === null && binary.tests.length === 0)) return null;
  const quiet =
    binaries.some((binary) => (binary.declared ?? 0) > 0) && binaries.every((b) => b.tests.length === 0);
  if (quiet) return { unlisted: "cargo test printed no `test … ok` line; leave out --format terse and -q" };
  // A run that stopped at its first failing binary lists only what ran before the stop. That is
  // still a listing: at the base it names fewer passing tests to keep (the fixed test fails there,
  // which is the point of the fix), and at the claim the same stop fails local_check on its own.
  for (const binary of binaries) {
    const mismatch = countMismatch(binary);
    if (mismatch !== null) return { unlisted: mismatch };
  }
  return { tests: qualifiedNames(binaries) };
}

/**
 * One block per binary header. An integration test binary is named after its file (`it`), so the
 * same file in two crates gives the same header: it is qualified by the crate of the unit tests
 * before it, since cargo runs each package's targets together, its library's first.
 */
function splitBinaries(lines: readonly string[]): CargoBinary[] {
  const binaries: CargoBinary[] = [newBinary("", false)];
  let crate = "";
  for (const line of lines) {
    const running = runningHeader.exec(line);
    const docTests = docTestsHeader.exec(line);
    if (running) {
      const [, unittests, path, binaryName] = running;
      if (unittests) crate = binaryName!;
      const label = unittests || !crate ? `${path} (${binaryName})` : `${crate}: ${path} (${binaryName})`;
      binaries.push(newBinary(label, false));
      continue;
    }
    if (docTests) {
      binaries.push(newBinary(`doc-tests ${docTests[1]}`, true));
      continue;
    }
    const current = binaries.at(-1)!;
    const declared = declaredLine.exec(line);
    const result = testLine.exec(line);
    const summary = summaryLine.exec(line);
    if (declared) current.declared = (current.declared ?? 0) + Number(declared[1]);
    else if (result) current.tests.push({ name: result[1]!, status: statuses[result[2]!]! });
    else if (summary) {
      const [passed, failed, ignored, measured] = summary.slice(1).map(Number) as [
        number,
        number,
        number,
        number,
      ];
      current.summary = { passed, failed, ignored, measured };
    }
  }
  return binaries.filter((binary) => binary.declared !== null || binary.tests.length > 0);
}

function newBinary(label: string, isDocTests: boolean): CargoBinary {
  return { label, isDocTests, declared: null, tests: [], summary: null };
}

/**
 * Why a binary's names are not all of its tests, or null when they are. A test that prints while
 * it runs (--nocapture) can split its own `test … ok` line; a binary that crashes stops listing.
 */
function countMismatch(binary: CargoBinary): string | null {
  const where = binary.label ? `cargo test's ${binary.label} binary` : "cargo test";
  const listed = binary.tests.length;
  if (binary.declared !== null && listed !== binary.declared) {
    return `${where} said it was running ${binary.declared} tests but named ${listed}, so its listing is partial; run cargo test without --nocapture and read the full log`;
  }
  const summary = binary.summary;
  if (summary === null) return null;
  const count = (status: TestStatus) => binary.tests.filter((test) => test.status === status).length;
  const isReconciled =
    count("passed") === summary.passed + summary.measured &&
    count("failed") === summary.failed &&
    count("skipped") === summary.ignored;
  if (isReconciled) return null;
  return `${where} named ${count("passed")} passed, ${count("failed")} failed and ${count("skipped")} ignored tests but its result line counts ${summary.passed} passed, ${summary.failed} failed and ${summary.ignored} ignored, so its listing is partial`;
}

/** `label > name`; a label seen twice (the same file name in crates without unit tests) is numbered. */
function qualifiedNames(binaries: readonly CargoBinary[]): TestOutcome[] {
  const seen = new Map<string, number>();
  const tests: TestOutcome[] = [];
  for (const binary of binaries) {
    const occurrence = (seen.get(binary.label) ?? 0) + 1;
    seen.set(binary.label, occurrence);
    const label = occurrence === 1 ? binary.label : `${binary.label} #${occurrence}`;
    const names = binary.isDocTests ? docTestNames(binary.tests) : binary.tests;
    for (const test of names)
      tests.push({ name: label ? `${label} > ${test.name}` : test.name, status: test.status });
  }
  return tests;
}

/**
 * `src/lib.rs - add (line 5)`: the line moves with any edit above the example, so it is dropped
 * from the name. Examples on one item are then told apart by their order in the file, which an
 * edit above them does not change: the first keeps the bare name, the next `(example 2)`, ….
 */
function docTestNames(tests: readonly TestOutcome[]): TestOutcome[] {
  const parsed = tests.map((test) => {
    const match = /^(.*?) \(line (\d+)\)(.*)$/.exec(test.name);
    return match
      ? { name: `${match[1]}${match[3]}`, line: Number(match[2]), status: test.status }
      : { name: test.name, line: 0, status: test.status };
  });
  return parsed.map((test) => {
    const order = parsed.filter((other) => other.name === test.name && other.line < test.line).length + 1;
    return { name: order === 1 ? test.name : `${test.name} (example ${order})`, status: test.status };
  });
}
