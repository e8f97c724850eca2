/**
 * The retrospective: what failed, which playbooks helped, time lost to stalls, cost per accepted
 * workstream and how long humans were waited on, all read back from the journal.
 */
import type { JournalEvent, JournalEventType, RunState } from "../run/index.ts";
import type { Retrospective, StallInterval, WorkstreamReport } from "./report-model.ts";

export interface RetrospectiveInput {
  events: readonly JournalEvent[];
  state: RunState;
  workstreams: readonly WorkstreamReport[];
  /** Where an interval still open at the journal's end stops, and why. */
  endMs: number;
  openEndedBy: "run_end" | "report";
}

// A budget warning is advice to a worker that is still working, not a stop.
const nonStallSignals = new Set(["budget_warning"]);
const workstreamEndTypes: ReadonlySet<JournalEventType> = new Set([
  "workstream.rejected",
  "workstream.blocked",
  "workstream.aborted",
]);

export function buildRetrospective(input: RetrospectiveInput): Retrospective {
  const escalations = input.workstreams.flatMap((workstream) => workstream.escalations);
  const intervals = stallIntervals(input);
  return {
    rejections_by_gate: rejectionsByGate(input),
    playbooks: playbookOutcomes(input.events),
    stalls: {
      lost_ms: sum(intervals.map((interval) => interval.lost_ms)),
      by_signal: bySignal(intervals),
      intervals,
    },
    cost: costPerAccepted(input.workstreams),
    escalations: {
      count: escalations.length,
      open: escalations.filter((escalation) => escalation.is_open).length,
      waited_ms: sum(escalations.map((escalation) => escalation.waited_ms)),
      items: escalations,
    },
  };
}

function rejectionsByGate(input: RetrospectiveInput): Retrospective["rejections_by_gate"] {
  const byGate = new Map<string, { rejections: number; workstreams: Set<string>; lastDetail: string }>();
  for (const workstream of input.workstreams) {
    const claims = input.state.workstreams.get(workstream.workstream)?.claims ?? [];
    for (const claim of claims.filter((candidate) => candidate.verdict === "rejected")) {
      for (const gate of claim.gates.filter((each) => each.status === "fail" || each.status === "error")) {
        const entry = byGate.get(gate.gate) ?? { rejections: 0, workstreams: new Set(), lastDetail: "" };
        entry.rejections += 1;
        entry.workstreams.add(workstream.workstream);
        entry.lastDetail = gate.detail;
        byGate.set(gate.gate, entry);
      }
    }
  }
  return [...byGate]
    .map(([gate, entry]) => ({
      gate,
      rejections: entry.rejections,
      workstreams: [...entry.workstreams],
      last_detail: entry.lastDetail,
    }))
    .sort((left, right) => right.rejections - left.rejections || left.gate.localeCompare(right.gate));
}

/** The acceptance of a workstream is credited to the last intervention before it. */
function playbookOutcomes(events: readonly JournalEvent[]): Retrospective["playbooks"] {
  const byPlaybook = new Map<
    string,
    { signals: Set<string>; applied: number; workstreams: Set<string>; followedByAcceptance: number }
  >();
  const lastPlaybookOf = new Map<string, string>();
  for (const event of events) {
    if (event.workstream === null) continue;
    if (event.type === "intervention.applied") {
      const playbook = event.playbook;
      const entry = byPlaybook.get(playbook) ?? {
        signals: new Set(),
        applied: 0,
        workstreams: new Set(),
        followedByAcceptance: 0,
      };
      entry.applied += 1;
      entry.signals.add(event.signal);
      entry.workstreams.add(event.workstream);
      byPlaybook.set(playbook, entry);
      lastPlaybookOf.set(event.workstream, playbook);
    } else if (event.type === "claim.accepted") {
      const playbook = lastPlaybookOf.get(event.workstream);
      if (playbook) byPlaybook.get(playbook)!.followedByAcceptance += 1;
      lastPlaybookOf.delete(event.workstream);
    }
  }
  return [...byPlaybook]
    .map(([playbook, entry]) => ({
      playbook,
      signals: [...entry.signals],
      applied: entry.applied,
      workstreams: [...entry.workstreams],
      followed_by_acceptance: entry.followedByAcceptance,
    }))
    .sort((left, right) => right.applied - left.applied || left.playbook.localeCompare(right.playbook));
}

function stallIntervals(input: RetrospectiveInput): StallInterval[] {
  const open = new Map<string, { signals: string[]; from: string }>();
  const closed: StallInterval[] = [];
  const close = (workstream: string, to: string, endedBy: StallInterval["ended_by"]) => {
    const interval = open.get(workstream);
    if (!interval) return;
    open.delete(workstream);
    const lostMs = Math.max(0, Date.parse(to) - Date.parse(interval.from));
    closed.push({
      workstream,
      signals: interval.signals,
      from: interval.from,
      to,
      ended_by: endedBy,
      lost_ms: lostMs,
    });
  };
  for (const event of input.events) {
    const workstream = event.workstream;
    if (workstream === null) continue;
    if (event.type === "signal.detected" && !nonStallSignals.has(event.signal)) {
      const interval = open.get(workstream) ?? { signals: [], from: event.ts };
      interval.signals.push(event.signal);
      open.set(workstream, interval);
    } else if (event.type === "claim.made") {
      close(workstream, event.ts, "claim");
    } else if (workstreamEndTypes.has(event.type)) {
      close(workstream, event.ts, "workstream_end");
    }
  }
  const endAt = new Date(input.endMs).toISOString();
  for (const workstream of [...open.keys()]) close(workstream, endAt, input.openEndedBy);
  return closed.sort((left, right) => left.from.localeCompare(right.from));
}

/** An interval is credited to the signal that opened it. */
function bySignal(intervals: readonly StallInterval[]): Retrospective["stalls"]["by_signal"] {
  const bySignalKind = new Map<string, { count: number; lostMs: number }>();
  for (const interval of intervals) {
    const signal = interval.signals[0]!;
    const entry = bySignalKind.get(signal) ?? { count: 0, lostMs: 0 };
    entry.count += 1;
    entry.lostMs += interval.lost_ms;
    bySignalKind.set(signal, entry);
  }
  return [...bySignalKind]
    .map(([signal, entry]) => ({ signal, count: entry.count, lost_ms: entry.lostMs }))
    .sort((left, right) => right.lost_ms - left.lost_ms || left.signal.localeCompare(right.signal));
}

/** The whole campaign's spend over what it got accepted: failed workstreams are part of the price. */
function costPerAccepted(workstreams: readonly WorkstreamReport[]): Retrospective["cost"] {
  const total = sum(workstreams.map((workstream) => workstream.usage.cost_usd));
  const accepted = workstreams.filter((workstream) => workstream.verdict === "accepted");
  return {
    total_usd: roundUsd(total),
    accepted_workstreams: accepted.length,
    per_accepted_workstream_usd: accepted.length === 0 ? null : roundUsd(total / accepted.length),
    not_accepted_usd: roundUsd(
      sum(workstreams.filter((each) => each.verdict !== "accepted").map((each) => each.usage.cost_usd)),
    ),
  };
}

export function roundUsd(value: number): number {
  return Number(value.toFixed(6));
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
