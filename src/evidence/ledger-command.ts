/**
 * vitest, jest and mocha take reporters from their command line or their config, never from the
 * environment. For the common forms of a check (`npx vitest run`, `vitest`, `npx jest`, `mocha`,
 * and `npm test` / `npm run <script>` whose script is one of those alone) the supervisor's runs of the check
 * append its ledger reporter to the runner's arguments (npm passes what follows `--` to the
 * script); everything else runs as given. The runner keeps printing as before: `default` is named
 * beside the ledger's reporter unless the command names reporters of its own (a config's
 * reporters are replaced by the command line's, so such a config prints as `default` does). Mocha
 * takes a single reporter: its ledger reporter prints as `spec`, and a mocha command that names a
 * reporter of its own runs as given. `python -m unittest …` has no reporter option: it runs as
 * `python -m supervise_unittest_ledger …`, unittest's own command line with a recording result.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const vitestLedgerReporterPath = fileURLToPath(
  new URL("./ledger/vitest-ledger-reporter.mjs", import.meta.url),
);
export const jestLedgerReporterPath = fileURLToPath(
  new URL("./ledger/jest-ledger-reporter.mjs", import.meta.url),
);
export const mochaLedgerReporterPath = fileURLToPath(
  new URL("./ledger/mocha-ledger-reporter.mjs", import.meta.url),
);

/** A shell command with nothing but words: no chaining, pipes, substitutions or redirections. */
const simpleCommand = /^[^;&|<>`$()\n]+$/;
const vitestInvocation = /^(?:npx\s+(?:--(?:no-install|yes)\s+)?)?vitest(?:\s|$)/;
const jestInvocation = /^(?:npx\s+(?:--(?:no-install|yes)\s+)?)?jest(?:\s|$)/;
const mochaInvocation = /^(?:npx\s+(?:--(?:no-install|yes)\s+)?)?mocha(?:\s|$)/;
/** `python3 -m unittest …`, the Python named by path or not, with interpreter flags before `-m`. */
const unittestInvocation =
  /^((?:\S*\/)?python[\d.]*(?:\s+(?:-[WX]\s*[^\s-]\S*|-[A-Za-z]+))*)\s+-m\s+unittest(?=\s|$)(.*)$/;
/** Mocha takes one reporter: a command that names its own runs as given. */
const mochaReporterFlag = /(?:^|\s)(?:--reporter|-R)(?:[=\s]|$)/;

type LedgerRunner = "vitest" | "jest" | "mocha" | "unittest";
const npmScript = /^npm\s+(?:(?:test|t)|(?:run|run-script)\s+(\S+))(\s.*)?$/;

export interface LedgerCommand {
  command: string;
  /** Which runner's reporter was added, or null when the command runs as given. */
  runner: LedgerRunner | null;
}

/** The command the supervisor runs for the ledger, with `cwd`'s package.json scripts read for npm forms. */
export async function ledgerCommand(command: string, cwd: string): Promise<LedgerCommand> {
  const trimmed = command.trim();
  if (!simpleCommand.test(trimmed)) return { command, runner: null };
  const unittest = unittestInvocation.exec(trimmed);
  // Runs unittest's own command line under the supervisor's runner module (supervise_unittest_ledger.py).
  if (unittest)
    return { command: `${unittest[1]} -m supervise_unittest_ledger${unittest[2]}`, runner: "unittest" };
  const direct = runnerOf(trimmed);
  if (direct === "mocha" && mochaReporterFlag.test(trimmed)) return { command, runner: null };
  if (direct !== null) return { command: `${trimmed} ${reporterArguments(direct, trimmed)}`, runner: direct };
  const npm = npmScript.exec(trimmed);
  if (!npm) return { command, runner: null };
  const script = (await scriptsOf(cwd))[npm[1] ?? "test"];
  if (script === undefined || !simpleCommand.test(script.trim())) return { command, runner: null };
  const runner = runnerOf(script.trim());
  if (runner === null) return { command, runner: null };
  const passed = npm[2] ?? "";
  if (runner === "mocha" && mochaReporterFlag.test(`${script} ${passed}`)) return { command, runner: null };
  const separator = /(?:^|\s)--(?:\s|$)/.test(passed) ? "" : " --";
  return {
    command: `${trimmed}${separator} ${reporterArguments(runner, `${script} ${passed}`)}`,
    runner,
  };
}

function runnerOf(command: string): Exclude<LedgerRunner, "unittest"> | null {
  if (vitestInvocation.test(command)) return "vitest";
  if (jestInvocation.test(command)) return "jest";
  if (mochaInvocation.test(command)) return "mocha";
  return null;
}

function reporterArguments(runner: Exclude<LedgerRunner, "unittest">, existing: string): string {
  // The mocha reporter prints as `spec` does itself (mocha-ledger-reporter.mjs).
  if (runner === "mocha") return `--reporter ${quoted(mochaLedgerReporterPath)}`;
  if (runner === "vitest") {
    const printer = /--reporter[=\s]/.test(existing) ? "" : "--reporter=default ";
    return `${printer}--reporter=${quoted(vitestLedgerReporterPath)}`;
  }
  const printer = /--reporters[=\s]/.test(existing) ? "" : "--reporters=default ";
  return `${printer}--reporters=${quoted(jestLedgerReporterPath)}`;
}

async function scriptsOf(cwd: string): Promise<Record<string, string>> {
  try {
    const parsed = JSON.parse(await readFile(join(cwd, "package.json"), "utf8")) as { scripts?: unknown };
    const scripts = parsed.scripts;
    if (typeof scripts !== "object" || scripts === null) return {};
    return Object.fromEntries(
      Object.entries(scripts).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
  } catch {
    return {};
  }
}

function quoted(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
