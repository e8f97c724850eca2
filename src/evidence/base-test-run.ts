/**
 * The two runs `diff_scope` compares: the plan's check command at the base, in a throwaway clone
 * checked out there, and at the claimed commit, in the checkout (or local_check's output of it).
 * Both go through the given CommandRunner, so they are sandboxed like every command of a worker's
 * code. A listed base run is cached per (base, command): N workstreams from one base run it once.
 */
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import type { CommandResult, CommandRunner } from "../sandbox/index.ts";
import { createSafeGit, GitCommandError, type SafeGitOptions } from "../workspace/index.ts";
import { type BaseCheckoutRequest, checkOutBase, lentFromCheckout } from "./base-clone.ts";
import { type RecordedLedger, runWithTestLedger } from "./test-ledger.ts";
import { readTestListing, type TestListing } from "./test-names.ts";
import type { TestRun } from "./test-run-comparison.ts";

export interface TestRunRequest {
  runner: CommandRunner;
  command: string;
  /** The command's complete environment, as local_check gets it. */
  environment: Record<string, string>;
  timeoutMs: number;
  /** With `logPath` (relative to it), the full output is kept there for the bundle. */
  runDirectory?: string | undefined;
  logPath?: string | undefined;
  signal?: AbortSignal | undefined;
  /** PATH and HOME for git. */
  gitEnvironment?: SafeGitOptions["environment"];
}

export interface BaseTestRunRequest extends TestRunRequest, BaseCheckoutRequest {
  /** Where listed base runs are kept as JSON; without it every call runs the base. */
  cacheDirectory?: string | undefined;
  /** Where the throwaway clone goes; on the checkout's file system, dependencies are hard links, not copies. */
  temporaryDirectory: string;
  /** Files of another commit laid over the base before the run (tests_prove_change: the claim's tests). */
  overlay?: BaseOverlay | undefined;
}

export interface BaseOverlay {
  /** Holds the files; it must be in the repository the base is cloned from. */
  commit: string;
  /** Taken from `commit`, replacing or adding to the base's. */
  paths: readonly string[];
  /** Deleted from the base. */
  removed: readonly string[];
  /** Names these files' contents (e.g. their blob ids): the cache is keyed by it, not by the commit. */
  identity: string;
}

export interface ClaimTestRunRequest extends TestRunRequest {
  checkoutPath: string;
  commit: string;
  /** local_check's full output at this commit; read instead of running the command again. */
  claimedRunOutput?: string | undefined;
  /** local_check's test ledger at this commit, read with its output (see test-ledger.ts). */
  claimedLedger?: RecordedLedger | null | undefined;
  /** Where a log goes when the request names none. */
  temporaryDirectory: string;
}

/** Changes when listings are named differently, so a cached base listing is never compared with a new one. */
const listingVersion = "ledger-2";
/** Larger logs are not read back; the runner's capped output (head and tail) stands in. */
const maxLogBytes = 32 * 1024 * 1024;
const shaPattern = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const elisionMarker = /\n\[… \d+ bytes elided …\]\n/;

export async function runTestsAtBase(request: BaseTestRunRequest): Promise<TestRun> {
  if (!shaPattern.test(request.baseSha))
    throw new TypeError(`Expected a full commit SHA, got "${request.baseSha}".`);
  const cacheFile = request.cacheDirectory ? join(request.cacheDirectory, cacheFileName(request)) : null;
  const cached = cacheFile ? await readCachedRun(cacheFile, request) : null;
  if (cached) return cached;

  await mkdir(request.temporaryDirectory, { recursive: true });
  const workDirectory = await mkdtemp(join(request.temporaryDirectory, "supervise-base-"));
  try {
    const clone = join(workDirectory, "clone");
    const cloneError = (await checkOutBase(request, clone)) ?? (await layOver(request, clone));
    if (cloneError !== null) {
      const reason = `git could not check it out in a clone: ${cloneError}`;
      return { kind: "not-run", sha: request.baseSha, command: request.command, reason, log: null };
    }
    const run = await runAndList(request, { cwd: clone, sha: request.baseSha, scratch: workDirectory });
    if (cacheFile && run.kind === "ran" && run.listing.kind === "listed") {
      await writeCachedRun(cacheFile, run, logFileOf(request));
    }
    return run;
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}

/** The overlay's files checked out over the base in `clone`; the error message when git failed. */
async function layOver(request: BaseTestRunRequest, clone: string): Promise<string | null> {
  const overlay = request.overlay;
  if (overlay === undefined) return null;
  const literal = (path: string) => `:(literal)${path}`;
  try {
    const git = await createSafeGit(clone, { environment: request.gitEnvironment });
    if (overlay.removed.length > 0)
      await git.raw(["rm", "--quiet", "--ignore-unmatch", "--", ...overlay.removed.map(literal)]);
    if (overlay.paths.length > 0)
      await git.raw(["checkout", overlay.commit, "--", ...overlay.paths.map(literal)]);
    return null;
  } catch (error) {
    if (error instanceof GitCommandError) return error.message;
    throw error;
  }
}

/** local_check's output when it is whole; otherwise the command runs again in the checkout. */
export async function runTestsAtClaim(request: ClaimTestRunRequest): Promise<TestRun> {
  const isWhole =
    request.claimedLedger?.ledger != null ||
    (request.claimedRunOutput !== undefined && !elisionMarker.test(request.claimedRunOutput));
  if (request.claimedRunOutput !== undefined && isWhole) {
    return {
      kind: "ran",
      sha: request.commit,
      command: request.command,
      exitCode: null,
      signal: null,
      durationMs: 0,
      log: null,
      source: "local_check",
      listing: listingOf(
        await withoutDirectory(request.claimedRunOutput, request.checkoutPath),
        request.claimedLedger ?? null,
      ),
    };
  }
  const git = await createSafeGit(request.checkoutPath, { environment: request.gitEnvironment });
  const head = await git.resolveCommit("HEAD");
  if (head !== request.commit) {
    const reason = `the checkout is at ${head?.slice(0, 12) ?? "no commit"}, not the claimed commit`;
    return { kind: "not-run", sha: request.commit, command: request.command, reason, log: null };
  }
  await mkdir(request.temporaryDirectory, { recursive: true });
  const scratch = await mkdtemp(join(request.temporaryDirectory, "supervise-claim-"));
  try {
    return await runAndList(request, { cwd: request.checkoutPath, sha: request.commit, scratch });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function runAndList(
  request: TestRunRequest,
  where: { cwd: string; sha: string; scratch: string },
): Promise<TestRun> {
  const logFile = logFileOf(request) ?? join(where.scratch, "output.log");
  const log = logFileOf(request) ? request.logPath! : null;
  await mkdir(dirname(logFile), { recursive: true });
  const run = await runWithTestLedger(
    request.runner,
    {
      command: request.command,
      cwd: where.cwd,
      env: request.environment,
      timeoutMs: request.timeoutMs,
      logFile,
      ...(request.signal ? { signal: request.signal } : {}),
    },
    where.scratch,
  );
  const result = run.result;
  const notRun = notRunReason(result);
  if (notRun !== null)
    return { kind: "not-run", sha: where.sha, command: request.command, reason: notRun, log };
  const output = (await readWholeLog(logFile)) ?? result.output;
  return {
    kind: "ran",
    sha: where.sha,
    command: request.command,
    exitCode: result.exitCode,
    signal: result.signal,
    durationMs: result.durationMs,
    log,
    source: "ran",
    listing: listingOf(await withoutDirectory(output, where.cwd), run),
  };
}

/**
 * The tests of a run: the ledger's for node:test, the output's for other runners. A ledger folder
 * that holds files no runner of the check wrote was written by something else: nothing in it counts.
 */
function listingOf(output: string, recorded: RecordedLedger | null): TestListing {
  const ledger = recorded?.ledger ?? null;
  if (ledger !== null && ledger.strays.length > 0) {
    const strays = ledger.strays.slice(0, 3).join(", ");
    return {
      kind: "unlisted",
      reason: `files no test runner of the check wrote appeared in the supervisor's test ledger (${strays}): a process of the check wrote there, so its outcomes are not evidence`,
    };
  }
  return readTestListing(output, ledger?.tests ?? null, ledger?.kinds);
}

function notRunReason(result: CommandResult): string | null {
  if (result.isTimedOut) return `it timed out after ${result.durationMs} ms`;
  if (result.isCanceled) return "it was cancelled";
  if (result.exitCode === null && result.signal === null) return result.error ?? "it did not start";
  return null;
}

function logFileOf(request: TestRunRequest): string | null {
  return request.runDirectory && request.logPath ? join(request.runDirectory, request.logPath) : null;
}

/** The full log, which the runner writes uncapped; null when it is missing or too large to read. */
async function readWholeLog(logFile: string): Promise<string | null> {
  try {
    if ((await stat(logFile)).size > maxLogBytes) return null;
    return await readFile(logFile, "utf8");
  } catch {
    return null;
  }
}

/**
 * The base runs in a clone, the claim in the checkout: a runner that prints absolute paths would
 * name the same test differently. The run's own directory is cut from the output.
 */
async function withoutDirectory(output: string, directory: string): Promise<string> {
  const resolved = await realpath(directory).catch(() => directory);
  return output.replaceAll(`${resolved}/`, "").replaceAll(`${directory}/`, "");
}

const cacheRecordSchema = z.object({
  version: z.literal(1),
  baseSha: z.string(),
  command: z.string(),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  durationMs: z.number(),
  /** The absolute path of the run's full log, copied into each later run's log path. */
  logFile: z.string().nullable(),
  listing: z.object({
    kind: z.literal("listed"),
    runners: z.array(z.string()),
    tests: z.array(z.object({ name: z.string(), status: z.enum(["passed", "failed", "skipped", "todo"]) })),
  }),
});

function cacheFileName(request: BaseTestRunRequest): string {
  // A run that borrowed a checkout's dependencies speaks for that checkout only: another
  // workstream must not read a base listing one worker's node_modules shaped.
  const key = createHash("sha256")
    .update(`${request.baseSha}\0${request.command}\0${lentFromCheckout(request)}\0${listingVersion}`)
    .update(request.overlay ? `\0${request.overlay.identity}` : "")
    .digest("hex");
  return `base-test-run-${key.slice(0, 32)}.json`;
}

/** A cached run, with its log copied to this request's log path; null on a miss or an unreadable record. */
async function readCachedRun(cacheFile: string, request: BaseTestRunRequest): Promise<TestRun | null> {
  let record: z.infer<typeof cacheRecordSchema>;
  try {
    const parsed = cacheRecordSchema.safeParse(JSON.parse(await readFile(cacheFile, "utf8")));
    if (!parsed.success) return null;
    record = parsed.data;
  } catch {
    return null;
  }
  if (record.baseSha !== request.baseSha || record.command !== request.command) return null;
  const logFile = logFileOf(request);
  if (logFile !== null) {
    await mkdir(dirname(logFile), { recursive: true });
    if (record.logFile !== logFile) {
      await copyFile(record.logFile ?? "", logFile).catch(() =>
        writeFile(
          logFile,
          `The base run was read from ${cacheFile}; its log ${record.logFile ?? "was not kept"} is gone.\n`,
        ),
      );
    }
  }
  return {
    kind: "ran",
    sha: record.baseSha,
    command: record.command,
    exitCode: record.exitCode,
    signal: record.signal,
    durationMs: record.durationMs,
    log: logFile === null ? null : request.logPath!,
    source: "cached",
    listing: record.listing,
  };
}

async function writeCachedRun(
  cacheFile: string,
  run: TestRun & { kind: "ran" },
  logFile: string | null,
): Promise<void> {
  if (run.listing.kind !== "listed") return;
  const record: z.infer<typeof cacheRecordSchema> = {
    version: 1,
    baseSha: run.sha,
    command: run.command,
    exitCode: run.exitCode,
    signal: run.signal,
    durationMs: run.durationMs,
    logFile,
    listing: run.listing,
  };
  await mkdir(dirname(cacheFile), { recursive: true });
  // Atomic: workstreams verifying at once may race to write the same record, never to read half of one.
  await writeFileAtomic(cacheFile, `${JSON.stringify(record)}\n`);
}
