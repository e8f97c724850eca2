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
import { fileURLToPath } from "node:url";

const keyVariable = "NODE_TEST_LEDGER_KEY";
const ledgerFolder = fileURLToPath(new URL(".", import.meta.url)).replace(/\/$/, "");

/**
 * Takes out of this process's environment what the supervisor added for every runner (see
 * test-ledger.ts): node's reporter options, pytest's plugin and its PYTHONPATH entry, the key
 * variable. Processes the runner starts from here on inherit nothing that tells of supervision.
 */
export function dropLedgerEnvironment(environment = process.env) {
  delete environment[keyVariable];
  if (environment.NODE_OPTIONS !== undefined) {
    const rest = environment.NODE_OPTIONS.replace(
      /\s*--test-reporter="[^"]*test-ledger-reporter\.mjs"\s+--test-reporter-destination=stdout/,
      "",
    ).trim();
    if (rest === "") delete environment.NODE_OPTIONS;
    else environment.NODE_OPTIONS = rest;
  }
  if (environment.PYTEST_ADDOPTS !== undefined) {
    const rest = environment.PYTEST_ADDOPTS.replace(/\s*-p supervise_pytest_ledger\b/, "").trim();
    if (rest === "") delete environment.PYTEST_ADDOPTS;
    else environment.PYTEST_ADDOPTS = rest;
  }
  if (environment.PYTHONPATH !== undefined) {
    const rest = environment.PYTHONPATH.split(":").filter((entry) => entry !== ledgerFolder);
    if (rest.length === 0) delete environment.PYTHONPATH;
    else environment.PYTHONPATH = rest.join(":");
  }
}

/** The key file and its key, taken; null when the supervisor gave none (or it was already taken). */
export function takeLedgerKey() {
  const path = process.env[keyVariable];
  dropLedgerEnvironment();
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
