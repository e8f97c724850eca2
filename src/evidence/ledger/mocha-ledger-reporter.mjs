/**
 * A mocha reporter the supervisor gives its own runs of a mocha check (`--reporter <this file>`,
 * see ledger-command.ts): it runs in mocha's main process and records each test by file and full
 * title path where the tests cannot write (key-chain.mjs). Mocha takes one reporter, so this one
 * prints through mocha's own `spec` reporter, found in the mocha that loaded it.
 *
 * Limit: mocha runs the tests in this same process (serial mode), so a test or a `--require`d file
 * can reach what this module holds; that is plumbing (diff_scope's finding), not a printed line.
 */
import { createRequire } from "node:module";
import { recordLedger, takeLedgerKey } from "./key-chain.mjs";

const taken = takeLedgerKey();
const require = createRequire(import.meta.url);

/** The loaded mocha's exports (lib/mocha.cjs in mocha 11+, lib/mocha.js before), for its reporters. */
function loadedMocha() {
  const path = Object.keys(require.cache).find((key) => /[\\/]mocha[\\/]lib[\\/]mocha\.c?js$/.test(key));
  return path === undefined ? null : require.cache[path].exports;
}

/** A test's (or hook's) title path: a function in serial mode, a value after parallel mode's serializer. */
function titlePathOf(runnable) {
  if (typeof runnable.titlePath === "function") return runnable.titlePath();
  return [runnable.title];
}

/** One ledger entry per mocha event: a failed hook stands as a failed entry of its own. */
export function mochaOutcome(runnable, status) {
  const path = titlePathOf(runnable).filter((title) => title !== "");
  return { file: runnable.file ?? "", path: path.length === 0 ? [runnable.file ?? ""] : path, status };
}

export default class MochaLedgerReporter {
  constructor(runner, options) {
    const Spec = loadedMocha()?.reporters?.Spec;
    if (Spec) this.printer = new Spec(runner, options);
    const tests = [];
    runner.on("pass", (test) => tests.push(mochaOutcome(test, "passed")));
    runner.on("fail", (test) => tests.push(mochaOutcome(test, "failed")));
    runner.on("pending", (test) => tests.push(mochaOutcome(test, "skipped")));
    runner.once("end", () => {
      if (taken !== null) recordLedger(taken, "mocha", tests);
    });
  }

  /** Mocha waits for this before it exits; the spec printer may have its own. */
  done(failures, callback) {
    if (typeof this.printer?.done === "function") this.printer.done(failures, callback);
    else callback(failures);
  }
}
