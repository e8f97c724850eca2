/** What every gate is given: the claim it judges, the services it observes through, what ran before it. */
import type Anthropic from "@anthropic-ai/sdk";
import type { Forge } from "../forge/index.ts";
import type { TranscriptWriter } from "../model/index.ts";
import type { Plan, Workstream } from "../plan/index.ts";
import type { CommandRunner } from "../sandbox/index.ts";
import type { WorkerCommitRefusal } from "../workspace/index.ts";
import type { GateResult } from "./gate-result.ts";

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

/** A claim that names a commit: the only kind a gate observes. */
export type CommittedClaim = ClaimUnderVerification & { commit: string };

export interface Reviewer {
  client: Anthropic;
  model: string;
  maxTokens: number;
  diffLimitBytes: number;
}

export interface GateServices {
  runner: CommandRunner;
  /**
   * Runs a command at the base (diff_scope's base run, a metric gate's, the 127 check's) instead of
   * `runner`: with caches only base runs write. A workstream's gate caches are written by its
   * claims' code, and a base run read through them could be steered by a claim (and diff_scope's
   * base run is shared by every workstream from that base).
   */
  baseRunner?: CommandRunner;
  environment: Record<string, string>;
  runDirectory: string;
  /** The checkout's current HEAD and cleanliness, re-read after command gates to catch a moving target. */
  readCheckout(): Promise<{ head: string; uncommittedChanges: string[] }>;
  forge: Forge;
  plan: Plan;
  /** The reviewer model of a workstream, for the `review` gate; null when none can be built. */
  reviewerFor?(workstream: Workstream): Reviewer | null;
  /** Where the reviewer's request and answer are written (the workstream's transcript). */
  transcriptFor?(workstreamId: string): TranscriptWriter;
  /**
   * How long ci_green waits for CI still running on the claimed commit, for every workstream; when
   * undefined, each workstream's own (ciWaitMsFor: the plan's ci_wait_minutes).
   */
  ciWaitMs?: number | undefined;
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
  /**
   * For a workstream whose checkout is on a worker host: observes its checkout gates there, all in
   * one go and in their order, and returns their results; null for a checkout of this machine.
   */
  checkoutGatesElsewhere?(claim: CommittedClaim, gates: readonly string[]): Promise<GateResult[]> | null;
  /** What the forge said when it last refused this workstream's merge, as the run recorded it. */
  lastMergeRefusalOf?(workstreamId: string): { reason: string; message: string } | null;
  signal?: AbortSignal;
}

/** One gate's turn in a verification. */
export interface GateRun {
  claim: CommittedClaim;
  services: GateServices;
  /** The results of the gates that ran before this one, in order. */
  earlier: readonly GateResult[];
  /** The gates observed in the checkout that failed (or errored) before this one. */
  failedCheckoutGates: readonly string[];
}

export function logLabelOf(claim: ClaimUnderVerification): string {
  return claim.logLabel ?? `claim-${claim.claimId}`;
}

/** Where a gate's log goes, relative to the run directory: `evidence/<ws>/logs/<label>-<gate>.log`. */
export function gateLogPath(claim: ClaimUnderVerification, gate: string): string {
  return `evidence/${claim.workstream.id}/logs/${logLabelOf(claim)}-${gate}.log`;
}
