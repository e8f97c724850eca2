import type { Output } from "../output.ts";

/** What every subcommand gets from main: the terminal, the environment and the cwd, passed down. */
export interface CommandContext {
  output: Output;
  environment: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}
