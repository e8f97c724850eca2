/**
 * The local forge's CI: for each pushed commit, `commands.ci` in a fresh clone of origin with
 * only the environment the caller built, so a missing install step or an untracked file the
 * worker relied on fails here as it would on a real CI. One run per commit, recorded on disk.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../clock.ts";
import { errorMessage } from "../../errors.ts";
import type { CommandHome, CommandResult, CommandRunner } from "../../sandbox/index.ts";
import {
  baseCountingCeiling,
  countingCeiling,
  emptyTreeSize,
  measureTree,
  treeLimitProblem,
  treeLimitsAbove,
} from "../../workspace/index.ts";
import type { CiStatus } from "../forge.ts";
import {
  type CiRunRecord,
  ciLogPath,
  ciRunPath,
  ciRunRecordSchema,
  type ForgeLayout,
  readRecord,
  writeRecord,
} from "./forge-store.ts";
import { type Git, treeReaderOf } from "./git.ts";

export interface LocalCiOptions {
  layout: ForgeLayout;
  git: Git;
  runner: CommandRunner;
  environment: Record<string, string>;
  /** The persistent HOME of a branch's CI runs (its workstream's caches); none: an empty HOME each run. */
  ciHomeFor?: ((branch: string) => CommandHome | undefined) | undefined;
  clock: Clock;
  timeoutMs: number;
  /** Where checkouts go: outside the plan's repository, so no parent node_modules or config leaks in. */
  temporaryDirectory: string;
}

export interface LocalCi {
  /** Records `sha` as queued and starts its run, unless a run for `sha` is recorded already. */
  start(options: { sha: string; branch: string; command: string; homeBranch?: string }): Promise<void>;
  /** What the record says; a run left unfinished by a crashed supervisor is started again. */
  status(sha: string): Promise<CiStatus>;
  /** Resolves once the run for `sha` has finished (or the forge closed); `none` when there is no run. */
  whenSettled(sha: string): Promise<CiStatus>;
  /** Aborts the running commands; their records stay unfinished, so a later forge runs them again. */
  close(): Promise<void>;
}

interface ActiveRun {
  controller: AbortController;
  settled: Promise<void>;
}

const summaryMaxCharacters = 2000;

export function createLocalCi(options: LocalCiOptions): LocalCi {
  const { layout, git, clock } = options;
  const active = new Map<string, ActiveRun>();
  let isClosed = false;
  const now = () => new Date(clock.now()).toISOString();
  const read = (sha: string) => readRecord(ciRunPath(layout, sha), ciRunRecordSchema);

  // Synchronous check-and-set: whatever asks first (a push, a status read) starts the run, once.
  function launch(record: CiRunRecord): void {
    if (isClosed || active.has(record.sha)) return;
    const controller = new AbortController();
    const settled = execute(record, controller.signal)
      .catch((error: unknown) => recordInfrastructureFailure(record, error))
      .catch(() => {}) // the disk itself failed; the record stays unfinished and is retried later
      .finally(() => active.delete(record.sha));
    active.set(record.sha, { controller, settled });
  }

  async function execute(queued: CiRunRecord, signal: AbortSignal): Promise<void> {
    const running: CiRunRecord = { ...queued, status: "in_progress", startedAt: now() };
    await writeRecord(ciRunPath(layout, queued.sha), running);
    const logFile = ciLogPath(layout, queued.sha);
    await rm(logFile, { force: true });
    const workDirectory = await mkdtemp(join(options.temporaryDirectory, "supervise-ci-"));
    try {
      const checkout = join(workDirectory, "checkout");
      // --no-hardlinks: the CI command may write anywhere in its clone, origin's objects included.
      await git.run(["clone", "--quiet", "--no-hardlinks", "--no-checkout", layout.origin, checkout], {
        signal,
      });
      // Measured before the checkout writes a file: CI runs outside any sandbox.
      const tree = treeReaderOf(git, { cwd: checkout, signal });
      const base = await measureTree(tree, "HEAD", { stopAfterFiles: baseCountingCeiling }).catch(
        () => emptyTreeSize,
      );
      const limits = treeLimitsAbove(base);
      const tooLarge = treeLimitProblem(
        await measureTree(tree, queued.sha, { stopAfterFiles: countingCeiling(limits) }),
        { subject: "the commit's tree", action: "CI checks out", limits },
      );
      if (tooLarge !== null) {
        await writeFile(logFile, `CI did not check the commit out: ${tooLarge}.\n`);
        await writeRecord(ciRunPath(layout, queued.sha), {
          ...running,
          status: "completed",
          conclusion: "failure",
          completedAt: now(),
          summary: `CI did not check the commit out: ${tooLarge}`,
        });
        return;
      }
      await git.run(["checkout", "--quiet", "--detach", queued.sha], { cwd: checkout, signal });
      const home = options.ciHomeFor?.(queued.homeBranch ?? queued.branch);
      const result = await options.runner.run({
        ...(home ? { home } : {}),
        command: queued.command,
        cwd: checkout,
        env: options.environment,
        timeoutMs: options.timeoutMs,
        logFile,
        signal,
      });
      if (result.isCanceled || signal.aborted) return;
      await writeRecord(ciRunPath(layout, queued.sha), completedRecord(running, result, now()));
    } catch (error) {
      if (signal.aborted) return;
      throw error;
    } finally {
      await rm(workDirectory, { recursive: true, force: true });
    }
  }

  async function recordInfrastructureFailure(record: CiRunRecord, error: unknown): Promise<void> {
    const message = errorMessage(error);
    await writeFile(ciLogPath(layout, record.sha), `CI could not run the command: ${message}\n`);
    await writeRecord(ciRunPath(layout, record.sha), {
      ...record,
      status: "completed",
      conclusion: "failure",
      startedAt: record.startedAt ?? now(),
      completedAt: now(),
      summary: `CI could not run the command: ${message}`,
    } satisfies CiRunRecord);
  }

  // After close() the run is still queued on disk, so the next forge over this state dir runs it.
  async function start(request: {
    sha: string;
    branch: string;
    command: string;
    homeBranch?: string;
  }): Promise<void> {
    if (active.has(request.sha)) return;
    const existing = await read(request.sha);
    if (existing) return restartIfOrphaned(existing);
    const record: CiRunRecord = {
      ...request,
      status: "queued",
      conclusion: null,
      attempt: 1,
      queuedAt: now(),
      startedAt: null,
      completedAt: null,
      exitCode: null,
      durationMs: null,
      summary: null,
    };
    await writeRecord(ciRunPath(layout, request.sha), record);
    launch(record);
  }

  function restartIfOrphaned(record: CiRunRecord): void {
    if (record.status === "completed" || active.has(record.sha)) return;
    launch({ ...record, attempt: record.status === "in_progress" ? record.attempt + 1 : record.attempt });
  }

  async function status(sha: string): Promise<CiStatus> {
    const record = await read(sha);
    if (!record) return { sha, state: "none", checks: [] };
    restartIfOrphaned(record);
    return toCiStatus(record, ciLogPath(layout, sha));
  }

  async function whenSettled(sha: string): Promise<CiStatus> {
    await status(sha);
    await active.get(sha)?.settled;
    const record = await read(sha);
    return record ? toCiStatus(record, ciLogPath(layout, sha)) : { sha, state: "none", checks: [] };
  }

  async function close(): Promise<void> {
    isClosed = true;
    const runs = [...active.values()];
    for (const run of runs) run.controller.abort();
    await Promise.all(runs.map((run) => run.settled));
  }

  return { start, status, whenSettled, close };
}

function completedRecord(running: CiRunRecord, result: CommandResult, completedAt: string): CiRunRecord {
  const conclusion = result.isTimedOut
    ? "timed_out"
    : result.exitCode === 0 && !result.error
      ? "success"
      : "failure";
  const summary = result.error ? `The command could not start: ${result.error}` : outputTail(result.output);
  return {
    ...running,
    status: "completed",
    conclusion,
    completedAt,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    summary,
  };
}

function outputTail(output: string): string | null {
  const trimmed = output.trimEnd();
  if (!trimmed) return null;
  const tail = trimmed.split("\n").slice(-20).join("\n");
  return tail.length > summaryMaxCharacters ? tail.slice(-summaryMaxCharacters) : tail;
}

/** Pure: one check named `ci`, as a GitHub check run would read. */
export function toCiStatus(record: CiRunRecord, logPath: string): CiStatus {
  const state =
    record.status !== "completed" ? "pending" : record.conclusion === "success" ? "success" : "failure";
  return {
    sha: record.sha,
    state,
    checks: [
      {
        name: "ci",
        status: record.status,
        conclusion: record.conclusion,
        detailsUrl: record.startedAt ? logPath : null,
        startedAt: record.startedAt,
        completedAt: record.completedAt,
        summary: record.summary,
      },
    ],
  };
}
