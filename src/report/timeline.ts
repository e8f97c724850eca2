/** The run's timeline: the journal events a person follows a workstream by, with a short label each. */
import type { JournalEvent, JournalEventOf, JournalEventType } from "../run/index.ts";
import type { TimelineEntry } from "./report-model.ts";

const timelineTypes = [
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
] as const satisfies readonly JournalEventType[];

type TimelineEvent = JournalEventOf<(typeof timelineTypes)[number]>;

const timelineTypeSet: ReadonlySet<string> = new Set(timelineTypes);

function isTimelineEvent(event: JournalEvent): event is TimelineEvent {
  return timelineTypeSet.has(event.type);
}

export function buildTimeline(events: readonly JournalEvent[]): TimelineEntry[] {
  const startMs = events.length > 0 ? Date.parse(events[0]!.ts) : 0;
  return events.filter(isTimelineEvent).map((event) => ({
    at: event.ts,
    offset_ms: Math.max(0, Date.parse(event.ts) - startMs),
    workstream: event.workstream,
    type: event.type,
    label: labelOf(event),
  }));
}

function labelOf(event: TimelineEvent): string {
  switch (event.type) {
    case "run.started":
      return `run started (${event.run})`;
    case "run.resumed":
      return `run resumed (${event.run})`;
    case "run.stopped":
      return `run stopped: ${event.reason}`;
    case "run.finished":
      return "run finished";
    case "workstream.started":
      return "workstream started";
    case "worker.started":
      return `worker started, attempt ${event.attempt}`;
    case "claim.made":
      return event.commit !== null
        ? `claim ${event.claim} made at ${event.commit.slice(0, 12)}`
        : `claim ${event.claim} made with uncommitted changes`;
    case "claim.rejected": {
      const gates = event.failed_gates.join(", ");
      return `claim ${event.claim} rejected${gates ? `: ${gates} failed` : ""}`;
    }
    case "claim.accepted":
      return `claim ${event.claim} accepted`;
    case "signal.detected":
      return `signal ${event.signal}`;
    case "intervention.applied":
      return `intervention: playbook ${event.playbook} for ${event.signal}`;
    case "escalation.opened":
      return `escalation ${event.escalation} opened: ${firstLine(event.question)}`;
    case "escalation.decided":
      return `escalation ${event.escalation} decided: ${event.decision}`;
    case "workstream.rejected":
    case "workstream.blocked":
    case "workstream.aborted":
      return `${event.type.slice("workstream.".length)}: ${event.reason}`;
  }
}

function firstLine(value: string): string {
  const line = value.split("\n").find((candidate) => candidate.trim() !== "") ?? "";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
