/**
 * The lines of one live-view frame, fitted to the screen: no line wider than the terminal (so
 * nothing wraps) and no more lines than fit above the cursor (a frame taller than the screen
 * scrolls its top into the scrollback, where no redraw can erase it). What gives way first when
 * the screen is small: the activity lines, then the notes, then the rows of ended workstreams,
 * then the escalations; the header and the footer always stay.
 */
import { fitToWidth } from "./frame-rows.ts";

export interface FrameParts {
  header: string;
  rows: readonly { line: string; hasEnded: boolean }[];
  /** Why workstreams ended or wait, printed under the table. */
  notes: readonly string[];
  /** The latest event of each workstream still at work. */
  activity: readonly string[];
  /** Questions waiting on a human, with the commands that answer them. */
  escalations: readonly string[];
  footer: string;
}

export interface ScreenSize {
  columns: number;
  rows: number;
}

/** The smallest frame that still says something: header, one row, footer. */
const minimumLines = 3;

export function composeFrame(parts: FrameParts, screen: ScreenSize): string[] {
  // One column spare: a line that fills the last column leaves some terminals wrapping early.
  const width = Math.max(1, screen.columns - 1);
  const maxLines = Math.max(minimumLines, screen.rows - 1);
  let rows = [...parts.rows];
  let hidden = 0;
  let { notes, activity, escalations } = parts;
  const assemble = () => {
    const tail = activity.length + escalations.length > 0 ? ["", ...activity, ...escalations] : [];
    const more =
      hidden > 0 ? [`  … ${hidden} more workstream${hidden === 1 ? "" : "s"}: supervise status`] : [];
    return [parts.header, ...rows.map((row) => row.line), ...more, ...notes, ...tail, parts.footer];
  };
  const overflow = () => assemble().length - maxLines;
  if (overflow() > 0) activity = [];
  if (overflow() > 0) notes = [];
  while (overflow() > 0 && rows.some((row) => row.hasEnded)) {
    rows.splice(
      rows.findIndex((row) => row.hasEnded),
      1,
    );
    hidden += 1;
  }
  if (overflow() > 0) escalations = [];
  while (overflow() > 0 && rows.length > 1) {
    rows = rows.slice(0, -1);
    hidden += 1;
  }
  return assemble().map((line) => fitToWidth(line, width));
}
