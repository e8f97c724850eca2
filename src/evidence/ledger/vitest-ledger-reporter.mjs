/**
 * A vitest reporter the supervisor adds to its own runs of a vitest check (see ledger-command.ts):
 * it runs in vitest's main process, the test files in its workers, and records each test by file
 * and suite path where the tests cannot write (key-chain.mjs). Printing stays with the reporters
 * the command line keeps (`default` unless it names its own).
 *
 * Limit: a test file or a setup file runs inside vitest's worker and reports its results to this
 * process through vitest's own messages; code there that rewrites vitest's runner changes what
 * is reported. That is plumbing (diff_scope's finding), not a printed line.
 */
import { recordLedger, takeLedgerKey } from "./key-chain.mjs";

const taken = takeLedgerKey();

export default class VitestLedgerReporter {
  written = false;

  onTestRunEnd(testModules) {
    if (this.written || taken === null) return;
    this.written = true;
    const tests = [];
    for (const module of testModules) {
      const cases = [...module.children.allTests()];
      if (cases.length === 0 || module.errors().length > 0) {
        const state = module.state();
        // A file that failed to load ran none of its tests: it stands as a failed entry of its own.
        if (state === "failed" || module.errors().length > 0)
          tests.push({ file: module.moduleId, path: [module.moduleId], status: "failed" });
      }
      for (const testCase of cases) tests.push(outcomeOf(module.moduleId, testCase));
    }
    recordLedger(taken, "vitest", tests);
  }
}

function outcomeOf(file, testCase) {
  const path = [];
  for (let node = testCase; node && node.type !== "module"; node = node.parent) path.unshift(node.name);
  const state = testCase.result().state;
  const status =
    testCase.options.mode === "todo"
      ? "todo"
      : state === "passed"
        ? "passed"
        : state === "failed"
          ? "failed"
          : "skipped";
  return { file, path, status };
}
