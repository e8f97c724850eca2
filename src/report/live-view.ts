/**
 * What `supervise PLAN` shows while it runs: a table redrawn in place on a terminal, one plain
 * line per event otherwise, or one JSON object per event with `--json`.
 */
import type { Redactor } from "../agent/transcript.ts";
import type { Output } from "../cli/output.ts";
import type { Plan } from "../plan/schema.ts";
import type { JournalEvent } from "../run/journal.ts";
import type { RunInfo } from "../run/run-store.ts";
import { foldEvents, type RunState } from "../run/workstream-state.ts";
import { formatEventLine } from "./event-line.ts";
import { renderStatusTable } from "./status-table.ts";

export interface LiveView {
  onEvent(event: JournalEvent): void;
  finish(state: RunState, stateDirectory: string, run: RunInfo): void;
  close(): void;
}

export interface LiveViewOptions {
  plan: Plan;
  runId: string;
  output: Output;
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
      onEvent: (event) => output.out(`${redact(formatEventLine(event))}\n`),
      finish: (state, stateDirectory, run) =>
        output.out(finalSummary(options.plan, state, stateDirectory, run)),
      close: () => {},
    };
  }
  const events: JournalEvent[] = [];
  let drawnLines = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    const state = foldEvents(
      options.plan.workstreams.map((workstream) => workstream.id),
      events,
    );
    const latest = events.at(-1);
    const text = [
      renderStatusTable(
        options.plan.workstreams.map((workstream) => workstream.id),
        state,
        Date.now(),
        output.useColor,
      ),
      latest ? redact(formatEventLine(latest)).slice(0, output.columns - 1) : "",
    ].join("\n");
    const clear = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[0J` : "";
    output.out(`${clear}${text}\n`);
    drawnLines = text.split("\n").length;
  };
  return {
    onEvent(event) {
      events.push(event);
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
