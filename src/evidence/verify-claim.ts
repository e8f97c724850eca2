/**
 * Runs the gates a workstream's `done` names against one claim. Every gate observes for itself
 * (commands it runs, the forge it asks); nothing the worker said or wrote is read as evidence.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import type { Forge } from "../forge/index.ts";
import type { TranscriptWriter } from "../model/index.ts";
import type { GateId, Plan, Workstream } from "../plan/index.ts";
import type { CommandRunner } from "../sandbox/index.ts";
import type { WorkerCommitRefusal } from "../workspace/index.ts";
import { runCommandGate } from "./command-gate.ts";
import { observeAndJudgeDiffScope } from "./diff-scope.ts";
import { type ForgeGateContext, observeCiGreen, observeIssueClosed, observePrMerged } from "./forge-gates.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import { readRecordedLedger } from "./test-ledger.ts";

export interface ClaimUnderVerification {
  workstream: Workstream;
  claimId: number;
  /** The checkout's HEAD when the claim was made; null when uncommitted changes mean it names no commit. */
  commit: string | null;
  uncommittedChanges: string[];
  checkoutPath: string;
  /** The commit the checkout started from; diff_scope compares the claim with it. */
  baseSha: string;
  /** Names the gates' logs (`<label>-<gate>.log`); default `claim-<claimId>`. */
  logLabel?: string;
}

/** The gates observed in the checkout alone, with no forge: what must pass before anything lands. */
export const checkoutGates: readonly GateId[] = ["local_check", "release_build", "diff_scope"];

export interface GateServices {
  runner: CommandRunner;
  environment: Record<string, string>;
  runDirectory: string;
  /** The checkout's current HEAD and cleanliness, re-read after command gates to catch a moving target. */
  readCheckout(): Promise<{ head: string; uncommittedChanges: string[] }>;
  forge: Forge;
  plan: Plan /** The reviewer model of a workstream, for the `review` gate; null when none can be built. */;
  reviewerFor?(workstream: Workstream): Reviewer | null;
  /** Where the reviewer's request and answer are written (the workstream's transcript). */
  transcriptFor?(workstreamId: string): TranscriptWriter;
  /** How long ci_green waits for CI still running on the claimed commit. */
  ciWaitMs: number;
  /**
   * Repositories no worker writes to: diff_scope clones the base from the mirror (not from the
   * worker's checkout, whose .git it controls) and lends the user's installed dependencies first.
   */
  trustedRepositories?: { mirror: string; user: string };
  /**
   * Why the supervisor will not take the claimed commit into its own repositories (its history or
   * tree past the limits on what its git reads and writes outside the sandbox), or null. Asked
   * once, before any gate: no gate speaks for a commit the supervisor refuses to read.
   */
  workerCommitRefusal?(workstreamId: string, commit: string): Promise<WorkerCommitRefusal | null>;
  signal?: AbortSignal;
}

/** Order matters only for reading: cheap local evidence first, then the forge. */
const gateOrder: readonly GateId[] = [
  "local_check",
  "release_build",
  "diff_scope",
  "ci_green",
  "pr_merged",
  "issue_closed",
  "review",
];

export async function verifyClaim(
  claim: ClaimUnderVerification,
  services: GateServices,
  onGateResult: (result: GateResult) => Promise<void>,
): Promise<GateResult[]> {
  const gates = gateOrder.filter((gate) => claim.workstream.done.includes(gate));
  const refusal =
    claim.commit === null || gates.length === 0
      ? null
      : ((await services.workerCommitRefusal?.(claim.workstream.id, claim.commit)) ?? null);
  const results: GateResult[] = [];
  for (const gate of gates) {
    const result =
      refusal === null
        ? await observeGate(gate, claim, services, results)
        : gateResult(gate, "fail", refusal.problem, { worker_commit_limits: refusal.observed });
    results.push(result);
    await onGateResult(result);
  }
  return results;
}

async function observeGate(
  gate: GateId,
  claim: ClaimUnderVerification,
  services: GateServices,
  earlier: readonly GateResult[],
): Promise<GateResult> {
  if (claim.commit === null) {
    return gateResult(
      gate,
      "fail",
      `the claim names no commit: uncommitted changes in ${summarizeChanges(claim.uncommittedChanges)}`,
      {
        uncommitted_changes: claim.uncommittedChanges,
      },
    );
  }
  const committed = { ...claim, commit: claim.commit };
  switch (gate) {
    case "local_check":
    case "release_build":
      return observeCommandGate(gate, committed, services);
    case "diff_scope":
      return observeDiffScopeGate(committed, services, earlier);
    case "ci_green":
      return observeCiGreen(forgeContext(committed, services));
    case "review":
      return observeReviewGate(committed, services, earlier);
    case "pr_merged":
      return observePrMerged(forgeContext(committed, services));
    case "issue_closed":
      return observeIssueClosed(forgeContext(committed, services));
    default:
      return gateResult(gate, "error", `the gate ${gate} is not available yet in this version of supervise`);
  }
}

function logLabelOf(claim: ClaimUnderVerification): string {
  return claim.logLabel ?? `claim-${claim.claimId}`;
}

export interface Reviewer {
  client: Anthropic;
  model: string;
  maxTokens: number;
  diffLimitBytes: number;
}

/**
 * A separate model judges the diff against the goal and the other gates. It runs only when every
 * other gate passed: a claim that is rejected anyway needs no model call, and the reviewer then
 * judges exactly what would be accepted.
 */
async function observeReviewGate(
  claim: ClaimUnderVerification & { commit: string },
  services: GateServices,
  earlier: readonly GateResult[],
): Promise<GateResult> {
  const failed = earlier.filter((result) => result.status === "fail" || result.status === "error");
  if (failed.length > 0) {
    return gateResult(
      "review",
      "skipped",
      `not run: ${failed.map((result) => result.id).join(", ")} failed first`,
    );
  }
  const reviewer = services.reviewerFor?.(claim.workstream) ?? null;
  if (!reviewer) return gateResult("review", "error", "no reviewer model is configured for this workstream");
  const transcript = services.transcriptFor?.(claim.workstream.id);
  // Loaded here, not at the top: the review gate brings the model SDK, which most runs never need.
  const { observeReview } = await import("./review-gate.ts");
  return observeReview({
    ...reviewer,
    goal: claim.workstream.goal,
    brief: claim.workstream.brief,
    workstream: claim.workstream.id,
    repositoryPath: claim.checkoutPath,
    baseSha: claim.baseSha,
    commit: claim.commit,
    otherGates: earlier.map(({ id, status, detail }) => ({ id, status, detail })),
    environment: services.environment,
    ...(services.signal ? { signal: services.signal } : {}),
    ...(transcript ? { transcript } : {}),
  });
}

/**
 * diff_scope reads the diff and runs the check command at the base, comparing the tests by name
 * with local_check's full log at the claimed commit (never its capped tail: a cut list of tests
 * would look like lost tests).
 */
async function observeDiffScopeGate(
  claim: ClaimUnderVerification & { commit: string },
  services: GateServices,
  earlier: readonly GateResult[],
): Promise<GateResult> {
  const workstream = claim.workstream;
  const logs = `evidence/${workstream.id}/logs/${logLabelOf(claim)}-diff_scope`;
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
    cacheDirectory: join(services.runDirectory, "cache", "diff-scope"),
    runDirectory: services.runDirectory,
    baseLogPath: `${logs}-base.log`,
    claimLogPath: `${logs}-claim.log`,
    ...(claimedRunOutput === undefined ? {} : { claimedRunOutput }),
    ...(claimedLedger ? { claimedLedger } : {}),
    ...(services.signal ? { signal: services.signal } : {}),
  });
}

function forgeContext(
  claim: ClaimUnderVerification & { commit: string },
  services: GateServices,
): ForgeGateContext {
  return {
    forge: services.forge,
    plan: services.plan,
    workstream: claim.workstream,
    commit: claim.commit,
    ciWaitMs: services.ciWaitMs,
  };
}

async function observeCommandGate(
  gate: "local_check" | "release_build",
  claim: ClaimUnderVerification & { commit: string },
  services: GateServices,
): Promise<GateResult> {
  const workstream = claim.workstream;
  const command = gate === "local_check" ? workstream.commands.check : workstream.commands.build;
  const result = await runCommandGate(services.runner, {
    gate,
    command,
    checkoutPath: claim.checkoutPath,
    environment: services.environment,
    timeoutMs: workstream.budget.minutes * 60_000,
    runDirectory: services.runDirectory,
    logPath: `evidence/${workstream.id}/logs/${logLabelOf(claim)}-${gate}.log`,
    ...(services.signal ? { signal: services.signal } : {}),
    ...(gate === "local_check"
      ? { ledgerDirectory: join(services.runDirectory, "cache", "test-ledger") }
      : {}),
  });
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
      detail: `\`${command}\` exited 0 but left uncommitted changes in ${summarizeChanges(after.uncommittedChanges)}: the committed tree is not what was checked`,
      observed: { ...result.observed, uncommitted_changes: after.uncommittedChanges },
    };
  }
  return result;
}

function summarizeChanges(changes: readonly string[]): string {
  const shown = changes.slice(0, 5).join(", ");
  return changes.length > 5 ? `${shown} and ${changes.length - 5} more` : shown || "the checkout";
}
