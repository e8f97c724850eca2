/**
 * Signals turned into one graceful stop. Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT) and SIGTERM ask for it:
 * the command's AbortSignal fires, the run stops its workers and closes its journal. A second
 * Ctrl-C or Ctrl-\ is a person insisting: exit at once. A repeated SIGTERM or SIGHUP is not: a
 * process manager or a closing terminal signals a whole process group, so one request can arrive
 * twice (once from the group, once forwarded by a parent), and it must not turn into a forced exit.
 */

/** The process as far as signals go; tests pass an EventEmitter. */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

/** Who tells the person what happens: main's terminal, or the run's live view while it draws. */
export interface StopAnnouncer {
  /** A stop was asked for; the command goes on while it stops. */
  stopping(text: string): void;
  /** The process exits right after this. */
  exiting(text: string): void;
}

export interface StopSignals {
  /** Aborted on the first request to stop. */
  readonly signal: AbortSignal;
  /** Sends the messages to `announcer` until the returned function is called. */
  announceThrough(announcer: StopAnnouncer): () => void;
  /** Stops listening. */
  dispose(): void;
}

const insistent: ReadonlySet<NodeJS.Signals> = new Set(["SIGINT", "SIGQUIT"]);

export function listenForStopSignals(options: {
  source: SignalSource;
  announcer: StopAnnouncer;
  /** Said on the first request (but for a hangup: no one is left to read it). */
  stoppingMessage: string;
  /** Said before a forced exit. */
  exitingMessage: string;
  exit: () => void;
}): StopSignals {
  const controller = new AbortController();
  let announcer = options.announcer;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      // SIGHUP: the terminal is gone (a closed SSH session).
      if (signal !== "SIGHUP") announcer.stopping(options.stoppingMessage);
      controller.abort();
      return;
    }
    if (!insistent.has(signal)) return;
    announcer.exiting(options.exitingMessage);
    options.exit();
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
  const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of listeners) options.source.on(signal, listener);
  return {
    signal: controller.signal,
    announceThrough(next) {
      const previous = announcer;
      announcer = next;
      return () => {
        announcer = previous;
      };
    },
    dispose() {
      for (const [signal, listener] of listeners) options.source.off(signal, listener);
    },
  };
}
