/**
 * The gates observed in the checkout at the claimed commit: a command the supervisor runs there
 * (local_check, release_build, a plan's own gate), and diff_scope, which compares the claim's tests
 * with the base's.
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { baseRunCacheDirectory } from "./base-check-preflight.ts";
import { runCommandGate } from "./command-gate.ts";
import { observeAndJudgeDiffScope } from "./diff-scope.ts";
import { type GateRun, gateLogPath } from "./gate-context.ts";
import type { GateResult } from "./gate-result.ts";
import { readRecordedLedger } from "./test-ledger.ts";

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
  const result = gate.fixHint === undefined ? observed : { ...observed, fixHint: gate.fixHint };
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
  const { claim, services, earlier } = run;
  const workstream = claim.workstream;
  const logs = gateLogPath(claim, "diff_scope").replace(/\.log$/, "");
  const localCheck = earlier.find((result) => result.id === "local_check")?.command;
  const claimedRunOutput =
    localCheck && !localCheck.isTimedOut
      ? await readFile(join(services.runDirectory, localCheck.log), "utf8").catch(() => undefined)
      : undefined;
  const claimedLedger =
    localCheck?.ledger && !localCheck.isTimedOut
      ? await readRecordedLedger(join(services.runDirectory, localCheck.ledger))
      : undefined;
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
    timeoutMs: workstream.budget.minutes * 60_000,
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
