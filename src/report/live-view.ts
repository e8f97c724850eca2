/**
 * What `supervise PLAN` shows while it runs: a table redrawn in place on a terminal, one plain
 * line per event otherwise, or one JSON object per event with `--json`.
 */

import type { Clock } from "../clock.ts";
import { applyEvent, initialRunState, type JournalEvent } from "../run/index.ts";
import type { Redactor } from "../sandbox/index.ts";
import { printable } from "../text.ts";
import { formatEventLine } from "./event-line.ts";
import type { LiveView, ViewedPlan, ViewTimers, ViewWriter } from "./live-view-types.ts";
import { closingLines, resumingLine } from "./run-summary.ts";
import { createTableView } from "./table-view.ts";

export type { LiveView, ViewedPlan, ViewTimers, ViewWriter } from "./live-view-types.ts";
export type { RunEnding } from "./run-summary.ts";

export interface LiveViewOptions {
  plan: ViewedPlan;
  runId: string;
  output: ViewWriter;
  json: boolean;
  redact: Redactor;
  /** The journal's events before this process started: a resumed run is shown as it stands. */
  recordedEvents: readonly JournalEvent[];
  clock: Clock;
  timers: ViewTimers;
  /** `watch` shows a run another process drives: its first line says so rather than "Resuming". */
  isWatching?: boolean;
}

export function createLiveView(options: LiveViewOptions): LiveView {
  const { output, redact } = options;
  if (options.json) {
    return {
      onEvent: (event) => output.out(`${redact(JSON.stringify(event))}\n`),
      notice: (text) => output.err(text),
      finish: () => {},
      close: (lastWords) => {
        if (lastWords !== undefined) output.err(lastWords);
      },
    };
  }
  // Folded once, here: a resumed run is shown as the journal left it from the first line on.
  const state = initialRunState(options.plan.workstreams.map((workstream) => workstream.id));
  for (const event of options.recordedEvents) applyEvent(state, event);
  const resuming = resumingLine(
    options.plan,
    state,
    options.runId,
    options.isWatching ? "Watching" : "Resuming",
  );
  if (resuming !== null) output.out(`${resuming}\n`);
  if (output.isTty) return createTableView({ ...options, state });
  // Plain lines only, no cursor movement: a pipe or a log file keeps every line it was given.
  return {
    onEvent: (event) => output.out(`${printable(redact(formatEventLine(event)))}\n`),
    notice: (text) => output.err(text),
    finish: (ending) => output.out(closingLines(options.plan, ending)),
    close: (lastWords) => {
      if (lastWords !== undefined) output.err(lastWords);
    },
  };
}
