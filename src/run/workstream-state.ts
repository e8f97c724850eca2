/**
 * The per-workstream state machine. State changes only by folding journal events through
 * `applyEvent`, so a resumed run rebuilds exactly the state the crashed one had.
 */
import type { CommandObservation, GateStatus } from "../evidence/index.ts";
import { addUsage, emptyUsage, type Usage, usageOf } from "../usage.ts";
import { applyBaseEvent, type BaseState, initialBaseState } from "./base-state.ts";
import {
  type GateEvent,
  gateStatusOf,
  isGateEvent,
  type JournalEvent,
  type JournalEventData,
  type JournalEventOf,
  type JournalEventType,
} from "./events.ts";
import { applyPhaseEvent, type PhaseState } from "./phase-state.ts";

export type WorkstreamStatus =
  | "pending"
  | "running"
  | "verifying"
  | "escalated"
  | "accepted"
  | "rejected"
  | "blocked"
  | "aborted";

export const terminalStatuses: ReadonlySet<WorkstreamStatus> = new Set([
  "accepted",
  "rejected",
  "blocked",
  "aborted",
]);
/** Statuses that hold one of the `concurrency` slots. */
export const activeStatuses: ReadonlySet<WorkstreamStatus> = new Set(["running", "verifying", "escalated"]);

export interface GateSummary {
  gate: string;
  status: GateStatus;
  detail: string;
  observed: Record<string, unknown>;
  command: CommandObservation | null;
  /** What the plan says to do when this gate fails; null for built-in gates. */
  fixHint: string | null;
}

export interface ClaimSummary {
  id: number;
  attempt: number;
  summary: string;
  commit: string | null;
  /** Why the claim names no commit: what `git status` showed, and the changes it cannot show. */
  uncommittedChanges: string[];
  verdict: "pending" | "accepted" | "rejected";
  gates: GateSummary[];
}

/** A rejected claim's change found on the base, and what became of it. */
export interface UnverifiedLanding {
  claim: number;
  pr: number | null;
  prUrl: string | null;
  mergeCommit: string;
  landedHead: string | null;
  failedGates: string[];
  revertPr: { number: number; url: string; head: string; headSha: string } | null;
  restores: string | null;
  revertError: string | null;
  detectedAt: string;
  /** The escalation that asks a human; null until it is opened. */
  escalation: string | null;
  resolution: JournalEventData<"landing.resolved"> | null;
}

/** The effects a decided escalation still owes the workstream. */
export type DecisionEffect = "abort" | "extend_budget" | "keep_landing" | "revert_landing" | "leave_landing";

/** The workstream's model usage so far, summed over every worker start. */
export interface WorkstreamState extends Usage {
  id: string;
  status: WorkstreamStatus;
  /** Worker starts so far (the `SUPERVISE_ATTEMPT` of the latest one). */
  attempt: number;
  rejections: number;
  claims: ClaimSummary[];
  startedAt: string | null;
  endedAt: string | null;
  /** Why the workstream ended (or is waiting), for status and the report. */
  reason: string | null;
  checkoutPath: string | null;
  /** The base commit the checkout was made from: diff_scope compares the claim with it. */
  baseSha: string | null;
  /** Worker processes started and not yet seen to exit, by attempt; swept on resume. */
  liveWorkerAttempts: number[];
  lastActivity: string | null;
  /** The escalation this workstream waits on, if any. */
  pendingEscalation: { id: string; question: string } | null;
  /** The latest human decision, handed to the next worker start. */
  lastDecision: {
    escalation: string;
    question: string;
    decision: string;
    note: string | null;
    text: string | null;
  } | null;
  escalationCount: number;
  /** Budget extensions a human approved; each grants the plan's budget once more. */
  budgetExtensions: number;
  /** When the latest extension was granted: the time budget counts from there. */
  budgetExtendedAt: string | null;
  /** Worker starts granted beyond `max_restarts` by humans who let a stalled workstream go on. */
  extraStartsGranted: number;
  /**
   * What a decided escalation still has to do to the workstream (abort it, extend its budget),
   * journaled as its own event right after the decision; pending here when a crash fell between.
   */
  decisionEffectPending: { escalation: string; effect: DecisionEffect } | null;
  /** Merge commits of the pull requests the supervisor merged itself, after its checkout gates passed. */
  mergedBySupervisor: string[];
  /** The worker host the workstream runs on, when the plan places it on hosts: waiting for one, on one, or its host lost. */
  host: { name: string | null; status: "waiting" | "attached" | "lost" } | null;
  /** What the forge said when it last refused the worker's merge; null once a merge went through. */
  lastMergeRefusal: { reason: string; message: string } | null;
  /** The pull requests the supervisor opened for the workstream, oldest first. */
  pullRequests: number[];
  /** The latest rejected claim whose change was already on the base; null when none was. */
  landing: UnverifiedLanding | null;
  interventions: { playbook: string; signal: string; delivery: string; ts: string }[];
  escalations: {
    id: string;
    question: string;
    source: JournalEventOf<"escalation.opened">["source"];
    opened_at: string;
    decision: string | null;
    note: string | null;
    text: string | null;
    decided_at: string | null;
  }[];
  /** Signals, latest last; a stopped worker's carry the last lines it printed. */
  signals: { signal: string; summary: string; ts: string; last_output?: string }[];
  /** The worker starts whose model turns were replayed from a cassette: their cost was never spent. */
  replayedAttempts: number[];
  /** The part of costUsd that replayed turns account for: simulated, not money spent. */
  simulatedCostUsd: number;
}

export interface RunState {
  runId: string | null;
  isFinished: boolean;
  startedAt: string | null;
  workstreams: Map<string, WorkstreamState>;
  /** Phases whose gates have run, by name; a phase not here has not run its gates yet. */
  phases: Map<string, PhaseState>;
  /** The base's CI after each landing, and the hold a red base puts on merges. */
  base: BaseState;
  /** Last event seq folded. */
  seq: number;
}

export function initialWorkstreamState(id: string): WorkstreamState {
  return {
    id,
    status: "pending",
    attempt: 0,
    rejections: 0,
    claims: [],
    ...emptyUsage(),
    startedAt: null,
    endedAt: null,
    reason: null,
    checkoutPath: null,
    baseSha: null,
    liveWorkerAttempts: [],
    lastActivity: null,
    pendingEscalation: null,
    lastDecision: null,
    escalationCount: 0,
    budgetExtensions: 0,
    budgetExtendedAt: null,
    extraStartsGranted: 0,
    decisionEffectPending: null,
    mergedBySupervisor: [],
    host: null,
    lastMergeRefusal: null,
    pullRequests: [],
    landing: null,
    interventions: [],
    escalations: [],
    signals: [],
    replayedAttempts: [],
    simulatedCostUsd: 0,
  };
}

export function initialRunState(workstreamIds: readonly string[]): RunState {
  return {
    runId: null,
    isFinished: false,
    startedAt: null,
    workstreams: new Map(workstreamIds.map((id) => [id, initialWorkstreamState(id)])),
    phases: new Map(),
    base: initialBaseState(),
    seq: 0,
  };
}

/** Thrown when an event would move a workstream along an edge the machine does not have: a bug. */
export class InvalidTransitionError extends Error {
  constructor(workstream: string, from: WorkstreamStatus, eventType: string) {
    super(`workstream ${workstream}: event ${eventType} is not allowed in status ${from}`);
    this.name = "InvalidTransitionError";
  }
}

type Transition = { from: readonly WorkstreamStatus[]; to: WorkstreamStatus };

/** The transitions: event type → statuses it may come from → status it leads to. */
const transitions: Partial<Record<JournalEventType, Transition>> = {
  "workstream.started": { from: ["pending"], to: "running" },
  "claim.made": { from: ["running"], to: "verifying" },
  "claim.rejected": { from: ["verifying"], to: "running" },
  "claim.accepted": { from: ["verifying"], to: "accepted" },
  /** A human approved the last rejected claim, waiving the gates that failed. */
  "claim.accepted_with_waiver": { from: ["running"], to: "accepted" },
  "escalation.opened": { from: ["running", "verifying"], to: "escalated" },
  "escalation.decided": { from: ["escalated"], to: "running" },
  "workstream.rejected": { from: ["running", "verifying"], to: "rejected" },
  "workstream.blocked": { from: ["pending", "running", "verifying", "escalated"], to: "blocked" },
  "workstream.aborted": { from: ["pending", "running", "verifying", "escalated"], to: "aborted" },
};

export function transitionFor(eventType: JournalEventType): Transition | undefined {
  return transitions[eventType];
}

/** Folds one event into the run state (mutating it: resume folds thousands of events). */
export function applyEvent(state: RunState, event: JournalEvent): RunState {
  state.seq = event.seq;
  if (event.workstream === null) {
    applyRunEvent(state, event);
    return state;
  }
  let workstream = state.workstreams.get(event.workstream);
  if (!workstream) {
    // A workstream removed from the plan since the run began still keeps its history.
    workstream = initialWorkstreamState(event.workstream);
    state.workstreams.set(event.workstream, workstream);
  }
  const transition = transitions[event.type];
  if (transition) {
    if (!transition.from.includes(workstream.status)) {
      throw new InvalidTransitionError(workstream.id, workstream.status, event.type);
    }
    workstream.status = transition.to;
  }
  applyWorkstreamDetails(workstream, event);
  return state;
}

type RunEvent = Extract<JournalEvent, { workstream: null }>;
type WorkstreamEvent = Exclude<JournalEvent, RunEvent>;

function applyRunEvent(state: RunState, event: RunEvent): void {
  if (event.type === "run.started") {
    state.runId = event.run;
    state.startedAt = event.ts;
  } else if (event.type === "run.finished") {
    state.isFinished = true;
  } else if (
    event.type === "phase.passed" ||
    event.type === "phase.failed" ||
    event.type === "phase.decided"
  ) {
    applyPhaseEvent(state.phases, event);
  } else if (event.type === "base.observed" || event.type === "base.decided") {
    applyBaseEvent(state.base, event);
  }
}

function applyWorkstreamDetails(workstream: WorkstreamState, event: WorkstreamEvent): void {
  workstream.lastActivity = event.ts;
  if (isGateEvent(event)) {
    applyGateEvent(workstream, event);
    return;
  }
  switch (event.type) {
    case "workstream.started":
      workstream.startedAt = event.ts;
      break;
    case "checkout.created":
      workstream.checkoutPath = event.path;
      workstream.baseSha = event.base_sha;
      break;
    case "host.placed":
      workstream.host = { name: null, status: "waiting" };
      break;
    case "host.attached":
      workstream.host = { name: event.host, status: "attached" };
      break;
    case "host.lost":
      if (workstream.host?.name === event.host) workstream.host = { name: event.host, status: "lost" };
      break;
    case "worker.started":
      workstream.attempt = event.attempt;
      workstream.liveWorkerAttempts.push(event.attempt);
      if (event.provider === "replay") workstream.replayedAttempts.push(event.attempt);
      break;
    case "worker.exited":
      workstream.liveWorkerAttempts = workstream.liveWorkerAttempts.filter((live) => live !== event.attempt);
      break;
    case "worker.usage":
      addUsage(workstream, usageOf(event));
      if (workstream.replayedAttempts.includes(event.attempt)) workstream.simulatedCostUsd += event.cost_usd;
      break;
    case "claim.made":
      workstream.claims.push({
        id: event.claim,
        attempt: workstream.attempt,
        summary: event.summary,
        commit: event.commit,
        uncommittedChanges: event.uncommitted_changes,
        verdict: "pending",
        gates: [],
      });
      break;
    case "claim.accepted_with_waiver": {
      const claim = claimOf(workstream, event.claim);
      if (claim) claim.verdict = "accepted";
      workstream.decisionEffectPending = null;
      workstream.endedAt = event.ts;
      workstream.reason = `accepted with a waiver of ${event.waived.join(", ")} by ${event.decided_by}`;
      break;
    }
    case "claim.accepted": {
      const claim = claimOf(workstream, event.claim);
      if (claim) claim.verdict = "accepted";
      workstream.endedAt = event.ts;
      workstream.reason = null;
      break;
    }
    case "claim.rejected": {
      const claim = claimOf(workstream, event.claim);
      if (claim) claim.verdict = "rejected";
      if (event.charged !== false) workstream.rejections += 1;
      break;
    }
    case "pull_request.opened":
      if (!workstream.pullRequests.includes(event.number)) workstream.pullRequests.push(event.number);
      break;
    case "merge.completed":
      if (event.merge_commit !== null) workstream.mergedBySupervisor.push(event.merge_commit);
      workstream.lastMergeRefusal = null;
      break;
    case "merge.refused":
      workstream.lastMergeRefusal = { reason: event.reason, message: event.message };
      break;
    case "landing.unverified":
      workstream.landing = {
        claim: event.claim,
        pr: event.pr,
        prUrl: event.pr_url,
        mergeCommit: event.merge_commit,
        landedHead: event.landed_head,
        failedGates: event.failed_gates,
        revertPr: event.revert_pr && {
          number: event.revert_pr.number,
          url: event.revert_pr.url,
          head: event.revert_pr.head,
          headSha: event.revert_pr.head_sha,
        },
        restores: event.restores,
        revertError: event.revert_error,
        detectedAt: event.ts,
        escalation: null,
        resolution: null,
      };
      break;
    case "landing.resolved":
      if (workstream.landing) {
        const { seq: _seq, ts: _ts, type: _type, workstream: _workstream, ...resolution } = event;
        workstream.landing.resolution = resolution;
      }
      break;
    case "escalation.opened":
      if (event.source === "landing" && workstream.landing) workstream.landing.escalation = event.escalation;
      workstream.reason = `waiting on a human: ${event.question}`;
      workstream.pendingEscalation = { id: event.escalation, question: event.question };
      workstream.escalationCount += 1;
      workstream.escalations.push({
        id: event.escalation,
        question: event.question,
        source: event.source,
        opened_at: event.ts,
        decision: null,
        note: null,
        text: null,
        decided_at: null,
      });
      break;
    case "escalation.decided":
      applyDecision(workstream, event);
      break;
    case "budget.extended":
      workstream.budgetExtensions += 1;
      workstream.budgetExtendedAt = event.ts;
      workstream.decisionEffectPending = null;
      break;
    case "signal.detected":
      workstream.signals.push({
        signal: event.signal,
        summary: event.summary,
        ts: event.ts,
        ...(event.last_output === undefined ? {} : { last_output: event.last_output }),
      });
      break;
    case "intervention.applied":
      workstream.interventions.push({
        playbook: event.playbook,
        signal: event.signal,
        delivery: event.delivery,
        ts: event.ts,
      });
      break;
    case "workstream.rejected":
    case "workstream.blocked":
    case "workstream.aborted":
      workstream.decisionEffectPending = null;
      workstream.endedAt = event.ts;
      workstream.reason = event.reason;
      break;
  }
}

function claimOf(workstream: WorkstreamState, id: number): ClaimSummary | undefined {
  return workstream.claims.find((candidate) => candidate.id === id);
}

function applyGateEvent(workstream: WorkstreamState, event: GateEvent): void {
  const claim = claimOf(workstream, event.claim);
  const waivedGate =
    event.type === "gate.waived" ? claim?.gates.find((gate) => gate.gate === event.gate) : undefined;
  if (waivedGate) {
    // A waiver changes how the failed gate counts; what was observed stays beside it.
    waivedGate.status = "waived";
    waivedGate.detail = event.detail;
    return;
  }
  claim?.gates.push({
    gate: event.gate,
    status: gateStatusOf(event.type),
    detail: event.detail,
    observed: event.observed,
    command: event.command ?? null,
    fixHint: event.fix_hint ?? null,
  });
}

function applyDecision(workstream: WorkstreamState, event: JournalEventOf<"escalation.decided">): void {
  workstream.reason = null;
  workstream.lastDecision = {
    escalation: event.escalation,
    question: workstream.pendingEscalation?.question ?? "",
    decision: event.decision,
    note: event.note,
    text: event.text,
  };
  workstream.pendingEscalation = null;
  const record = workstream.escalations.find((candidate) => candidate.id === event.escalation);
  const fromSupervisor = record?.source === "monitor" || record?.source === "budget";
  if (fromSupervisor && event.decision !== "deny") workstream.extraStartsGranted += 1;
  if (record?.source === "landing")
    workstream.decisionEffectPending = {
      escalation: event.escalation,
      effect:
        event.decision === "approve"
          ? "keep_landing"
          : event.decision === "deny"
            ? "revert_landing"
            : "leave_landing",
    };
  else if (fromSupervisor && event.decision === "deny")
    workstream.decisionEffectPending = { escalation: event.escalation, effect: "abort" };
  else if (record?.source === "budget")
    workstream.decisionEffectPending = { escalation: event.escalation, effect: "extend_budget" };
  if (record) {
    record.decision = event.decision;
    record.note = event.note;
    record.text = event.text;
    record.decided_at = event.ts;
  }
}

/** A change of this workstream is on the base unverified and no human has decided on it yet. */
export function isLandingUndecided(workstream: WorkstreamState): boolean {
  return workstream.landing !== null && workstream.landing.resolution === null;
}

/** How often each playbook has already intervened in this workstream. */
export function playbookAttempts(workstream: WorkstreamState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const intervention of workstream.interventions)
    counts.set(intervention.playbook, (counts.get(intervention.playbook) ?? 0) + 1);
  return counts;
}

export function foldEvents(workstreamIds: readonly string[], events: readonly JournalEvent[]): RunState {
  const state = initialRunState(workstreamIds);
  for (const event of events) applyEvent(state, event);
  return state;
}
