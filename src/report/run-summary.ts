/**
 * The words around the live view: the line that opens a resumed run, and the lines that close
 * every run, ending in what to do next (answer a human's question, resume, or read the evidence).
 */
import { type RunInfo, type RunOutcome, type RunState, terminalStatuses } from "../run/index.ts";
import { printable } from "../text.ts";
import type { ViewedPlan } from "./live-view-types.ts";
import { statusOf } from "./status-table.ts";

/** `Resuming run R: 3 accepted, 2 to go.`, or null for a run that has not started yet. */
export function resumingLine(
  plan: ViewedPlan,
  state: RunState,
  runId: string,
  verb: "Resuming" | "Watching" = "Resuming",
): string | null {
  if (state.runId === null) return null;
  const statuses = plan.workstreams.map((workstream) => statusOf(state, workstream.id));
  const ended = tally(statuses.filter((status) => terminalStatuses.has(status)));
  const toGo = statuses.filter((status) => !terminalStatuses.has(status)).length;
  return `${verb} run ${runId}: ${[ended, `${toGo} to go`].filter(Boolean).join(", ")}.`;
}

export interface RunEnding {
  outcome: RunOutcome;
  stateDirectory: string;
  run: RunInfo;
  /** The exact command that continues this run. */
  resumeCommand: string;
}

export function closingLines(plan: ViewedPlan, ending: RunEnding): string {
  const { outcome, run } = ending;
  const state = outcome.state;
  const statuses = plan.workstreams.map((workstream) => statusOf(state, workstream.id));
  const evidence = `Evidence: ${run.dir}/evidence/<workstream>/bundle.md · \`supervise status --state-dir ${ending.stateDirectory}\` · \`supervise evidence <workstream>\``;
  const waiting = [...state.workstreams.values()].flatMap((workstream) => {
    const escalation = workstream.pendingEscalation;
    if (escalation === null) return [];
    return [
      `Waiting on you — ${escalation.id} (${workstream.id}): ${printable(escalation.question.split("\n")[0]!)}`,
      `  supervise approve ${escalation.id} [--note TEXT]   ·   supervise deny ${escalation.id} [--note TEXT]   ·   supervise reply ${escalation.id} "TEXT"`,
    ];
  });
  const resume = `Resume with: ${ending.resumeCommand}`;
  const lines =
    outcome.kind === "finished"
      ? [`Run ${run.id} finished: ${tally(statuses)}.`, ...waiting, evidence]
      : outcome.reason === "interrupted"
        ? [
            `Run ${run.id} stopped on request: ${tally(statuses)}.`,
            ...waiting,
            evidence,
            stoppedLine(plan, state),
            resume,
          ]
        : outcome.reason === "waiting_on_human"
          ? [
              `Run ${run.id} stopped: only human decisions remain (${tally(statuses)}).`,
              ...waiting,
              evidence,
              `Once answered, ${resume.charAt(0).toLowerCase()}${resume.slice(1)}`,
            ]
          : [`Run ${run.id} stopped: the --only workstreams ended (${tally(statuses)}).`, evidence];
  return ["", ...lines, ""].join("\n");
}

/** What the stop interrupted: the workstreams that were at work, which continue on resume. */
function stoppedLine(plan: ViewedPlan, state: RunState): string {
  const interrupted = plan.workstreams
    .map((workstream) => workstream.id)
    .filter((id) => {
      const status = statusOf(state, id);
      return status === "running" || status === "verifying";
    });
  if (interrupted.length === 0) return "Stopped: no worker was at work.";
  return interrupted.length === 1
    ? `Stopped: the worker of ${interrupted[0]}; it continues from its checkout on resume.`
    : `Stopped: the workers of ${interrupted.join(", ")}; they continue from their checkouts on resume.`;
}

/** `3 accepted, 1 rejected, 2 pending`, in order of first appearance. */
function tally(statuses: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count} ${status}`).join(", ");
}
