import type { ViewWriter } from "../report/index.ts";

/**
 * Where the CLI writes: passed down from main so nothing below writes to process.stdout itself.
 * The live view's writer is this same terminal, so one type serves both.
 */
export type Output = ViewWriter;

export function processOutput(environment: NodeJS.ProcessEnv): Output {
  const isTty = Boolean(process.stdout.isTTY) && environment.TERM !== "dumb";
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    isTty,
    // https://no-color.org: present and not empty.
    useColor: isTty && !environment.NO_COLOR,
    // Asked of the terminal at each read: Node's cached columns change only once it has handled
    // SIGWINCH, and a redraw sized by a stale width erases too few rows of a frame the terminal
    // has just rewrapped.
    get columns() {
      return terminalSize()?.[0] ?? process.stdout.columns ?? 100;
    },
    get rows() {
      return terminalSize()?.[1] ?? process.stdout.rows ?? 24;
    },
    onResize(listener) {
      process.stdout.on("resize", listener);
      return () => process.stdout.off("resize", listener);
    },
  };
}

function terminalSize(): [columns: number, rows: number] | undefined {
  if (!process.stdout.isTTY) return undefined;
  try {
    const [columns, rows] = process.stdout.getWindowSize();
    return columns > 0 && rows > 0 ? [columns, rows] : undefined;
  } catch {
    return undefined;
  }
}
