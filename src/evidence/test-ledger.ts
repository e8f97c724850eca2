/**
 * The supervisor's side of the test ledger (see test-ledger-reporter.mjs): a folder per run of the
 * check command, a random first key in it, the environment that loads the reporter, and reading
 * back the outcomes the runner wrote, by file and name. The folder can be written but not listed
 * while the command runs, so a test process can neither find the key nor overwrite an entry; files
 * outside the key chain are reported as strays, never read as outcomes.
 */
import { createHash, randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { CommandRequest, CommandResult, CommandRunner } from "../sandbox/index.ts";
import { withGoTestJson } from "./go-test-json.ts";
import { ledgerCommand } from "./ledger-command.ts";
import type { TestOutcome } from "./test-names.ts";

export const testLedgerReporterPath = fileURLToPath(new URL("./test-ledger-reporter.mjs", import.meta.url));
/** The folder of the pytest plugin (ledger/supervise_pytest_ledger.py), put on PYTHONPATH. */
export const pytestLedgerFolder = fileURLToPath(new URL("./ledger/", import.meta.url)).replace(/\/$/, "");
const pytestPlugin = "supervise_pytest_ledger";

const keyFileName = "key";
/** A check command that starts the test runner more often than this is read up to here. */
const maxRunners = 64;
/** One runner's ledger; larger ones are not read (a suite of a million tests is not a ledger). */
const maxLedgerBytes = 64 * 1024 * 1024;

const ledgerFileSchema = z.object({
  /** Absent in the node:test reporter's files. */
  runner: z.string().optional(),
  tests: z.array(
    z.object({
      file: z.string(),
      path: z.array(z.string()).min(1),
      status: z.enum(["passed", "failed", "skipped", "todo"]),
    }),
  ),
});

export interface TestLedgerReading {
  /** How many runs of the test runner reported. */
  runners: number;
  /** Which runners reported (`node:test`, `pytest`): their printed lines are not read. */
  kinds?: string[] | undefined;
  tests: TestOutcome[];
  /** Files in the ledger folder that no runner of this command wrote: someone else did. */
  strays: string[];
}

export interface TestLedger {
  /** Added to the command's environment: loads the reporter and tells it the key. */
  environment(base: Record<string, string>): Record<string, string>;
  /** The folder the command must be able to write (CommandRequest.writable). */
  folder: string;
  /** What the runners wrote; null when none did (no node:test run in the command). */
  read(runDirectory: string): Promise<TestLedgerReading | null>;
  dispose(): Promise<void>;
}

export interface LedgerRun {
  result: CommandResult;
  /** Null when no node:test runner reported (another runner, or none). */
  ledger: TestLedgerReading | null;
  /** Said when the ledger could not be used and the outcomes come from printed lines. */
  note: string | null;
}

/** node:test refuses a reporter beside the command line's own `--test-reporter` given without a destination. */
const reporterConflict = /must match the number of specified '--test-reporter-destination'/;
/** A Python that ignores PYTHONPATH (`-I`, `-E`) cannot load the pytest plugin, and pytest stops. */
const pytestPluginMissing = new RegExp(`Error importing plugin "${pytestPlugin}"`);

/**
 * Runs the check command with the ledger's reporter loaded. A command whose own reporter options
 * leave node:test no room for another runs again without it, and says so: its outcomes are then
 * read from printed lines, as for runners that have no ledger.
 */
export async function runWithTestLedger(
  runner: CommandRunner,
  request: CommandRequest,
  ledgerParent: string,
): Promise<LedgerRun> {
  const ledger = await openTestLedger(ledgerParent);
  try {
    const rewritten = await ledgerCommand(request.command, request.cwd);
    const result = await runner.run({
      ...request,
      command: rewritten.command,
      env: withGoTestJson(request.command, ledger.environment(request.env)),
      writable: [...(request.writable ?? []), ledger.folder],
    });
    const reading = await ledger.read(await realpath(request.cwd).catch(() => request.cwd));
    if (rewritten.runner !== null && reading === null && result.exitCode !== 0) {
      const note = `${rewritten.runner} did not run with the supervisor's ledger reporter added to its command line: its tests were read from printed lines`;
      return { result: await runner.run(request), ledger: null, note };
    }
    if (result.exitCode !== 0 && reporterConflict.test(result.output)) {
      const note =
        "the check command sets --test-reporter without --test-reporter-destination, which leaves node:test no room for the supervisor's ledger: its tests were read from printed lines; give every reporter a destination";
      return { result: await runner.run(request), ledger: null, note };
    }
    if (result.exitCode !== 0 && pytestPluginMissing.test(result.output)) {
      const note =
        "pytest could not import the supervisor's ledger plugin (a Python that ignores PYTHONPATH, such as `python -I`): its tests were read from printed lines; run pytest with a Python that reads PYTHONPATH";
      return { result: await runner.run(request), ledger: null, note };
    }
    return { result, ledger: reading, note: null };
  } finally {
    await ledger.dispose();
  }
}

const ledgerRunSchema = z.object({
  ledger: z
    .object({
      runners: z.number().int().nonnegative(),
      kinds: z.array(z.string()).optional(),
      tests: z.array(z.object({ name: z.string(), status: z.enum(["passed", "failed", "skipped", "todo"]) })),
      strays: z.array(z.string()),
    })
    .nullable(),
  note: z.string().nullable(),
});

export type RecordedLedger = Pick<LedgerRun, "ledger" | "note">;

/** The ledger file a gate keeps beside its log, for diff_scope and the bundle. */
export function serializeLedgerRun(run: RecordedLedger): string {
  return `${JSON.stringify({ ledger: run.ledger, note: run.note })}\n`;
}

/** Null when the file is missing or not a ledger: the claim's tests are then read from its log. */
export async function readRecordedLedger(path: string): Promise<RecordedLedger | null> {
  const text = await readBounded(path);
  if (text === null) return null;
  const parsed = ledgerRunSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data : null;
}

export async function openTestLedger(parentDirectory: string): Promise<TestLedger> {
  await mkdir(parentDirectory, { recursive: true });
  const folder = await mkdtemp(join(parentDirectory, "ledger-"));
  const firstKey = randomBytes(32).toString("hex");
  await writeFile(join(folder, keyFileName), firstKey, { mode: 0o600 });
  // Write and search, no read: a process that does not know a name finds nothing here.
  await chmod(folder, 0o300);
  return {
    folder,
    environment(base) {
      const own = `--test-reporter="${testLedgerReporterPath}" --test-reporter-destination=stdout`;
      const plugin = `-p ${pytestPlugin}`;
      return {
        ...base,
        NODE_OPTIONS: base.NODE_OPTIONS ? `${base.NODE_OPTIONS} ${own}` : own,
        // pytest reads these in the check's own process; the plugin takes the same key chain.
        PYTEST_ADDOPTS: base.PYTEST_ADDOPTS ? `${base.PYTEST_ADDOPTS} ${plugin}` : plugin,
        PYTHONPATH: base.PYTHONPATH ? `${pytestLedgerFolder}:${base.PYTHONPATH}` : pytestLedgerFolder,
        NODE_TEST_LEDGER_KEY: join(folder, keyFileName),
      };
    },
    async read(runDirectory) {
      await chmod(folder, 0o700);
      return readLedger(folder, firstKey, runDirectory);
    },
    dispose: async () => {
      await chmod(folder, 0o700).catch(() => undefined);
      await rm(folder, { recursive: true, force: true });
    },
  };
}

async function readLedger(
  folder: string,
  firstKey: string,
  runDirectory: string,
): Promise<TestLedgerReading | null> {
  const chain = new Set<string>();
  const kinds = new Set<string>();
  const tests: TestOutcome[] = [];
  let key = firstKey;
  for (let runner = 0; runner < maxRunners; runner += 1) {
    const text = await readBounded(join(folder, `${key}.json`));
    if (text === null) break;
    chain.add(`${key}.json`);
    const parsed = ledgerFileSchema.safeParse(parseJson(text));
    if (parsed.success) {
      kinds.add(parsed.data.runner ?? "node:test");
      for (const test of parsed.data.tests) {
        // A file that failed to load, or ran no test, reports under its own path as the name.
        const [first] = test.path;
        const isFileItself = first === test.file || (first !== undefined && test.file.endsWith(`/${first}`));
        const path = isFileItself ? test.path.slice(1) : test.path;
        tests.push({
          name: [relativeFile(runDirectory, test.file), ...path].join(" > "),
          status: test.status,
        });
      }
    }
    key = createHash("sha256").update(key).digest("hex");
  }
  const strays = (await readdir(folder)).filter((name) => name !== keyFileName && !chain.has(name));
  return chain.size === 0 ? null : { runners: chain.size, kinds: [...kinds], tests, strays };
}

/** Named as the base clone and the checkout both name it: relative to where the command ran. */
function relativeFile(runDirectory: string, file: string): string {
  if (file === "") return "(no file)";
  const inside = relative(runDirectory, file);
  return inside.startsWith("..") ? file : inside;
}

async function readBounded(path: string): Promise<string | null> {
  try {
    if ((await stat(path)).size > maxLedgerBytes) return null;
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
