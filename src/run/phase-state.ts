/**
 * Each phase's gates as the journal records them: folded from `phase.*` events like the
 * workstreams' states, so a resumed run knows which phase gates passed and never runs them again.
 */
import type { JournalEventData, JournalEventOf } from "./events.ts";

/**
 * pending: not run yet (or to run again after a human's reply) · passed · failed: red, a human is
 * asked · waived: red, and a human let the next phase start · denied: red, and a human stopped the
 * later phases.
 */
export type PhaseStatus = "pending" | "passed" | "failed" | "waived" | "denied";

export type PhaseGateResult = JournalEventData<"phase.passed">["gates"][number];

export interface PhaseState {
  name: string;
  status: PhaseStatus;
  /** Times the gates ran. */
  checks: number;
  /** The integrated base the latest check ran on. */
  baseSha: string | null;
  /** The latest check's gates, in the order they ran. */
  gates: PhaseGateResult[];
  checkedAt: string | null;
  /** The escalation of the latest red check; null when none was opened. */
  escalation: string | null;
  decision: {
    kind: JournalEventOf<"phase.decided">["decision"];
    decidedBy: string | null;
    note: string | null;
    text: string | null;
  } | null;
}

export function initialPhaseState(name: string): PhaseState {
  return {
    name,
    status: "pending",
    checks: 0,
    baseSha: null,
    gates: [],
    checkedAt: null,
    escalation: null,
    decision: null,
  };
}

type PhaseEvent = JournalEventOf<"phase.passed" | "phase.failed" | "phase.decided">;

/** Folds one phase event in (mutating, as the workstreams' fold does). */
export function applyPhaseEvent(phases: Map<string, PhaseState>, event: PhaseEvent): void {
  let phase = phases.get(event.phase);
  if (!phase) {
    phase = initialPhaseState(event.phase);
    phases.set(event.phase, phase);
  }
  if (event.type === "phase.decided") {
    phase.decision = {
      kind: event.decision,
      decidedBy: event.decided_by,
      note: event.note,
      text: event.text,
    };
    phase.status = event.decision === "approve" ? "waived" : event.decision === "deny" ? "denied" : "pending";
    return;
  }
  phase.checks += 1;
  phase.baseSha = event.base_sha;
  phase.gates = event.gates;
  phase.checkedAt = event.ts;
  phase.decision = null;
  if (event.type === "phase.passed") {
    phase.status = "passed";
    phase.escalation = null;
  } else {
    phase.status = "failed";
    phase.escalation = event.escalation;
  }
}

/** Passed, or waived by a human: the next phase may start. */
export function isPhaseOpenToNext(status: PhaseStatus): boolean {
  return status === "passed" || status === "waived";
}
