/**
 * The key chain of the supervisor's test ledger, for the reporters loaded into a test runner's
 * main process (vitest's, jest's): the same channel as test-ledger-reporter.mjs and the pytest
 * plugin. `NODE_TEST_LEDGER_KEY` names a key file in a folder the command can write but not list;
 * the key is read and the file removed, and the variable dropped, when the reporter is loaded,
 * before the runner starts any worker. At the end the outcomes go to `<key>.json` and the next key
 * (the SHA-256 of this one) is left for a later runner of the same command.
 */
import { createHash } from "node:crypto";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

const keyVariable = "NODE_TEST_LEDGER_KEY";

/** The key file and its key, taken; null when the supervisor gave none (or it was already taken). */
export function takeLedgerKey() {
  const path = process.env[keyVariable];
  delete process.env[keyVariable];
  if (!path) return null;
  try {
    const text = readFileSync(path, "utf8").trim();
    unlinkSync(path);
    return /^[0-9a-f]{64}$/.test(text) ? { path, key: text } : null;
  } catch {
    return null;
  }
}

/** Writes one runner's outcomes ({ file, path, status }[]) and leaves the next key. */
export function recordLedger(taken, runner, tests) {
  const folder = dirname(taken.path);
  writeFileSync(join(folder, `${taken.key}.json`), JSON.stringify({ runner, tests }), { flag: "wx" });
  writeFileSync(taken.path, createHash("sha256").update(taken.key).digest("hex"), { flag: "wx" });
}
