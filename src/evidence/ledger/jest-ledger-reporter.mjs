/**
 * A jest reporter the supervisor adds to its own runs of a jest check (see ledger-command.ts): it
 * runs in jest's main process and records each test by file and describe path where the tests
 * cannot write (key-chain.mjs). Printing stays with `default` unless the command names reporters.
 *
 * Limit: jest runs a small suite in its own process (runInBand), where a test or a setup file can
 * reach this module; and in workers a setup file can rewrite what jest-circus reports. That is
 * plumbing (diff_scope's finding), not a printed line.
 */
import { recordLedger, takeLedgerKey } from "./key-chain.mjs";

const taken = takeLedgerKey();

const statuses = { passed: "passed", failed: "failed", todo: "todo" };

/** Jest's aggregated results (onRunComplete's second argument) as ledger entries. */
export function jestOutcomes(results) {
  const tests = [];
  for (const file of results.testResults ?? []) {
    const cases = file.testResults ?? [];
    // A file that failed to load ran none of its tests: it stands as a failed entry of its own.
    if (file.testExecError || (cases.length === 0 && file.failureMessage))
      tests.push({ file: file.testFilePath, path: [file.testFilePath], status: "failed" });
    for (const test of cases) {
      tests.push({
        file: file.testFilePath,
        path: [...(test.ancestorTitles ?? []), test.title],
        status: statuses[test.status] ?? "skipped",
      });
    }
  }
  return tests;
}

export default class JestLedgerReporter {
  onRunComplete(_contexts, results) {
    if (taken === null || this.written) return;
    this.written = true;
    recordLedger(taken, "jest", jestOutcomes(results));
  }
}
