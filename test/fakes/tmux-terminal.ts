/**
 * A real pseudo-terminal for end-to-end tests of what a person sees: a tmux server of its own
 * (its own socket), one pane running an interactive bash, keys typed into it and the whole
 * scrollback read back. Nothing here sleeps to decide anything: `waitFor` polls the screen until a
 * condition holds, within a bound, and fails with the screen when it never does.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";

export interface TmuxTerminal {
  /** Types `line` and Enter at the shell prompt. */
  type(line: string): void;
  /** Presses one key as tmux names it: `C-c`, `Enter`. */
  press(key: string): void;
  /** The whole scrollback and screen, one text line per terminal row (wrapped lines stay split). */
  scrollback(): string;
  /** Prints `@@ label` from the shell, to find with `after`; resolves once the shell has printed it. */
  mark(label: string): Promise<void>;
  resize(columns: number, rows: number): void;
  /** Polls the scrollback until `condition` holds, and returns it then. */
  waitFor(condition: (text: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  close(): void;
}

export function isTmuxAvailable(): boolean {
  try {
    execFileSync("tmux", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function openTmuxTerminal(options: {
  columns: number;
  rows: number;
  cwd: string;
  /** The shell's whole environment: nothing of the test runner's leaks in unless named here. */
  environment: Record<string, string>;
}): TmuxTerminal {
  const socket = `supervise-test-${randomBytes(6).toString("hex")}`;
  const tmux = (...args: string[]) =>
    execFileSync("tmux", ["-L", socket, "-f", "/dev/null", ...args], {
      encoding: "utf8",
      env: options.environment,
    });
  tmux(
    "-u",
    "new-session",
    "-d",
    "-s",
    "test",
    "-x",
    String(options.columns),
    "-y",
    String(options.rows),
    "-c",
    options.cwd,
    "bash --norc --noprofile",
  );
  // The window follows resize-window, not the size of a client (there is none).
  tmux("set-option", "-g", "window-size", "manual");
  tmux("set-option", "-g", "history-limit", "50000");
  const terminal: TmuxTerminal = {
    type(line) {
      tmux("send-keys", "-t", "test", "-l", line);
      tmux("send-keys", "-t", "test", "Enter");
    },
    press(key) {
      tmux("send-keys", "-t", "test", key);
    },
    scrollback() {
      return tmux("capture-pane", "-p", "-t", "test", "-S", "-", "-E", "-");
    },
    async mark(label) {
      const marks = (text: string) => text.split("\n").filter((line) => line === `@@ ${label}`).length;
      const before = marks(terminal.scrollback());
      // A line typed while the last command's stragglers still read the terminal can be eaten by
      // them: the mark is typed again until the shell has printed it (three tries, bounded).
      for (let attempt = 0; attempt < 3; attempt++) {
        // Quoted apart, so the typed command line does not itself read as the mark.
        terminal.type(`echo "@@" "${label}"`);
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline && marks(terminal.scrollback()) <= before) await delay(100);
        if (marks(terminal.scrollback()) > before) return;
      }
      throw new Error(`The terminal never printed the mark ${label}:\n${terminal.scrollback()}`);
    },
    resize(columns, rows) {
      tmux("resize-window", "-t", "test", "-x", String(columns), "-y", String(rows));
    },
    async waitFor(condition, what, timeoutMs = 240_000) {
      const deadline = Date.now() + timeoutMs;
      let text = terminal.scrollback();
      while (!condition(text)) {
        if (Date.now() > deadline) {
          throw new Error(`The terminal never showed ${what} within ${timeoutMs} ms. It shows:\n${text}`);
        }
        await delay(100);
        text = terminal.scrollback();
      }
      return text;
    },
    close() {
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
    },
  };
  return terminal;
}

/** What the terminal showed after the line printed by `mark(label)` (empty before it shows). */
export function after(text: string, label: string): string {
  const lines = text.split("\n");
  const index = lines.lastIndexOf(`@@ ${label}`);
  return index === -1 ? "" : lines.slice(index + 1).join("\n");
}
