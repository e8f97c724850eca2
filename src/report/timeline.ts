/** The run's timeline: the journal events a person follows a workstream by, with a short label each. */
import type { JournalEvent } from "../run/journal.ts";
import type { TimelineEntry } from "./report-model.ts";

const timelineTypes = new Set([
  "run.started",
  "run.resumed",
  "run.stopped",
  "run.finished",
  "workstream.started",
  "worker.started",
  "claim.made",
  "claim.rejected",
  "claim.accepted",
  "signal.detected",
  "intervention.applied",
  "escalation.opened",
  "escalation.decided",
  "workstream.rejected",
  "workstream.blocked",
  "workstream.aborted",
]);

export function buildTimeline(events: readonly JournalEvent[]): TimelineEntry[] {
  const startMs = events.length > 0 ? Date.parse(events[0]!.ts) : 0;
  return events
    .filter((event) => timelineTypes.has(event.type))
    .map((event) => ({
      at: event.ts,
      offset_ms: Math.max(0, Date.parse(event.ts) - startMs),
      workstream: event.workstream,
      type: event.type,
      label: labelOf(event),
    }));
}

function labelOf(event: JournalEvent): string {
  switch (event.type) {
    case "run.started":
    case "run.resumed":
      return `${event.type === "run.started" ? "run started" : "run resumed"} (${text(event.run)})`;
    case "run.stopped":
      return `run stopped: ${text(event.reason)}`;
    case "run.finished":
      return "run finished";
    case "workstream.started":
      return "workstream started";
    case "worker.started":
      return `worker started, attempt ${text(event.attempt)}`;
    case "claim.made":
      return typeof event.commit === "string"
        ? `claim ${text(event.claim)} made at ${event.commit.slice(0, 12)}`
        : `claim ${text(event.claim)} made with uncommitted changes`;
    case "claim.rejected": {
      const gates = Array.isArray(event.failed_gates) ? event.failed_gates.join(", ") : "";
      return `claim ${text(event.claim)} rejected${gates ? `: ${gates} failed` : ""}`;
    }
    case "claim.accepted":
      return `claim ${text(event.claim)} accepted`;
    case "signal.detected":
      return `signal ${text(event.signal)}`;
    case "intervention.applied":
      return `intervention: playbook ${text(event.playbook)} for ${text(event.signal)}`;
    case "escalation.opened":
      return `escalation ${text(event.escalation)} opened: ${firstLine(text(event.question))}`;
    case "escalation.decided":
      return `escalation ${text(event.escalation)} decided: ${text(event.decision)}`;
    default:
      // workstream.rejected, .blocked, .aborted
      return `${event.type.slice("workstream.".length)}: ${text(event.reason)}`;
  }
}

function text(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

function firstLine(value: string): string {
  const line = value.split("\n").find((candidate) => candidate.trim() !== "") ?? "";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
