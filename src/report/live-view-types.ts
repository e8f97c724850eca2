/** The live view's surface and what it is handed: the terminal to write to and timers to redraw by. */
import type { JournalEvent } from "../run/index.ts";
import type { RunEnding } from "./run-summary.ts";

/** What the view needs of the plan: its workstreams, in order (a Plan, or the ids a journal recorded). */
export interface ViewedPlan {
  readonly workstreams: readonly { readonly id: string }[];
}

export interface LiveView {
  onEvent(event: JournalEvent): void;
  /** A message for the person at the terminal (a stop was asked for): kept above the redrawn table. */
  notice(text: string): void;
  /** The run ended or stopped: the final table once, then what to do next. */
  finish(ending: RunEnding): void;
  /** Stops redrawing and leaves the screen as it is, with `lastWords` below it (a forced exit). */
  close(lastWords?: string): void;
}

/**
 * Where the view writes: the terminal the CLI hands down (its Output satisfies this), so the report
 * never writes to process.stdout itself.
 */
export interface ViewWriter {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal that takes cursor movement: only then is the table redrawn in place. */
  readonly isTty: boolean;
  readonly useColor: boolean;
  readonly columns: number;
  readonly rows: number;
  /** Calls back whenever the terminal is resized; returns the function that stops it. */
  onResize(listener: () => void): () => void;
}

/** Timers the view redraws by, passed in so tests drive them instead of waiting. */
export interface ViewTimers {
  /** Calls back every `intervalMs` until the returned function is called. */
  every(intervalMs: number, callback: () => void): () => void;
  /** Calls back once after `delayMs`, unless the returned function is called first. */
  after(delayMs: number, callback: () => void): () => void;
}
