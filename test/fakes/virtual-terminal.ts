/**
 * A small terminal emulator for unit tests of what the live view leaves on screen: it wraps long
 * lines at its width, honours the sequences the view writes (carriage return, newline, cursor up,
 * erase below) and ignores colours and the bell. Any other escape sequence fails the test, so the
 * view cannot start writing something this model does not understand. Its scrollback is unbounded
 * and it does not reflow on resize (the tmux tests cover a real one).
 */
import type { ViewWriter } from "../../src/report/index.ts";

export interface VirtualTerminal extends ViewWriter {
  /** Every row, scrollback included, without trailing spaces. */
  rowsOfText(): string[];
  /** What was written, escape sequences and all. */
  written(): string;
  resize(columns: number, rows: number): void;
}

export function createVirtualTerminal(size: {
  columns: number;
  rows: number;
  /** false: as under NO_COLOR. */
  useColor?: boolean;
}): VirtualTerminal {
  let { columns, rows } = size;
  const grid: string[][] = [[]];
  let row = 0;
  let column = 0;
  let isWrapPending = false;
  let log = "";
  const listeners = new Set<() => void>();
  const screenTop = () => Math.max(0, grid.length - rows);
  const newline = () => {
    row += 1;
    column = 0;
    isWrapPending = false;
    while (grid.length <= row) grid.push([]);
  };
  const put = (character: string) => {
    if (isWrapPending) newline();
    const line = grid[row]!;
    while (line.length < column) line.push(" ");
    line[column] = character;
    column += 1;
    if (column >= columns) {
      column = columns - 1;
      isWrapPending = true;
    }
  };
  const write = (text: string) => {
    log += text;
    let index = 0;
    while (index < text.length) {
      const character = text[index]!;
      if (character === "\x1b") {
        const sequence = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(text.slice(index));
        if (!sequence)
          throw new Error(`unexpected escape at ${JSON.stringify(text.slice(index, index + 8))}`);
        const [whole, parameter, command] = sequence;
        if (command === "A") {
          row = Math.max(screenTop(), row - Number(parameter || 1));
          isWrapPending = false;
        } else if (command === "J" && (parameter === "" || parameter === "0")) {
          grid[row] = grid[row]!.slice(0, column);
          grid.length = row + 1;
        } else if (command !== "m") {
          throw new Error(`the virtual terminal does not know ${JSON.stringify(whole)}`);
        }
        index += whole!.length;
        continue;
      }
      if (character === "\n") newline();
      else if (character === "\r") {
        column = 0;
        isWrapPending = false;
      } else if (character !== "\x07") put(character);
      index += 1;
    }
  };
  return {
    out: write,
    err: write,
    isTty: true,
    useColor: size.useColor ?? true,
    get columns() {
      return columns;
    },
    get rows() {
      return rows;
    },
    onResize(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    rowsOfText: () => grid.map((line) => line.join("").trimEnd()),
    written: () => log,
    resize(newColumns, newRows) {
      columns = newColumns;
      rows = newRows;
      for (const listener of listeners) listener();
    },
  };
}

/** Timers that fire only when a test says so. */
export class ManualViewTimers {
  private readonly intervals = new Set<() => void>();
  private readonly pending = new Set<() => void>();

  every(_intervalMs: number, callback: () => void): () => void {
    this.intervals.add(callback);
    return () => this.intervals.delete(callback);
  }

  after(_delayMs: number, callback: () => void): () => void {
    this.pending.add(callback);
    return () => this.pending.delete(callback);
  }

  /** Runs the one-shot callbacks that are due, as if their delay had passed. */
  flush(): void {
    const due = [...this.pending];
    this.pending.clear();
    for (const callback of due) callback();
  }

  /** One tick of every interval. */
  tick(): void {
    for (const callback of [...this.intervals]) callback();
  }

  get isIdle(): boolean {
    return this.intervals.size === 0 && this.pending.size === 0;
  }
}
