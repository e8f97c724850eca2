/**
 * The `mutation` gate: mutants of the source lines the claim changed (mutants.ts) each run the check
 * command in a throwaway clone of the claimed commit, sandboxed like every command of a worker's
 * code; a mutant the check still passes on is a change to the code that nothing the tests check
 * notices. Bounded: a sampled number of mutants, a time limit for all of them, and a per-mutant
 * limit from local_check's own duration. A mutant's result is cached by the check command, the
 * mutated file's contents and the test files' contents, so a re-claim that fixed one file re-runs
 * only the mutants that file or the tests could change.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CommandRunner } from "../sandbox/index.ts";
import { createSafeGit, GitCommandError, type SafeGitOptions } from "../workspace/index.ts";
import { checkOutBase } from "./base-clone.ts";
import { classifyPath, languageOf } from "./file-roles.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import { applyMutant, type Mutant, mutantsOfLines, sampleMutants } from "./mutants.ts";

export const mutationGate = "mutation";

export interface MutationSettings {
  /** The share of mutants the tests must catch, 0–1. */
  minKilled: number;
  /** For all the mutants together. */
  maxMinutes: number;
  /** At most this many mutants run, sampled deterministically. */
  maxMutants: number;
}

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

type MutantOutcome = "killed" | "survived" | "timed-out";

interface MutantResult {
  mutant: Mutant;
  outcome: MutantOutcome;
  source: "ran" | "cached";
}

/** A mutant may run this many times as long as the check did at the claim, and never less than the floor. */
const perMutantFactor = 3;
const perMutantFloorMs = 30_000;
/** How many surviving mutants the detail names. */
const namedInDetail = 5;

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
      plan = await planMutants(request, clone);
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw error;
      return gateResult(mutationGate, "error", `could not read the change: ${error.message}`, observedBase);
    }
    const observed = {
      ...observedBase,
      mutable_files: plan.files,
      mutants_found: plan.found,
      mutants_sampled: plan.mutants.length,
    };
    if (plan.mutants.length === 0)
      return gateResult(mutationGate, "pass", "no changed source line has an operator to mutate", observed);

    const deadline = started + request.settings.maxMinutes * 60_000;
    const perMutantMs = Math.max(perMutantFloorMs, perMutantFactor * (request.checkDurationMs ?? 0));
    const results: MutantResult[] = [];
    const log: string[] = [`check: ${request.checkCommand}`, ""];
    for (const mutant of plan.mutants) {
      const remaining = deadline - now();
      if (remaining <= 0 || request.signal?.aborted) break;
      const cacheKey = mutantCacheKey(request.checkCommand, plan, mutant);
      const cached = await readCachedOutcome(request.cacheDirectory, cacheKey);
      if (cached !== null) {
        results.push({ mutant, outcome: cached, source: "cached" });
        log.push(`${where(mutant)} ${mutant.description}: ${cached} (cached)`);
        continue;
      }
      const original = plan.texts.get(mutant.file)!;
      await writeFile(join(clone, mutant.file), applyMutant(original, mutant));
      const result = await request.runner.run({
        command: request.checkCommand,
        cwd: clone,
        env: request.environment,
        timeoutMs: Math.max(1, Math.min(perMutantMs, Math.round(remaining))),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      await writeFile(join(clone, mutant.file), original);
      if (result.isCanceled) break;
      if (result.exitCode === null && result.signal === null && !result.isTimedOut) {
        return gateResult(
          mutationGate,
          "error",
          `the check could not run on a mutant: ${result.error ?? "it did not start"}`,
          observed,
        );
      }
      // A mutant that runs past the deadline was cut off by it, not caught: it is left unjudged.
      if (result.isTimedOut && now() >= deadline) break;
      const outcome: MutantOutcome = result.isTimedOut
        ? "timed-out"
        : result.exitCode === 0
          ? "survived"
          : "killed";
      results.push({ mutant, outcome, source: "ran" });
      log.push(`${where(mutant)} ${mutant.description}: ${outcome} (${Math.round(result.durationMs)} ms)`);
      await writeCachedOutcome(request.cacheDirectory, cacheKey, outcome);
    }
    await writeLog(request, [
      ...log,
      "",
      `${plan.mutants.length - results.length} not run within the time limit`,
    ]);
    return judgeMutants(request.settings, plan.mutants.length, results, {
      ...observed,
      log: request.logPath,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Killed mutants (a timeout counts as caught, as mutation tools count it) over the mutants judged. */
export function judgeMutants(
  settings: MutationSettings,
  sampled: number,
  results: readonly MutantResult[],
  observed: Record<string, unknown>,
): GateResult {
  const survived = results.filter((result) => result.outcome === "survived");
  const killed = results.length - survived.length;
  const notRun = sampled - results.length;
  const summary = {
    ...observed,
    mutants_run: results.filter((result) => result.source === "ran").length,
    mutants_cached: results.filter((result) => result.source === "cached").length,
    mutants_killed: killed,
    mutants_not_run: notRun,
    surviving_mutants: survived.map(({ mutant }) => ({
      file: mutant.file,
      line: mutant.line,
      column: mutant.column,
      mutation: `${mutant.original} → ${mutant.replacement}`,
    })),
  };
  if (results.length === 0)
    return gateResult(
      mutationGate,
      "error",
      `no mutant ran within max_minutes (${settings.maxMinutes}): raise it, or make the check faster`,
      summary,
    );
  const rate = killed / results.length;
  const shareText = `${killed} of ${results.length} mutants of the changed lines caught by the tests (${percent(rate)}, at least ${percent(settings.minKilled)} needed)${notRun > 0 ? `; ${notRun} not run within ${settings.maxMinutes} min` : ""}`;
  if (rate >= settings.minKilled)
    return gateResult(mutationGate, "pass", shareText, { ...summary, killed_rate: rate });
  const named = survived
    .slice(0, namedInDetail)
    .map(({ mutant }) => `${where(mutant)} ${mutant.description}`);
  const more = survived.length > namedInDetail ? ` and ${survived.length - namedInDetail} more` : "";
  return gateResult(
    mutationGate,
    "fail",
    `only ${shareText}; these changes to the code break nothing the tests check: ${named.join("; ")}${more}`,
    { ...summary, killed_rate: rate },
  );
}

interface MutationPlan {
  /** The changed source files that have mutants. */
  files: string[];
  found: number;
  mutants: Mutant[];
  /** Each mutated file's text at the claim. */
  texts: Map<string, string>;
  /** Blob ids at the claim, by path, for the cache. */
  blobs: Map<string, string>;
  testsIdentity: string;
}

async function planMutants(request: MutationRequest, clone: string): Promise<MutationPlan> {
  const git = await createSafeGit(request.checkoutPath, { environment: request.gitEnvironment });
  const changed = (
    await git.diff(["--name-only", "-z", "--no-renames", "--diff-filter=AM", request.baseSha, request.commit])
  )
    .split("\0")
    .filter((path) => path !== "" && classifyPath(path) === "source" && languageOf(path) !== null);
  const blobs = new Map<string, string>();
  for (const entry of (await git.raw(["ls-tree", "-r", "-z", "--full-tree", request.commit])).split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab !== -1) blobs.set(entry.slice(tab + 1), entry.slice(0, tab).split(" ")[2] ?? "");
  }
  const testsIdentity = createHash("sha256")
    .update(
      [...blobs]
        .filter(([path]) => classifyPath(path) === "test")
        .map(([path, blob]) => `${path}\0${blob}`)
        .sort()
        .join("\n"),
    )
    .digest("hex");
  const all: Mutant[] = [];
  const texts = new Map<string, string>();
  for (const file of changed) {
    const hunks = await git.diff([
      "-U0",
      "--no-renames",
      request.baseSha,
      request.commit,
      "--",
      `:(literal)${file}`,
    ]);
    const text = await readFile(join(clone, file), "utf8").catch(() => null);
    if (text === null) continue;
    const mutants = mutantsOfLines(file, text, addedLineNumbers(hunks), languageOf(file));
    if (mutants.length === 0) continue;
    texts.set(file, text);
    all.push(...mutants);
  }
  return {
    files: [...texts.keys()],
    found: all.length,
    mutants: sampleMutants(all, request.settings.maxMutants, request.baseSha),
    texts,
    blobs,
    testsIdentity,
  };
}

/** The new side's line numbers of a `-U0` diff's hunks. */
export function addedLineNumbers(diff: string): number[] {
  const lines: number[] = [];
  for (const match of diff.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    for (let line = start; line < start + count; line++) lines.push(line);
  }
  return lines;
}

function mutantCacheKey(command: string, plan: MutationPlan, mutant: Mutant): string {
  return createHash("sha256")
    .update(`${command}\0${plan.blobs.get(mutant.file) ?? ""}\0${plan.testsIdentity}\0${mutant.id}`)
    .digest("hex");
}

async function readCachedOutcome(directory: string, key: string): Promise<MutantOutcome | null> {
  const text = await readFile(join(directory, "mutants", `${key}.txt`), "utf8").catch(() => null);
  return text === "killed" || text === "survived" || text === "timed-out" ? text : null;
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

function where(mutant: Mutant): string {
  return `${mutant.file}:${mutant.line}`;
}

function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}
