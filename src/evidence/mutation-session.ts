/**
 * One run of the `mutation` gate as its engines share it: the clone, the deadline, the outcomes
 * so far with their log lines, and the cache of each mutant's outcome, keyed by the engine, the
 * check command, the mutated file's blob, the claim's test files and the mutant.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GateResult } from "./gate-result.ts";
import type { Mutant } from "./mutants.ts";
import { type MutantOutcome, type MutantResult, mutantOutcomes, where } from "./mutation-judgement.ts";
import { isStrykerMutant, type MutationPlan } from "./mutation-plan.ts";
import type { MutationRequest } from "./mutation-run.ts";

export interface MutationSession {
  request: MutationRequest;
  checkCommand: string;
  plan: MutationPlan;
  /** The gate's clone of the claim, where the mutants run. */
  clone: string;
  /** The gate's own folder beside the clone. */
  scratch: string;
  now: () => number;
  deadline: number;
  results: MutantResult[];
  log: string[];
  observed: Record<string, unknown>;
  /** Said in the gate's detail after the share caught. */
  notes: string[];
  /** Set when the gate must end with this result instead of a judgement. */
  stop?: GateResult;
}

export function engineOf(mutant: Mutant): MutantResult["engine"] {
  return isStrykerMutant(mutant) ? "stryker" : "built-in";
}

/** Records the cached outcomes and returns the mutants that still have to run. */
export async function takeCached(session: MutationSession, mutants: readonly Mutant[]): Promise<Mutant[]> {
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

/** A mutant's outcome from a run: kept for the judgement, the log and the cache. */
export async function recordOutcome(
  session: MutationSession,
  mutant: Mutant,
  outcome: MutantOutcome,
  logSuffix = "",
): Promise<void> {
  session.results.push({ mutant, outcome, source: "ran", engine: engineOf(mutant) });
  session.log.push(`${where(mutant)} ${mutant.description}: ${outcome}${logSuffix}`);
  await writeCachedOutcome(session.request.cacheDirectory, cacheKey(session, mutant), outcome);
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
