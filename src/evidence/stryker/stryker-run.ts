/**
 * One StrykerJS run for the `mutation` gate, inside the sandbox every gate command gets, in the
 * gate's throwaway clone of the claim. Stryker is supervise's own dependency, run by supervise's
 * node from its node_modules (mounted read-only); its config is written by the supervisor outside
 * the clone and named on the command line, so a `stryker.conf.*` in the worker's tree is never
 * read, and `plugins` names only our reporter, so no `@stryker-mutator/*` package in the clone's
 * node_modules is loaded. Results come from stryker-result-reporter.mjs as each mutant is tested,
 * so a run the time limit cuts keeps every mutant it finished.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { CommandResult, CommandRunner } from "../../sandbox/index.ts";

const resultsKeyVariable = "SUPERVISE_STRYKER_RESULTS_KEY";
const reporterPath = fileURLToPath(new URL("./stryker-result-reporter.mjs", import.meta.url));
/** A results file larger than this is not read: a few thousand mutants take well under it. */
const maxResultsBytes = 16 * 1024 * 1024;

/** Stryker's statuses (mutation-testing-report-schema), as the reporter writes them. */
const strykerResultSchema = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  mutator: z.string(),
  replacement: z.string(),
  status: z.enum([
    "Killed",
    "Survived",
    "NoCoverage",
    "Timeout",
    "CompileError",
    "RuntimeError",
    "Ignored",
    "Pending",
  ]),
});

export type StrykerResult = z.infer<typeof strykerResultSchema>;

export interface StrykerRunRequest {
  runner: CommandRunner;
  /** The clone of the claim: Stryker's working directory, mutated in place. */
  clone: string;
  /** A folder of the gate's own, outside the clone, for the config, the results and Stryker's temp files. */
  scratch: string;
  checkCommand: string;
  environment: Record<string, string>;
  /** Stryker `mutate` entries: `file:line:column-line:column`. */
  mutate: readonly string[];
  /** For the whole run, dry run included; the run is killed when it ends. */
  timeoutMs: number;
  /** One mutant's check may run this long beyond its dry run's time before Stryker calls it a timeout. */
  perMutantMs: number;
  logFile: string;
  signal?: AbortSignal | undefined;
}

export interface StrykerRun {
  command: CommandResult;
  results: StrykerResult[];
}

/** Runs Stryker once and reads back the results of every mutant it finished, in the order tested. */
export async function runStryker(request: StrykerRunRequest): Promise<StrykerRun> {
  const installation = strykerInstallation();
  const configFolder = join(request.scratch, "stryker-config");
  const resultsFolder = join(request.scratch, "stryker-results");
  const tempFolder = join(request.scratch, "stryker-tmp");
  await Promise.all(
    [configFolder, resultsFolder, tempFolder].map((path) => mkdir(path, { recursive: true })),
  );
  const key = randomBytes(32).toString("hex");
  const keyFile = join(resultsFolder, "key");
  await writeFile(keyFile, key, { mode: 0o600 });
  // Write and search, no read: a test process that does not know the key cannot find the results.
  await chmod(resultsFolder, 0o300);
  const configFile = join(configFolder, "stryker.config.json");
  await writeFile(configFile, `${JSON.stringify(strykerConfig(request, tempFolder), null, 2)}\n`);
  const command = [installation.node, installation.cli, "run", configFile].map(shellQuoted).join(" ");
  try {
    const result = await request.runner.run({
      command,
      cwd: request.clone,
      env: { ...request.environment, [resultsKeyVariable]: keyFile },
      timeoutMs: Math.max(1, Math.round(request.timeoutMs)),
      logFile: request.logFile,
      readOnly: [configFolder, installation.modules, dirname(reporterPath), dirname(installation.node)],
      writable: [resultsFolder, tempFolder],
      ...(request.signal ? { signal: request.signal } : {}),
    });
    await chmod(resultsFolder, 0o700);
    return { command: result, results: await readResults(join(resultsFolder, `${key}.jsonl`)) };
  } finally {
    await chmod(resultsFolder, 0o700).catch(() => undefined);
  }
}

/**
 * The command runner (not jest's or vitest's) because it runs the workstream's own check command,
 * whatever its test runner: the mutant is the same code the check tests, and a mutant the check
 * fails on is killed. Coverage analysis is off with it, so every mutant runs the whole check, as
 * the built-in engine's mutants do. One process at a time: the gate shares the machine.
 */
function strykerConfig(request: StrykerRunRequest, tempFolder: string): Record<string, unknown> {
  return {
    testRunner: "command",
    commandRunner: { command: request.checkCommand },
    mutate: request.mutate,
    plugins: [reporterPath],
    reporters: ["supervise-results"],
    // The clone is the gate's own and thrown away after: no copy of the project is needed.
    inPlace: true,
    tempDirName: tempFolder,
    cleanTempDir: true,
    concurrency: 1,
    coverageAnalysis: "off",
    checkers: [],
    incremental: false,
    timeoutMS: Math.max(1, Math.round(request.perMutantMs)),
    dryRunTimeoutMinutes: Math.max(1, Math.ceil(request.timeoutMs / 60_000)),
    logLevel: "info",
    fileLogLevel: "off",
    allowConsoleColors: false,
  };
}

interface StrykerInstallation {
  node: string;
  cli: string;
  /** The node_modules folder Stryker and its dependencies are installed in. */
  modules: string;
}

/**
 * Stryker as installed with supervise, run by the node that runs supervise: Stryker 10 needs
 * Node 22 or later, whatever the project's own node is (its check still runs on the PATH's node).
 * The sandboxed runner mounts that node's folder already (superviseInstallation).
 */
function strykerInstallation(): StrykerInstallation {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve("@stryker-mutator/core/package.json");
  const packageFolder = dirname(packageJson);
  return {
    node: process.execPath,
    cli: join(packageFolder, "bin", "stryker.js"),
    modules: dirname(dirname(packageFolder)),
  };
}

async function readResults(path: string): Promise<StrykerResult[]> {
  const size = await stat(path).then(
    (info) => info.size,
    () => null,
  );
  if (size === null || size > maxResultsBytes) return [];
  const results: StrykerResult[] = [];
  for (const line of (await readFile(path, "utf8")).split("\n")) {
    if (line.trim() === "") continue;
    // A line cut by the kill at the deadline is the last one; it is not a result.
    const parsed = strykerResultSchema.safeParse(parseJson(line));
    if (parsed.success) results.push(parsed.data);
  }
  return results;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
