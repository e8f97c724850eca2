/**
 * A StrykerJS reporter the supervisor loads (as a plugin named in the config it writes) into the
 * Stryker it runs for the `mutation` gate. Stryker writes its own reports only when every mutant is
 * done; this one appends each mutant's result the moment it is known, so a run that the time limit
 * cuts keeps every mutant already tested. Plain JavaScript, loaded by Stryker's plugin loader.
 *
 * The channel is the test ledger's (see ../test-ledger.ts): `SUPERVISE_STRYKER_RESULTS_KEY` names a
 * key file in a folder the sandbox lets the command write but not list. The key is read, the file
 * removed and the variable dropped when Stryker loads this plugin, before it starts the check
 * command, so no test process learns where results go; they are appended to `<key>.jsonl`.
 */
import { appendFileSync, readFileSync, unlinkSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const keyVariable = "SUPERVISE_STRYKER_RESULTS_KEY";
const results = takeResultsPath();

function takeResultsPath() {
  const path = process.env[keyVariable];
  delete process.env[keyVariable];
  if (!path) return null;
  try {
    const key = readFileSync(path, "utf8").trim();
    unlinkSync(path);
    return /^[0-9a-f]{64}$/.test(key) ? join(dirname(path), `${key}.jsonl`) : null;
  } catch {
    return null;
  }
}

/** One line per mutant, where it starts (Stryker reports lines and columns from 1). */
function lineOf(result) {
  return `${JSON.stringify({
    file: relative(process.cwd(), result.fileName),
    line: result.location.start.line,
    column: result.location.start.column,
    mutator: result.mutatorName,
    replacement: result.replacement,
    status: result.status,
  })}\n`;
}

const reporter = {
  onMutantTested(result) {
    if (results) appendFileSync(results, lineOf(result));
  },
};

export const strykerPlugins = [{ kind: "Reporter", name: "supervise-results", value: reporter }];
