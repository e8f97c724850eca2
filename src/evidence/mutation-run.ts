/**
 * The `mutation` gate: mutants of the source lines the claim changed run the check command in a
 * throwaway clone of the claimed commit, sandboxed like every command of a worker's code; a mutant
 * the check still passes on is a change to the code that nothing the tests check notices.
 * JavaScript/TypeScript mutants are StrykerJS's, run by Stryker (stryker/stryker-run.ts); other
 * languages, and JS/TS files Stryker cannot read or run, get the built-in operator mutants
 * (mutants.ts), one run of the check each. Bounded: a sampled number of mutants (mutation-plan.ts),
 * a time limit for all of them, and a per-mutant limit from local_check's own duration. A mutant's
 * result is cached by the check command, the mutated file's contents and the test files' contents,
 * so a re-claim that fixed one file re-runs only the mutants that file or the tests could change.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CommandRunner } from "../sandbox/index.ts";
import { GitCommandError, type SafeGitOptions } from "../workspace/index.ts";
import { checkOutBase } from "./base-clone.ts";
import { firstErrorLines } from "./error-excerpt.ts";
import { languageOf } from "./file-roles.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import { applyMutant, type Mutant, mutantsOfLines, sampleMutants } from "./mutants.ts";
import {
  judgeMutants,
  type MutantOutcome,
  type MutantResult,
  type MutationSettings,
  mutantOutcomes,
  mutationGate,
  where,
} from "./mutation-judgement.ts";
import { isStrykerMutant, type MutationPlan, planMutants } from "./mutation-plan.ts";
import { mutateRange, type StrykerMutant, strykerMutantKey } from "./stryker/stryker-mutants.ts";
import { runStryker, type StrykerResult } from "./stryker/stryker-run.ts";

export { judgeMutants, type MutationSettings, mutationGate } from "./mutation-judgement.ts";
export { addedLineNumbers } from "./mutation-plan.ts";

export interface MutationRequest {
  settings: MutationSettings;
  checkoutPath: string;
  baseSha: string;
  commit: string;
  checkCommand: string | undefined;
  runner: CommandRunner;
  environment: Record<string, string>;
  gitEnvironment?: SafeGitOptions["environment"];
  /** How long the check took at the claim (local_check); a mutant may take a few times that. */
  checkDurationMs: number | undefined;
  runDirectory: string;
  cacheDirectory: string;
  /** Relative to the run directory: every mutant and its result. */
  logPath: string;
  cloneFrom?: string | undefined;
  trustedDependenciesPath?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Milliseconds since some origin; injected so the time limit can be tested. */
  now?: () => number;
}

/** A built-in mutant may run this many times as long as the check did at the claim, and never less than the floor. */
const perMutantFactor = 3;
const perMutantFloorMs = 30_000;
/** Stryker adds its own share of the dry run's time to this (its `timeoutMS`, default 5 s). */
const strykerTimeoutFloorMs = 5_000;

export async function observeMutation(request: MutationRequest): Promise<GateResult> {
  const now = request.now ?? (() => performance.now());
  const started = now();
  const observedBase = {
    base: request.baseSha,
    commit: request.commit,
    min_killed: request.settings.minKilled,
    max_minutes: request.settings.maxMinutes,
  };
  if (!request.checkCommand)
    return gateResult(
      mutationGate,
      "error",
      "the plan names no check command to run the mutants with",
      observedBase,
    );
  const checkCommand = request.checkCommand;
  const workDirectory = join(request.cacheDirectory, "work");
  await mkdir(workDirectory, { recursive: true });
  const scratch = await mkdtemp(join(workDirectory, "mutation-"));
  try {
    const clone = join(scratch, "clone");
    const cloneError = await checkOutBase(
      {
        checkoutPath: request.checkoutPath,
        ...(request.cloneFrom ? { cloneFrom: request.cloneFrom } : {}),
        ...(request.trustedDependenciesPath
          ? { trustedDependenciesPath: request.trustedDependenciesPath }
          : {}),
        baseSha: request.commit,
        gitEnvironment: request.gitEnvironment,
      },
      clone,
    );
    if (cloneError !== null)
      return gateResult(
        mutationGate,
        "error",
        `git could not check the claim out in a clone: ${cloneError}`,
        observedBase,
      );
    let plan: MutationPlan;
    try {
      plan = await planMutants({ ...request, maxMutants: request.settings.maxMutants }, clone);
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw error;
      return gateResult(mutationGate, "error", `could not read the change: ${error.message}`, observedBase);
    }
    const notes = planNotes(plan);
    const observed: Record<string, unknown> = {
      ...observedBase,
      mutable_files: plan.files,
      mutants_found: plan.found,
      mutants_sampled: plan.mutants.length,
      ...(plan.strykerUnusable.length > 0 ? { stryker_fallbacks: plan.strykerUnusable } : {}),
      ...(plan.ignoredStrykerConfigs.length > 0
        ? { ignored_stryker_configs: plan.ignoredStrykerConfigs }
        : {}),
    };
    if (plan.mutants.length === 0)
      return gateResult(mutationGate, "pass", "no changed source line has an operator to mutate", observed);

    const session: MutationSession = {
      request,
      checkCommand,
      plan,
      clone,
      scratch,
      now,
      deadline: started + request.settings.maxMinutes * 60_000,
      results: [],
      log: [`check: ${checkCommand}`, ""],
      observed,
      notes,
    };
    const pending = await takeCached(session, plan.mutants);
    const builtIn = pending.filter((mutant) => !isStrykerMutant(mutant));
    const stryker = pending.filter(isStrykerMutant);
    let fallback: Mutant[] = [];
    if (stryker.length > 0) fallback = await runStrykerMutants(session, stryker);
    if (session.stop) return session.stop;
    const stopped = await runBuiltInMutants(session, [...builtIn, ...fallback]);
    if (stopped !== null) return stopped;
    // Built-in mutants that stood in for Stryker's replace them in the count.
    const sampled =
      fallback.length > 0 ? plan.mutants.length - stryker.length + fallback.length : plan.mutants.length;
    await writeLog(request, [
      ...session.log,
      "",
      `${sampled - session.results.length} not run within the time limit`,
    ]);
    return judgeMutants(
      request.settings,
      sampled,
      session.results,
      { ...session.observed, log: request.logPath },
      session.notes,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface MutationSession {
  request: MutationRequest;
  checkCommand: string;
  plan: MutationPlan;
  clone: string;
  scratch: string;
  now: () => number;
  deadline: number;
  results: MutantResult[];
  log: string[];
  observed: Record<string, unknown>;
  notes: string[];
  /** Set when the gate must end with this result instead of a judgement. */
  stop?: GateResult;
}

/** Stryker's words when the check fails before any mutant is placed (DryRunExecutor). */
const initialRunFailed = /failed in the initial test run|initial test run (?:failed|timed out)/i;

/** Stryker's first error line without its time, process id and level. */
function strykerError(output: string, status: number | string | null): string {
  const line = firstErrorLines(output)
    .split("\n")[0]
    ?.replace(/^\d\d:\d\d:\d\d \(\d+\) (?:ERROR|FATAL) \w+ /, "");
  return line || `it exited with ${status ?? "no status"}`;
}

function planNotes(plan: MutationPlan): string[] {
  const notes = plan.strykerUnusable.map(
    (entry) => `${entry.file} got the built-in mutants: ${entry.reason}`,
  );
  if (plan.ignoredStrykerConfigs.length > 0)
    notes.push(
      `the claim's ${plan.ignoredStrykerConfigs.join(", ")} was not read: StrykerJS ran with the supervisor's own config`,
    );
  return notes;
}

/** Records the cached outcomes and returns the mutants that still have to run. */
async function takeCached(session: MutationSession, mutants: readonly Mutant[]): Promise<Mutant[]> {
  const pending: Mutant[] = [];
  for (const mutant of mutants) {
    const cached = await readCachedOutcome(session.request.cacheDirectory, cacheKey(session, mutant));
    if (cached === null) {
      pending.push(mutant);
      continue;
    }
    session.results.push({ mutant, outcome: cached, source: "cached", engine: engineOf(mutant) });
    session.log.push(`${where(mutant)} ${mutant.description}: ${cached} (cached)`);
  }
  return pending;
}

/**
 * Stryker's run of its mutants until the deadline. Returns the built-in mutants to run instead
 * when Stryker could not run at all (it did not start, or its dry run failed), with a note why.
 */
async function runStrykerMutants(session: MutationSession, mutants: StrykerMutant[]): Promise<Mutant[]> {
  const { request } = session;
  const remaining = session.deadline - session.now();
  if (remaining <= 0 || request.signal?.aborted) return [];
  const strykerLog = `${request.logPath.replace(/\.log$/, "")}-stryker.log`;
  const run = await runStryker({
    runner: request.runner,
    clone: session.clone,
    scratch: session.scratch,
    checkCommand: session.checkCommand,
    environment: request.environment,
    mutate: [...new Set(mutants.map(mutateRange))],
    timeoutMs: remaining,
    perMutantMs: Math.max(strykerTimeoutFloorMs, request.checkDurationMs ?? 0),
    logFile: join(request.runDirectory, strykerLog),
    signal: request.signal,
  });
  session.observed.stryker_log = strykerLog;
  const byKey = new Map(run.results.map((result) => [strykerMutantKey(result), result]));
  session.log.push(
    `StrykerJS: ${run.results.length} mutants tested${run.command.isTimedOut ? ", stopped at the time limit" : ""} (its output: ${strykerLog})`,
  );
  for (const mutant of mutants) {
    const result = byKey.get(mutant.id);
    const outcome = result ? outcomeOf(result) : null;
    if (outcome === null) continue;
    session.results.push({ mutant, outcome, source: "ran", engine: "stryker" });
    session.log.push(`${where(mutant)} ${mutant.description}: ${outcome}`);
    await writeCachedOutcome(request.cacheDirectory, cacheKey(session, mutant), outcome);
  }
  const didNotRun =
    run.results.length === 0 &&
    !run.command.isTimedOut &&
    !run.command.isCanceled &&
    run.command.exitCode !== 0;
  if (!didNotRun) return [];
  const reason = strykerError(run.command.output, run.command.exitCode ?? run.command.signal);
  // The built-in engine would count every mutant as caught by a check that fails without one.
  if (initialRunFailed.test(run.command.output)) {
    session.stop = gateResult(
      mutationGate,
      "error",
      `the check fails on the claim's own code in the gate's clone (StrykerJS's initial run: ${reason}), so no mutant can be judged; its output: ${strykerLog}`,
      session.observed,
    );
    return [];
  }
  const files = [...new Set(mutants.map((mutant) => mutant.file))];
  session.notes.push(`StrykerJS could not run (${reason}), so ${files.join(", ")} got the built-in mutants`);
  session.observed.stryker_failure = reason;
  const replacements = files.flatMap((file) =>
    mutantsOfLines(
      file,
      session.plan.texts.get(file) ?? "",
      session.plan.changedLines.get(file) ?? [],
      languageOf(file),
    ),
  );
  return sampleMutants(replacements, mutants.length, request.baseSha);
}

/** Each built-in mutant is one run of the check; returns a result when the gate must stop with an error. */
async function runBuiltInMutants(
  session: MutationSession,
  mutants: readonly Mutant[],
): Promise<GateResult | null> {
  const { request } = session;
  const perMutantMs = Math.max(perMutantFloorMs, perMutantFactor * (request.checkDurationMs ?? 0));
  for (const mutant of mutants) {
    const remaining = session.deadline - session.now();
    if (remaining <= 0 || request.signal?.aborted) break;
    const key = cacheKey(session, mutant);
    const original = session.plan.texts.get(mutant.file)!;
    await writeFile(join(session.clone, mutant.file), applyMutant(original, mutant));
    const result = await request.runner.run({
      command: session.checkCommand,
      cwd: session.clone,
      env: request.environment,
      timeoutMs: Math.max(1, Math.min(perMutantMs, Math.round(remaining))),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    await writeFile(join(session.clone, mutant.file), original);
    if (result.isCanceled) break;
    if (result.exitCode === null && result.signal === null && !result.isTimedOut) {
      return gateResult(
        mutationGate,
        "error",
        `the check could not run on a mutant: ${result.error ?? "it did not start"}`,
        session.observed,
      );
    }
    // A mutant that runs past the deadline was cut off by it, not caught: it is left unjudged.
    if (result.isTimedOut && session.now() >= session.deadline) break;
    const outcome: MutantOutcome = result.isTimedOut
      ? "timed-out"
      : result.exitCode === 0
        ? "survived"
        : "killed";
    session.results.push({ mutant, outcome, source: "ran", engine: "built-in" });
    session.log.push(
      `${where(mutant)} ${mutant.description}: ${outcome} (${Math.round(result.durationMs)} ms)`,
    );
    await writeCachedOutcome(request.cacheDirectory, key, outcome);
  }
  return null;
}

/** Stryker's status as the gate counts it; null for a mutant Stryker did not judge. */
function outcomeOf(result: StrykerResult): MutantOutcome | null {
  switch (result.status) {
    case "Killed":
      return "killed";
    case "Survived":
      return "survived";
    case "Timeout":
      return "timed-out";
    case "NoCoverage":
      return "no-coverage";
    case "CompileError":
    case "RuntimeError":
      return "invalid";
    default:
      return null;
  }
}

function engineOf(mutant: Mutant): MutantResult["engine"] {
  return isStrykerMutant(mutant) ? "stryker" : "built-in";
}

/** The engine is part of the key: Stryker's and the built-in engine's mutants of a line differ. */
function cacheKey(session: MutationSession, mutant: Mutant): string {
  const { plan } = session;
  return createHash("sha256")
    .update(
      `${engineOf(mutant)}\0${session.checkCommand}\0${plan.blobs.get(mutant.file) ?? ""}\0${plan.testsIdentity}\0${mutant.id}`,
    )
    .digest("hex");
}

async function readCachedOutcome(directory: string, key: string): Promise<MutantOutcome | null> {
  const text = await readFile(join(directory, "mutants", `${key}.txt`), "utf8").catch(() => null);
  return mutantOutcomes.find((outcome) => outcome === text) ?? null;
}

async function writeCachedOutcome(directory: string, key: string, outcome: MutantOutcome): Promise<void> {
  await mkdir(join(directory, "mutants"), { recursive: true });
  await writeFile(join(directory, "mutants", `${key}.txt`), outcome);
}

async function writeLog(request: MutationRequest, lines: readonly string[]): Promise<void> {
  const path = join(request.runDirectory, request.logPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${lines.join("\n")}\n`);
}
