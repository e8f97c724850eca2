/**
 * The `mutation` gate's StrykerJS side: one Stryker run (stryker-run.ts) for the sampled JS/TS
 * mutants still to run, until the gate's deadline, and what its results mean for the gate. A
 * Stryker that cannot run at all hands its files to the built-in engine, and the gate says why;
 * a check that fails before any mutant is placed ends the gate with an error, since every mutant
 * would look caught.
 */
import { join } from "node:path";
import { firstErrorLines } from "../error-excerpt.ts";
import { languageOf } from "../file-roles.ts";
import { gateResult } from "../gate-result.ts";
import { type Mutant, mutantsOfLines, sampleMutants } from "../mutants.ts";
import { type MutantOutcome, mutationGate } from "../mutation-judgement.ts";
import { type MutationSession, recordOutcome } from "../mutation-session.ts";
import { mutateRange, type StrykerMutant, strykerMutantKey } from "./stryker-mutants.ts";
import { runStryker, type StrykerResult } from "./stryker-run.ts";

/**
 * Stryker adds this to 1.5 times its dry run's time for each mutant's limit (its `timeoutMS`,
 * default 5 s). Higher than Stryker's default: the gate shares a busy machine, where a slow run
 * would be counted as a timeout (caught) rather than judged. A mutant that loops forever costs
 * this much more; max_minutes bounds them all.
 */
const strykerTimeoutFloorMs = 15_000;

/** Stryker's words when the check fails before any mutant is placed (DryRunExecutor). */
const initialRunFailed = /failed in the initial test run|initial test run (?:failed|timed out)/i;

/**
 * Runs Stryker on `mutants` and records every result it wrote before it ended or was cut. Returns
 * the built-in mutants to run instead when Stryker could not run at all, with a note why.
 */
export async function runStrykerMutants(
  session: MutationSession,
  mutants: readonly StrykerMutant[],
): Promise<Mutant[]> {
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
  session.log.push(
    `StrykerJS: ${run.results.length} mutants tested${run.command.isTimedOut ? ", stopped at the time limit" : ""} (its output: ${strykerLog})`,
  );
  const byKey = new Map(run.results.map((result) => [strykerMutantKey(result), result]));
  let unreported = 0;
  for (const mutant of mutants) {
    const result = byKey.get(mutant.id);
    const outcome = result ? outcomeOf(result) : null;
    if (outcome !== null) await recordOutcome(session, mutant, outcome);
    else unreported += 1;
  }
  // Unjudged mutants of a run that was not cut are not "not run within the time limit": say so.
  if (unreported > 0 && run.results.length > 0 && !run.command.isTimedOut && !run.command.isCanceled)
    session.notes.push(`StrykerJS ended without judging ${unreported} of its ${mutants.length} mutants`);
  const didNotRun =
    run.results.length === 0 &&
    !run.command.isTimedOut &&
    !run.command.isCanceled &&
    run.command.exitCode !== 0;
  if (!didNotRun) return [];
  const reason = strykerError(run.command.output, run.command.exitCode ?? run.command.signal);
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

/** Stryker's first error line without its time, process id and level. */
function strykerError(output: string, status: number | string | null): string {
  const line = firstErrorLines(output)
    .split("\n")[0]
    ?.replace(/^\d\d:\d\d:\d\d \(\d+\) (?:ERROR|FATAL) \w+ /, "");
  return line || `it exited with ${status ?? "no status"}`;
}
