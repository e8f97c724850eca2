/**
 * The per-workstream state machine. State changes only by folding journal events through
 * `applyEvent`, so a resumed run rebuilds exactly the state the crashed one had.
 */
import type { JournalEvent } from "./journal.ts";

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
  status: "pass" | "fail" | "error" | "skipped" | "waived";
  detail: string;
  observed: Record<string, unknown>;
  command: Record<string, unknown> | null;
}

export interface ClaimSummary {
  id: number;
  attempt: number;
  summary: string;
  commit: string | null;
  verdict: "pending" | "accepted" | "rejected";
  gates: GateSummary[];
}

export interface WorkstreamState {
  id: string;
  status: WorkstreamStatus;
  /** Worker starts so far (the `SUPERVISE_ATTEMPT` of the latest one). */
  attempt: number;
  rejections: number;
  claims: ClaimSummary[];
  turns: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
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
  decisionEffectPending: { escalation: string; effect: "abort" | "extend_budget" } | null;
  interventions: { playbook: string; signal: string; delivery: string; ts: string }[];
  escalations: {
    id: string;
    question: string;
    source: string;
    opened_at: string;
    decision: string | null;
    note: string | null;
    text: string | null;
    decided_at: string | null;
  }[];
  signals: { signal: string; summary: string; ts: string }[];
}

export interface RunState {
  runId: string | null;
  isFinished: boolean;
  startedAt: string | null;
  workstreams: Map<string, WorkstreamState>;
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
    turns: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
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
    interventions: [],
    escalations: [],
    signals: [],
  };
}

export function initialRunState(workstreamIds: readonly string[]): RunState {
  return {
    runId: null,
    isFinished: false,
    startedAt: null,
    workstreams: new Map(workstreamIds.map((id) => [id, initialWorkstreamState(id)])),
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

/** The transitions: event type → statuses it may come from → status it leads to. */
const transitions: Record<string, { from: readonly WorkstreamStatus[]; to: WorkstreamStatus }> = {
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

export function transitionFor(
  eventType: string,
): { from: readonly WorkstreamStatus[]; to: WorkstreamStatus } | undefined {
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

function applyRunEvent(state: RunState, event: JournalEvent): void {
  if (event.type === "run.started") {
    state.runId = typeof event.run === "string" ? event.run : state.runId;
    state.startedAt = event.ts;
  } else if (event.type === "run.finished") {
    state.isFinished = true;
  }
}

function applyWorkstreamDetails(workstream: WorkstreamState, event: JournalEvent): void {
  workstream.lastActivity = event.ts;
  switch (event.type) {
    case "workstream.started":
      workstream.startedAt = event.ts;
      break;
    case "checkout.created":
      workstream.checkoutPath = String(event.path);
      workstream.baseSha = typeof event.base_sha === "string" ? event.base_sha : null;
      break;
    case "worker.started": {
      const attempt = Number(event.attempt);
      workstream.attempt = attempt;
      workstream.liveWorkerAttempts.push(attempt);
      break;
    }
    case "worker.exited": {
      const attempt = Number(event.attempt);
      workstream.liveWorkerAttempts = workstream.liveWorkerAttempts.filter((live) => live !== attempt);
      break;
    }
    case "worker.usage":
      workstream.turns += Number(event.turns ?? 0);
      workstream.inputTokens += Number(event.input_tokens ?? 0);
      workstream.outputTokens += Number(event.output_tokens ?? 0);
      workstream.cacheReadTokens += Number(event.cache_read_tokens ?? 0);
      workstream.cacheWriteTokens += Number(event.cache_write_tokens ?? 0);
      workstream.costUsd += Number(event.cost_usd ?? 0);
      break;
    case "claim.made":
      workstream.claims.push({
        id: Number(event.claim),
        attempt: workstream.attempt,
        summary: String(event.summary ?? ""),
        commit: typeof event.commit === "string" ? event.commit : null,
        verdict: "pending",
        gates: [],
      });
      break;
    case "gate.passed":
    case "gate.failed":
    case "gate.errored":
    case "gate.skipped":
    case "gate.waived": {
      const claim = workstream.claims.find((candidate) => candidate.id === Number(event.claim));
      const waivedGate =
        event.type === "gate.waived"
          ? claim?.gates.find((gate) => gate.gate === String(event.gate))
          : undefined;
      if (waivedGate) {
        // A waiver changes how the failed gate counts; what was observed stays beside it.
        waivedGate.status = "waived";
        waivedGate.detail = String(event.detail ?? "");
        break;
      }
      claim?.gates.push({
        gate: String(event.gate),
        status: gateStatusOf(event.type),
        detail: String(event.detail ?? ""),
        observed: (event.observed as Record<string, unknown> | undefined) ?? {},
        command: (event.command as Record<string, unknown> | undefined) ?? null,
      });
      break;
    }
    case "claim.accepted_with_waiver": {
      const claim = workstream.claims.find((candidate) => candidate.id === Number(event.claim));
      if (claim) claim.verdict = "accepted";
      workstream.endedAt = event.ts;
      workstream.reason = `accepted with a waiver of ${((event.waived as string[] | undefined) ?? []).join(", ")} by ${String(event.decided_by ?? "a human")}`;
      break;
    }
    case "claim.accepted":
    case "claim.rejected": {
      const claim = workstream.claims.find((candidate) => candidate.id === Number(event.claim));
      if (claim) claim.verdict = event.type === "claim.accepted" ? "accepted" : "rejected";
      if (event.type === "claim.rejected") workstream.rejections += 1;
      else {
        workstream.endedAt = event.ts;
        workstream.reason = null;
      }
      break;
    }
    case "escalation.opened":
      workstream.reason = `waiting on a human: ${String(event.question ?? "")}`;
      workstream.pendingEscalation = { id: String(event.escalation), question: String(event.question ?? "") };
      workstream.escalationCount += 1;
      workstream.escalations.push({
        id: String(event.escalation),
        question: String(event.question ?? ""),
        source: String(event.source ?? "worker"),
        opened_at: event.ts,
        decision: null,
        note: null,
        text: null,
        decided_at: null,
      });
      break;
    case "escalation.decided":
      workstream.reason = null;
      workstream.lastDecision = {
        escalation: String(event.escalation),
        question: workstream.pendingEscalation?.question ?? "",
        decision: String(event.decision),
        note: typeof event.note === "string" ? event.note : null,
        text: typeof event.text === "string" ? event.text : null,
      };
      workstream.pendingEscalation = null;
      {
        const record = workstream.escalations.find((candidate) => candidate.id === String(event.escalation));
        const decision = String(event.decision);
        const fromSupervisor = record?.source === "monitor" || record?.source === "budget";
        if (fromSupervisor && decision !== "deny") workstream.extraStartsGranted += 1;
        if (fromSupervisor && decision === "deny")
          workstream.decisionEffectPending = { escalation: String(event.escalation), effect: "abort" };
        else if (record?.source === "budget")
          workstream.decisionEffectPending = {
            escalation: String(event.escalation),
            effect: "extend_budget",
          };
        if (record) {
          record.decision = String(event.decision);
          record.note = typeof event.note === "string" ? event.note : null;
          record.text = typeof event.text === "string" ? event.text : null;
          record.decided_at = event.ts;
        }
      }
      break;
    case "budget.extended":
      workstream.budgetExtensions += 1;
      workstream.budgetExtendedAt = event.ts;
      workstream.decisionEffectPending = null;
      break;
    case "signal.detected":
      workstream.signals.push({
        signal: String(event.signal),
        summary: String(event.summary ?? ""),
        ts: event.ts,
      });
      break;
    case "intervention.applied":
      workstream.interventions.push({
        playbook: String(event.playbook),
        signal: String(event.signal),
        delivery: String(event.delivery),
        ts: event.ts,
      });
      break;
    case "workstream.rejected":
    case "workstream.blocked":
    case "workstream.aborted":
      workstream.decisionEffectPending = null;
      workstream.endedAt = event.ts;
      workstream.reason = String(event.reason ?? "");
      break;
  }
}

function gateStatusOf(eventType: string): GateSummary["status"] {
  switch (eventType) {
    case "gate.passed":
      return "pass";
    case "gate.failed":
      return "fail";
    case "gate.skipped":
      return "skipped";
    case "gate.waived":
      return "waived";
    default:
      return "error";
  }
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
