/**
 * What `supervise PLAN` shows while it runs: a table redrawn in place on a terminal, one plain
 * line per event otherwise, or one JSON object per event with `--json`.
 */

import type { Plan } from "../plan/index.ts";
import {
  applyEvent,
  initialRunState,
  type JournalEvent,
  type RunInfo,
  type RunState,
  terminalStatuses,
} from "../run/index.ts";
import type { Redactor } from "../sandbox/index.ts";
import { printable } from "../text.ts";
import { formatEventLine } from "./event-line.ts";
import { renderStatusTable } from "./status-table.ts";

export interface LiveView {
  onEvent(event: JournalEvent): void;
  finish(state: RunState, stateDirectory: string, run: RunInfo): void;
  close(): void;
}

/**
 * Where the view writes: the terminal the CLI hands down (its Output satisfies this), so the report
 * never writes to process.stdout itself.
 */
export interface ViewWriter {
  out(text: string): void;
  readonly isTty: boolean;
  readonly useColor: boolean;
  readonly columns: number;
}

export interface LiveViewOptions {
  plan: Plan;
  runId: string;
  output: ViewWriter;
  json: boolean;
  redact: Redactor;
}

const redrawIntervalMs = 200;

export function createLiveView(options: LiveViewOptions): LiveView {
  const { output, redact } = options;
  if (options.json) {
    return {
      onEvent: (event) => output.out(`${redact(JSON.stringify(event))}\n`),
      finish: () => {},
      close: () => {},
    };
  }
  if (!output.isTty) {
    return {
      onEvent: (event) => output.out(`${printable(redact(formatEventLine(event)))}\n`),
      finish: (state, stateDirectory, run) =>
        output.out(finalSummary(options.plan, state, stateDirectory, run)),
      close: () => {},
    };
  }
  const ids = options.plan.workstreams.map((workstream) => workstream.id);
  // Folded incrementally: redrawing must not replay the whole journal (a run has thousands of events).
  const state = initialRunState(ids);
  const activity = new Map<string, string>();
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;
  const startedMs = Date.now();
  const draw = () => {
    timer = undefined;
    const width = Math.max(40, output.columns - 1);
    const statuses = ids.map((id) => state.workstreams.get(id)?.status ?? "pending");
    const ended = statuses.filter((status) => terminalStatuses.has(status)).length;
    const running = statuses.filter((status) => status === "running" || status === "verifying").length;
    const progress = `${ended}/${ids.length} ended · ${running} running · ${statuses.filter((status) => status === "accepted").length} accepted · ${Math.round((Date.now() - startedMs) / 1000)}s`;
    const lines = [
      renderStatusTable(ids, state, Date.now(), output.useColor),
      "",
      ...ids
        .filter(
          (id) => activity.has(id) && !terminalStatuses.has(state.workstreams.get(id)?.status ?? "pending"),
        )
        .map((id) => `  ${id}: ${activity.get(id)}`.slice(0, width)),
      ...[...state.workstreams.values()]
        .filter((workstream) => workstream.pendingEscalation !== null)
        .map((workstream) =>
          `  ! ${workstream.pendingEscalation!.id} waits on you: supervise approve|deny ${workstream.pendingEscalation!.id} · supervise reply ${workstream.pendingEscalation!.id} "TEXT"`.slice(
            0,
            width,
          ),
        ),
      progress,
    ];
    const text = lines.join("\n");
    const clear = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[0J` : "";
    output.out(`${clear}${text}\n`);
    drawnLines = lines.length;
  };
  return {
    onEvent(event) {
      applyEvent(state, event);
      if (event.workstream !== null) activity.set(event.workstream, redact(formatEventLine(event)).slice(9));
      // A question for a human: ring the terminal bell once, so someone looks.
      if (event.type === "escalation.opened") output.out("\x07");
      timer ??= setTimeout(draw, redrawIntervalMs);
    },
    finish(state, stateDirectory, run) {
      if (timer) clearTimeout(timer);
      draw();
      output.out(finalSummary(options.plan, state, stateDirectory, run));
    },
    close() {
      if (timer) clearTimeout(timer);
    },
  };
}

function finalSummary(plan: Plan, state: RunState, stateDirectory: string, run: RunInfo): string {
  const counts = new Map<string, number>();
  for (const workstream of plan.workstreams) {
    const status = state.workstreams.get(workstream.id)?.status ?? "pending";
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const tally = [...counts].map(([status, count]) => `${count} ${status}`).join(", ");
  const pending = [...state.workstreams.values()].filter(
    (workstream) => workstream.pendingEscalation !== null,
  );
  const waiting = pending.flatMap((workstream) => {
    const escalation = workstream.pendingEscalation!;
    return [
      `Waiting on you — ${escalation.id} (${workstream.id}): ${escalation.question.split("\n")[0]}`,
      `  supervise approve ${escalation.id} [--note TEXT]   ·   supervise deny ${escalation.id} [--note TEXT]   ·   supervise reply ${escalation.id} "TEXT"`,
      `  then run the plan again to continue (supervise ${plan.file}).`,
    ];
  });
  return [
    "",
    `Run ${run.id}: ${tally}.`,
    ...waiting,
    `Evidence: ${run.dir}/evidence/<workstream>/bundle.md · \`supervise status --state-dir ${stateDirectory}\` · \`supervise evidence <workstream>\``,
    "",
  ].join("\n");
}
