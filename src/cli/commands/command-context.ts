import type { Output } from "../output.ts";
import type { StopSignals } from "../stop-signals.ts";

/** What every subcommand gets from main: the terminal, the environment and the cwd, passed down. */
export interface CommandContext {
  output: Output;
  environment: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on the first Ctrl-C, SIGTERM or hangup. */
  signal: AbortSignal;
  /** Where the stop messages go: a command that redraws the terminal takes them over while it draws. */
  stops: Pick<StopSignals, "announceThrough">;
  /** How the person started supervise (`npx supervise`, `npm run supervise --`, …), for the commands it prints. */
  invocation: string;
}
