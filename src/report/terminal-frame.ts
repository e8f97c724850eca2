/**
 * A block of lines kept at the bottom of a terminal and redrawn in place: each draw moves the
 * cursor up over the rows the last frame fills now, erases to the end of the screen and writes the
 * new frame, in one write. Text printed "above" lands where the old frame began and stays there.
 */
import { physicalRows } from "./frame-rows.ts";

/** The terminal as the frame needs it; its width is read at every draw, since it can change. */
export interface FrameTerminal {
  out(text: string): void;
  readonly columns: number;
}

export class TerminalFrame {
  /** The lines on screen now, as written; empty when nothing is to be erased. */
  private drawn: readonly string[] = [];
  private readonly terminal: FrameTerminal;

  constructor(terminal: FrameTerminal) {
    this.terminal = terminal;
  }

  /** Replaces the frame on screen with `lines`, each meant to fit on one row. */
  draw(lines: readonly string[]): void {
    this.terminal.out(`${this.erase()}${asRows(lines)}`);
    this.drawn = [...lines];
  }

  /** Prints `text` where the frame was and the frame again below it, so the text is kept. */
  printAbove(text: string, lines: readonly string[]): void {
    const kept = text.endsWith("\n") ? text : `${text}\n`;
    this.terminal.out(`${this.erase()}${kept}${asRows(lines)}`);
    this.drawn = [...lines];
  }

  /** Leaves what is on screen as it is: nothing drawn so far is erased any more. */
  release(): void {
    this.drawn = [];
  }

  /**
   * Up over every row the frame fills at today's width: a terminal that narrowed since it was drawn
   * has wrapped its longer lines onto more rows (terminals reflow), and missing one row would leave a
   * copy of the frame's top behind. The carriage return first: typed keys (a ^C echo) may have moved
   * the cursor off column 0.
   */
  private erase(): string {
    if (this.drawn.length === 0) return "";
    return `\r\x1b[${physicalRows(this.drawn, this.terminal.columns)}A\x1b[J`;
  }
}

function asRows(lines: readonly string[]): string {
  return lines.map((line) => `${line}\n`).join("");
}
