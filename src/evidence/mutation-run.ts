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
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CommandRunner } from "../sandbox/index.ts";
import { GitCommandError, type SafeGitOptions } from "../workspace/index.ts";
import { checkOutBase } from "./base-clone.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import { applyMutant, type Mutant } from "./mutants.ts";
import {
  judgeMutants,
  type MutantOutcome,
  type MutationSettings,
  mutationGate,
} from "./mutation-judgement.ts";
import { isStrykerMutant, type MutationPlan, planMutants } from "./mutation-plan.ts";
import { type MutationSession, recordOutcome, takeCached } from "./mutation-session.ts";
import { runStrykerMutants } from "./stryker/stryker-mutation-run.ts";

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
    if (session.stop) {
      await writeLog(request, session.log);
      return session.stop;
    }
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
    await recordOutcome(session, mutant, outcome, ` (${Math.round(result.durationMs)} ms)`);
  }
  return null;
}

async function writeLog(request: MutationRequest, lines: readonly string[]): Promise<void> {
  const path = join(request.runDirectory, request.logPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${lines.join("\n")}\n`);
}
