/** One journal event as one plain line a person can read in a log or a pipe. */
import { isGateEvent, type JournalEvent } from "../run/index.ts";

export function formatEventLine(event: JournalEvent): string {
  const time = event.ts.slice(11, 19);
  const who = event.workstream ?? (event.type.startsWith("phase.") ? "phase" : "run");
  return `${time} ${who} ${eventSummary(event)}`;
}

/** The event's type and what it says, without when or whose: `claim.made claim 1 at abc…: done`. */
export function eventSummary(event: JournalEvent): string {
  // One event, one line: multi-line details (a CI log tail) stay in the journal and the bundle.
  return `${event.type}${describeEvent(event).split("\n")[0]!}`;
}

function describeEvent(event: JournalEvent): string {
  if (isGateEvent(event)) return ` ${event.gate}: ${event.detail}`;
  switch (event.type) {
    case "worker.started":
      return ` attempt ${event.attempt} (${event.provider})`;
    case "worker.exited":
      return ` attempt ${event.attempt}: ${event.description}`;
    case "claim.made":
      return event.commit
        ? ` claim ${event.claim} at ${event.commit.slice(0, 12)}: ${event.summary}`
        : ` claim ${event.claim} with uncommitted changes: ${event.summary}`;
    case "claim.rejected":
      return ` claim ${event.claim}: failed ${event.failed_gates.join(", ")}`;
    case "claim.accepted":
      return ` claim ${event.claim} at ${String(event.commit).slice(0, 12)}`;
    case "workstream.blocked":
    case "workstream.rejected":
    case "workstream.aborted":
    case "run.stopped":
      return event.reason ? `: ${event.reason}` : "";
    case "intervention.applied":
      return ` ${event.playbook} (${event.signal}, via ${event.delivery})`;
    case "signal.detected":
      return ` ${event.signal}: ${event.summary}`;
    case "escalation.opened":
      return ` ${event.escalation}: ${event.question}`;
    case "escalation.decided":
      return ` ${event.escalation}: ${event.decision}`;
    case "playbook.exhausted":
      return ` ${event.playbook}`;
    case "merge.refused":
      return ` #${event.number}: ${event.reason}`;
    case "merge.held":
      return ` #${event.number} waits: the base is red (${event.escalation})`;
    case "merge.completed":
      return ` #${event.number} as ${String(event.merge_commit).slice(0, 12)}`;
    case "pull_request.opened":
    case "pull_request.updated":
      return ` #${event.number} at ${event.head_sha.slice(0, 12)}`;
    case "push.completed":
      return ` ${event.sha.slice(0, 12)} to ${event.branch}`;
    case "checkout.created":
      return ` ${event.path} on ${event.branch}`;
    case "host.placed":
      return ` in ${event.queue}`;
    case "host.attached":
      return ` ${event.host}${event.resumed ? ", its checkout kept" : ""}`;
    case "host.lost":
      return ` ${event.host}: ${event.reason}`;
    case "host.problem":
      return ` ${event.host}: ${event.message}`;
    case "run.started":
    case "run.resumed":
      return ` ${event.run}`;
    case "phase.passed":
    case "phase.failed": {
      const failed = event.gates.find((gate) => gate.status === "fail" || gate.status === "error");
      const gates = failed
        ? `${failed.gate}: ${failed.detail}`
        : event.gates.map((gate) => gate.gate).join(", ");
      const waiting = event.type === "phase.failed" ? `; waiting on ${event.escalation}` : "";
      return ` ${event.phase} on ${event.base_sha.slice(0, 12) || "no base"}: ${gates}${waiting}`;
    }
    case "phase.decided":
      return ` ${event.phase}: ${event.decision} (${event.escalation})`;
    default:
      return "";
  }
}
