/**
 * A node:test reporter the supervisor adds to its own runs of the check command (local_check and
 * the base run), through NODE_OPTIONS. It runs in the test runner's process, never in the test
 * files' processes, and writes each test's outcome, named by file and path, where the tests cannot
 * reach: so a test file that prints "✔ name" lines, or a same-named test in another file, is not
 * a passing test. Plain JavaScript for any Node with node:test (the project's, not supervise's).
 *
 * The channel: `NODE_TEST_LEDGER_KEY` names a key file in a folder the sandbox lets the command
 * write but not list. The key is read and removed, and the variable and this reporter's options
 * are taken out of the environment before any test process starts (the runner loads its reporters
 * first), so no test sees where the ledger goes. At the end the outcomes go to `<key>.json`, and
 * the next key (the SHA-256 of this one) is left for a later runner of the same command. The
 * supervisor reads the files of that chain and nothing else in the folder.
 */
import { createHash } from "node:crypto";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { spec } from "node:test/reporters";
import { dropLedgerEnvironment } from "./ledger/key-chain.mjs";

const keyVariable = "NODE_TEST_LEDGER_KEY";
const keyFile = process.env[keyVariable];
dropLedgerEnvironment();
const key = keyFile ? takeKey(keyFile) : null;

/** Whether the command line chose reporters of its own: then it prints, and this one only records. */
const printsItself = process.execArgv.some((option) => option.startsWith("--test-reporter"));

export default async function* testLedgerReporter(source) {
  const printer = printsItself ? null : new spec();
  const tests = [];
  const openPaths = new Map();
  for await (const event of source) {
    const outcome = outcomeOf(event, openPaths);
    if (outcome) tests.push(outcome);
    if (printer) {
      printer.write(event);
      for (let chunk = printer.read(); chunk !== null; chunk = printer.read()) yield chunk;
    }
  }
  if (key && keyFile) record(keyFile, key, tests);
  if (printer) {
    printer.end();
    for await (const chunk of printer) yield chunk;
  }
}

/** A test's outcome, or null for suites and events that are not a test's end. */
function outcomeOf(event, openPaths) {
  const data = event.data ?? {};
  const file = typeof data.file === "string" ? data.file : "";
  if (event.type === "test:start") {
    const path = openPaths.get(file) ?? [];
    path.length = data.nesting;
    path.push(String(data.name));
    openPaths.set(file, path);
    return null;
  }
  if (event.type !== "test:pass" && event.type !== "test:fail") return null;
  if (data.details?.type === "suite") return null;
  const ancestors = (openPaths.get(file) ?? []).slice(0, data.nesting);
  const status =
    data.todo !== undefined && data.todo !== false
      ? "todo"
      : data.skip !== undefined && data.skip !== false
        ? "skipped"
        : event.type === "test:pass"
          ? "passed"
          : "failed";
  return { file, path: [...ancestors, String(data.name)], status };
}

function takeKey(path) {
  try {
    const text = readFileSync(path, "utf8").trim();
    unlinkSync(path);
    return /^[0-9a-f]{64}$/.test(text) ? text : null;
  } catch {
    return null;
  }
}

function record(path, currentKey, tests) {
  const folder = dirname(path);
  writeFileSync(join(folder, `${currentKey}.json`), JSON.stringify({ tests }), { flag: "wx" });
  writeFileSync(path, createHash("sha256").update(currentKey).digest("hex"), { flag: "wx" });
}
