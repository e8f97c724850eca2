/**
 * Before any worker starts, each distinct check command diff_scope will compare runs once at the
 * base, exactly as a claim's base run does (same clone source, dependencies, environment and
 * cache): a check whose tests cannot be listed by name, or that does not run at the base, is a
 * plan problem found once, not on every claim; tests already failing there are named up front.
 * The listed run is cached, so the claims' base runs at this commit read it instead of running.
 */
import { join } from "node:path";
import type { CommandRunner } from "../sandbox/index.ts";
import { runTestsAtBase } from "./base-test-run.ts";
import type { TestOutcome } from "./test-names.ts";

export interface BaseCheckRequest {
  runner: CommandRunner;
  /** Each check command, with who runs it (for the messages) and its per-run time limit. */
  checks: readonly { command: string; workstreams: readonly string[]; timeoutMs: number }[];
  baseSha: string;
  /** The supervisor's mirror: the base clone comes from it, as a claim's does. */
  mirrorPath: string;
  /** The user's repository: installed dependencies are lent from it, as to a claim's base run. */
  userRepository: string;
  /** The environment gates run with. */
  environment: Record<string, string>;
  /** The run's directory: the cache and the logs go where the claims' diff_scope looks. */
  runDirectory: string;
  signal?: AbortSignal | undefined;
}

export type BaseCheckOutcome =
  | { kind: "listed"; command: string; workstreams: readonly string[]; failing: TestOutcome[]; log: string }
  /** `reason` says what the run showed and what to change. */
  | { kind: "unusable"; command: string; workstreams: readonly string[]; reason: string; log: string };

/** The diff_scope gate's cache of base runs, per run directory (see checkout-gates.ts). */
export function baseRunCacheDirectory(runDirectory: string): string {
  return join(runDirectory, "cache", "diff-scope");
}

export async function checkTestsAtBase(request: BaseCheckRequest): Promise<BaseCheckOutcome[]> {
  const cacheDirectory = baseRunCacheDirectory(request.runDirectory);
  const outcomes: BaseCheckOutcome[] = [];
  for (const [index, check] of request.checks.entries()) {
    const log = `preflight/check-at-base-${index + 1}.log`;
    const run = await runTestsAtBase({
      runner: request.runner,
      command: check.command,
      environment: request.environment,
      gitEnvironment: request.environment,
      timeoutMs: check.timeoutMs,
      runDirectory: request.runDirectory,
      logPath: log,
      signal: request.signal,
      // No checkout exists yet: the dependencies come from the user's repository, as they do
      // for a claim's base run when that repository has them, so both land on one cache entry.
      checkoutPath: join(request.runDirectory, "preflight", "no-checkout"),
      cloneFrom: request.mirrorPath,
      trustedDependenciesPath: request.userRepository,
      baseSha: request.baseSha,
      cacheDirectory,
      temporaryDirectory: join(cacheDirectory, "work"),
    });
    const base = { command: check.command, workstreams: check.workstreams, log };
    if (run.kind === "not-run") {
      outcomes.push({ ...base, kind: "unusable", reason: `it did not run at the base: ${run.reason}` });
    } else if (run.listing.kind === "unlisted") {
      outcomes.push({
        ...base,
        kind: "unusable",
        reason: `its tests could not be listed by name: ${run.listing.reason}`,
      });
    } else {
      const failing = run.listing.tests.filter((test) => test.status === "failed");
      outcomes.push({ ...base, kind: "listed", failing });
    }
  }
  return outcomes;
}
