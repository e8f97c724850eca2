/**
 * The live view on a terminal: one status table redrawn in place, with each active workstream's
 * latest event, the questions waiting on a human and a progress footer. It redraws shortly after
 * events, every second (so ELAPSED moves while nothing happens) and on resize; column widths only
 * grow during a run, so the table does not jump.
 */
import type { Clock } from "../clock.ts";
import { applyEvent, type JournalEvent, type RunState, terminalStatuses } from "../run/index.ts";
import type { Redactor } from "../sandbox/index.ts";
import { printable } from "../text.ts";
import { eventSummary } from "./event-line.ts";
import { composeFrame } from "./live-frame.ts";
import type { LiveView, ViewedPlan, ViewTimers, ViewWriter } from "./live-view-types.ts";
import { closingLines } from "./run-summary.ts";
import {
  columnWidths,
  formatDuration,
  layoutStatusTable,
  statusOf,
  statusTableCells,
} from "./status-table.ts";
import { TerminalFrame } from "./terminal-frame.ts";

export interface TableViewOptions {
  plan: ViewedPlan;
  output: ViewWriter;
  redact: Redactor;
  /** The run as the journal had it when this process started; folded on from there, event by event. */
  state: RunState;
  /** The journal's events before this process started: each workstream's latest is its activity. */
  recordedEvents: readonly JournalEvent[];
  clock: Clock;
  timers: ViewTimers;
}

/** Events come in bursts (a gate run records several): one redraw shortly after covers the burst. */
const redrawDelayMs = 100;
const tickMs = 1_000;

export function createTableView(options: TableViewOptions): LiveView {
  const { plan, output, redact, clock, timers } = options;
  const { state } = options;
  const ids = plan.workstreams.map((workstream) => workstream.id);
  const activity = new Map<string, string>();
  const noteActivity = (event: JournalEvent) => {
    if (event.workstream !== null) activity.set(event.workstream, printable(redact(eventSummary(event))));
  };
  for (const event of latestOfEachWorkstream(options.recordedEvents)) noteActivity(event);

  const frame = new TerminalFrame(output);
  const startedMs = clock.now();
  let widths: number[] = [];
  let isDrawing = true;
  let cancelPendingDraw: (() => void) | undefined;

  const table = () => {
    const cells = statusTableCells(ids, state, clock.now());
    widths = columnWidths(cells).map((width, column) => Math.max(width, widths[column] ?? 0));
    const [header, ...rows] = layoutStatusTable(cells, widths, output.useColor);
    return { cells, header: header!, rows };
  };
  const liveLines = () => {
    const { cells, header, rows } = table();
    return composeFrame(
      {
        header,
        rows: rows.map((line, index) => ({ line, hasEnded: terminalStatuses.has(cells.rows[index]!.state) })),
        notes: cells.notes,
        activity: ids
          .filter((id) => activity.has(id) && !terminalStatuses.has(statusOf(state, id)))
          .map((id) => `  ${id}: ${activity.get(id)}`),
        escalations: [...state.workstreams.values()].flatMap((workstream) => {
          const id = workstream.pendingEscalation?.id;
          return id === undefined
            ? []
            : [`  ! ${id} waits on you: supervise approve|deny ${id} · supervise reply ${id} "TEXT"`];
        }),
        footer: footer(ids, state, clock.now() - startedMs),
      },
      { columns: output.columns, rows: output.rows },
    );
  };
  const draw = () => {
    cancelPendingDraw?.();
    cancelPendingDraw = undefined;
    if (isDrawing) frame.draw(liveLines());
  };
  const stopTicking = timers.every(tickMs, draw);
  const stopFollowingResizes = output.onResize(draw);
  const stopDrawing = () => {
    isDrawing = false;
    stopTicking();
    stopFollowingResizes();
    cancelPendingDraw?.();
    cancelPendingDraw = undefined;
  };

  draw();

  return {
    onEvent(event) {
      // Folded incrementally: redrawing must not replay the whole journal (a run has thousands of events).
      applyEvent(state, event);
      noteActivity(event);
      // A question for a human: ring the terminal bell once, so someone looks.
      if (event.type === "escalation.opened") output.out("\x07");
      if (isDrawing) cancelPendingDraw ??= timers.after(redrawDelayMs, draw);
    },
    notice(text) {
      if (isDrawing) frame.printAbove(text, liveLines());
      else output.err(text);
    },
    finish(ending) {
      stopDrawing();
      // The table once more, whole: it is never redrawn, so it may be as tall and wide as it needs.
      const { cells, header, rows } = table();
      frame.draw([header, ...rows, ...cells.notes]);
      frame.release();
      output.out(closingLines(plan, ending));
    },
    close(lastWords) {
      stopDrawing();
      frame.release();
      if (lastWords !== undefined) output.out(lastWords);
    },
  };
}

/** Each workstream's last event: a resumed journal can hold thousands, and only these are shown. */
function latestOfEachWorkstream(events: readonly JournalEvent[]): JournalEvent[] {
  const latest = new Map<string, JournalEvent>();
  for (const event of events) if (event.workstream !== null) latest.set(event.workstream, event);
  return [...latest.values()];
}

function footer(ids: readonly string[], state: RunState, elapsedMs: number): string {
  const statuses = ids.map((id) => statusOf(state, id));
  const ended = statuses.filter((status) => terminalStatuses.has(status)).length;
  const running = statuses.filter((status) => status === "running" || status === "verifying").length;
  const accepted = statuses.filter((status) => status === "accepted").length;
  const elapsed = formatDuration(Math.max(0, Math.floor(elapsedMs / 1000)));
  return `${ended}/${ids.length} ended · ${running} running · ${accepted} accepted · ${elapsed}`;
}
