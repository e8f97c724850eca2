/**
 * The `mutation` gate's verdict from the mutants' outcomes: pure, so it is tested on data. The
 * share caught counts a killed mutant and one that made the check run past its time limit (the
 * mutation tools' "detected"); a mutant the tests never ran (no coverage) is not caught; one whose
 * code could not load (Stryker's compile and runtime errors) is left out, as Stryker leaves it out.
 */
import { type GateResult, gateResult } from "./gate-result.ts";
import type { Mutant } from "./mutants.ts";

export const mutationGate = "mutation";

export interface MutationSettings {
  /** The share of mutants the tests must catch, 0–1. */
  minKilled: number;
  /** For all the mutants together. */
  maxMinutes: number;
  /** At most this many mutants run, sampled deterministically. */
  maxMutants: number;
}

export const mutantOutcomes = ["killed", "survived", "timed-out", "no-coverage", "invalid"] as const;
export type MutantOutcome = (typeof mutantOutcomes)[number];

export interface MutantResult {
  mutant: Mutant & { mutator?: string };
  outcome: MutantOutcome;
  source: "ran" | "cached";
  engine: "stryker" | "built-in";
}

/** How many surviving mutants the detail names. */
const namedInDetail = 5;

export function judgeMutants(
  settings: MutationSettings,
  sampled: number,
  results: readonly MutantResult[],
  observed: Record<string, unknown>,
  notes: readonly string[] = [],
): GateResult {
  const count = (outcome: MutantOutcome) => results.filter((result) => result.outcome === outcome).length;
  const notCaught = results.filter(
    (result) => result.outcome === "survived" || result.outcome === "no-coverage",
  );
  const caught = count("killed") + count("timed-out");
  const judged = caught + notCaught.length;
  const notRun = sampled - results.length;
  const summary = {
    ...observed,
    mutants_run: results.filter((result) => result.source === "ran").length,
    mutants_cached: results.filter((result) => result.source === "cached").length,
    mutants_by_engine: {
      stryker: results.filter((result) => result.engine === "stryker").length,
      "built-in": results.filter((result) => result.engine === "built-in").length,
    },
    mutants_killed: count("killed"),
    mutants_timed_out: count("timed-out"),
    mutants_no_coverage: count("no-coverage"),
    mutants_invalid: count("invalid"),
    mutants_not_run: notRun,
    surviving_mutants: notCaught.map(({ mutant, outcome }) => ({
      file: mutant.file,
      line: mutant.line,
      column: mutant.column,
      mutation: `${mutant.original} → ${mutant.replacement}`,
      ...(mutant.mutator ? { mutator: mutant.mutator } : {}),
      ...(outcome === "no-coverage" ? { no_coverage: true } : {}),
    })),
  };
  const noteText = notes.map((note) => `; ${note}`).join("");
  if (judged === 0)
    return gateResult(
      mutationGate,
      "error",
      results.length === 0
        ? `no mutant ran within max_minutes (${settings.maxMinutes}): raise it, or make the check faster${noteText}`
        : `no mutant could be judged: every one of the ${results.length} that ran made code that does not load${noteText}`,
      summary,
    );
  const rate = caught / judged;
  const timedOut = count("timed-out");
  const shareText = [
    `${caught} of ${judged} mutants of the changed lines caught by the tests (${percent(rate)}, at least ${percent(settings.minKilled)} needed)`,
    timedOut > 0 ? `; ${timedOut} of them by running past the time limit, not by a failing test` : "",
    notRun > 0 ? `; ${notRun} not run within ${settings.maxMinutes} min` : "",
    noteText,
  ].join("");
  if (rate >= settings.minKilled)
    return gateResult(mutationGate, "pass", shareText, { ...summary, killed_rate: rate });
  const named = notCaught
    .slice(0, namedInDetail)
    .map(
      ({ mutant, outcome }) =>
        `${where(mutant)} ${mutant.description}${outcome === "no-coverage" ? " (no test ran it)" : ""}`,
    );
  const more = notCaught.length > namedInDetail ? ` and ${notCaught.length - namedInDetail} more` : "";
  return gateResult(
    mutationGate,
    "fail",
    `only ${shareText}; these changes to the code break nothing the tests check: ${named.join("; ")}${more}`,
    { ...summary, killed_rate: rate },
  );
}

export function where(mutant: Mutant): string {
  return `${mutant.file}:${mutant.line}`;
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}
