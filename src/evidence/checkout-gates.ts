/**
 * The gates observed in the checkout at the claimed commit: a command the supervisor runs there
 * (local_check, release_build, a plan's own gate), and diff_scope, which compares the claim's tests
 * with the base's.
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultMutation } from "../plan/index.ts";
import { baseRunCacheDirectory } from "./base-check-preflight.ts";
import { changeProofGate, observeChangeProof } from "./change-proof-run.ts";
import { runCommandGate } from "./command-gate.ts";
import { observeAndJudgeDiffScope } from "./diff-scope.ts";
import { type GateRun, type GateServices, gateLogPath } from "./gate-context.ts";
import type { GateResult } from "./gate-result.ts";
import { exitedNotFound, judgeMissingProgram, observeMissingProgram } from "./missing-program.ts";
import { mutationGate, observeMutation } from "./mutation-run.ts";
import { type RecordedLedger, readRecordedLedger } from "./test-ledger.ts";

export interface CheckoutCommand {
  gate: string;
  command: string | undefined;
  timeoutMs: number;
  /** local_check: record the tests' outcomes by name beside the log, for diff_scope. */
  recordsTestLedger?: boolean;
  fixHint?: string;
}

export async function observeCheckoutCommand(run: GateRun, gate: CheckoutCommand): Promise<GateResult> {
  const { claim, services } = run;
  const observed = await runCommandGate(services.runner, {
    gate: gate.gate,
    command: gate.command,
    checkoutPath: claim.checkoutPath,
    environment: services.environment,
    timeoutMs: gate.timeoutMs,
    runDirectory: services.runDirectory,
    logPath: gateLogPath(claim, gate.gate),
    ...(services.signal ? { signal: services.signal } : {}),
    ...(gate.recordsTestLedger
      ? { ledgerDirectory: join(services.runDirectory, "cache", "test-ledger") }
      : {}),
  });
  // Looked into before the checkout is read again below: the lookup runs in the same checkout.
  const attributed =
    gate.command !== undefined && exitedNotFound(observed)
      ? judgeMissingProgram(
          observed,
          await observeMissingProgram(run, {
            gate: gate.gate,
            command: gate.command,
            timeoutMs: gate.timeoutMs,
          }),
        )
      : observed;
  const result = gate.fixHint === undefined ? attributed : { ...attributed, fixHint: gate.fixHint };
  // The result speaks for the claimed commit only if the checkout still is that commit, unchanged.
  const after = await services.readCheckout();
  if (after.head !== claim.commit) {
    return {
      ...result,
      status: "fail",
      detail: `HEAD moved from ${claim.commit.slice(0, 12)} to ${after.head.slice(0, 12)} while the gate ran`,
    };
  }
  if (after.uncommittedChanges.length > 0 && result.status === "pass") {
    return {
      ...result,
      status: "fail",
      detail: `\`${gate.command}\` exited 0 but left uncommitted changes in ${summarizeChanges(after.uncommittedChanges)}: the committed tree is not what was checked`,
      observed: { ...result.observed, uncommitted_changes: after.uncommittedChanges },
    };
  }
  return result;
}

/**
 * diff_scope reads the diff and runs the check command at the base, comparing the tests by name
 * with local_check's full log at the claimed commit (never its capped tail: a cut list of tests
 * would look like lost tests). Without local_check's run it runs the check at the claim itself.
 */
export async function observeDiffScopeGate(run: GateRun): Promise<GateResult> {
  const { claim, services } = run;
  const workstream = claim.workstream;
  const logs = gateLogPath(claim, "diff_scope").replace(/\.log$/, "");
  const { claimedRunOutput, claimedLedger } = await localCheckRun(run);
  return observeAndJudgeDiffScope({
    repositoryPath: claim.checkoutPath,
    ...(services.trustedRepositories
      ? {
          baseRepositoryPath: services.trustedRepositories.mirror,
          trustedDependenciesPath: services.trustedRepositories.user,
        }
      : {}),
    baseSha: claim.baseSha,
    commit: claim.commit,
    ...(workstream.commands.check ? { checkCommand: workstream.commands.check } : {}),
    environment: services.environment,
    runner: services.runner,
    ...(services.baseRunner ? { baseRunner: services.baseRunner } : {}),
    timeoutMs: workstream.budget.minutes * 60_000,
    // The merge check runs the checkout's gates alone, without review: there the findings fail.
    isReviewed: workstream.done.includes("review"),
    cacheDirectory: baseRunCacheDirectory(services.runDirectory),
    runDirectory: services.runDirectory,
    baseLogPath: `${logs}-base.log`,
    claimLogPath: `${logs}-claim.log`,
    ...(claimedRunOutput === undefined ? {} : { claimedRunOutput }),
    ...(claimedLedger ? { claimedLedger } : {}),
    ...(services.signal ? { signal: services.signal } : {}),
  });
}

export function summarizeChanges(changes: readonly string[]): string {
  const shown = changes.slice(0, 5).join(", ");
  return changes.length > 5 ? `${shown} and ${changes.length - 5} more` : shown || "the checkout";
}

/** local_check's run at the claim, when it ran to its end: the later gates read it instead of running the check again. */
async function localCheckRun({ services, earlier }: GateRun): Promise<{
  claimedRunOutput: string | undefined;
  claimedLedger: RecordedLedger | null | undefined;
}> {
  const localCheck = earlier.find((result) => result.id === "local_check")?.command;
  if (!localCheck || localCheck.isTimedOut) return { claimedRunOutput: undefined, claimedLedger: undefined };
  return {
    claimedRunOutput: await readFile(join(services.runDirectory, localCheck.log), "utf8").catch(
      () => undefined,
    ),
    claimedLedger: localCheck.ledger
      ? await readRecordedLedger(join(services.runDirectory, localCheck.ledger))
      : undefined,
  };
}

/** tests_prove_change: the claim's tests on the base's code, compared with local_check's run at the claim. */
export async function observeChangeProofGate(run: GateRun): Promise<GateResult> {
  const { claim, services } = run;
  const workstream = claim.workstream;
  const logs = gateLogPath(claim, changeProofGate).replace(/\.log$/, "");
  return observeChangeProof({
    kind: workstream.kind,
    checkoutPath: claim.checkoutPath,
    baseSha: claim.baseSha,
    commit: claim.commit,
    checkCommand: workstream.commands.check,
    runner: services.runner,
    environment: services.environment,
    gitEnvironment: services.environment,
    timeoutMs: workstream.budget.minutes * 60_000,
    runDirectory: services.runDirectory,
    cacheDirectory: join(services.runDirectory, "cache", changeProofGate),
    withoutChangeLogPath: `${logs}-without-change.log`,
    claimLogPath: `${logs}-claim.log`,
    ...trustedCloneSource(services),
    ...(await localCheckRun(run)),
    ...(services.signal ? { signal: services.signal } : {}),
  });
}

/** mutation: mutants of the changed source lines, each run through the check in a clone of the claim. */
export async function observeMutationGate(run: GateRun): Promise<GateResult> {
  const { claim, services, earlier } = run;
  const workstream = claim.workstream;
  const mutation = workstream.mutation ?? defaultMutation;
  return observeMutation({
    settings: mutation,
    checkoutPath: claim.checkoutPath,
    baseSha: claim.baseSha,
    commit: claim.commit,
    checkCommand: workstream.commands.check,
    runner: services.runner,
    environment: services.environment,
    gitEnvironment: services.environment,
    checkDurationMs: earlier.find((result) => result.id === "local_check")?.command?.durationMs,
    runDirectory: services.runDirectory,
    cacheDirectory: join(services.runDirectory, "cache", mutationGate),
    logPath: gateLogPath(claim, mutationGate),
    ...trustedCloneSource(services),
    ...(services.signal ? { signal: services.signal } : {}),
  });
}

/** Where a throwaway clone comes from when the run has repositories no worker writes to (GateServices). */
function trustedCloneSource(services: GateServices): {
  cloneFrom?: string;
  trustedDependenciesPath?: string;
} {
  const trusted = services.trustedRepositories;
  return trusted ? { cloneFrom: trusted.mirror, trustedDependenciesPath: trusted.user } : {};
}
