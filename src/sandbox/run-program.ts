/**
 * One short program whose output is wanted whole: the supervisor's git (workspace/run-git.ts), the
 * probes of isolation and of the process limit. Commands a plan or a worker names go through the
 * CommandRunner instead (capped output, logs, process bounds, isolation).
 */
import { startProcessGroup } from "./process-group.ts";

export interface ProgramRequest {
  cwd: string;
  /** The complete environment; nothing of the parent's is added. */
  env: Record<string, string>;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Default: none (one hour, for a program that hangs). */
  timeoutMs?: number;
  /** After SIGTERM on timeout or cancel, the program's group gets this long before SIGKILL. Default 2000. */
  forceKillAfterMs?: number;
  signal?: AbortSignal;
  /** Output exactly as written, final newline included (git's `-z` lists, file contents). */
  keepsFinalNewline?: boolean;
}

export interface ProgramResult {
  /** Null when a signal ended it, or it never started (then `startError` says why). */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Without the one final newline, as a shell's `$(…)` would give it (unless `keepsFinalNewline`). */
  stdout: string;
  stderr: string;
  isTimedOut: boolean;
  isCanceled: boolean;
  startError: string | null;
}

const hangingProgramMs = 60 * 60 * 1000;

export async function runProgram(
  file: string,
  args: readonly string[],
  request: ProgramRequest,
): Promise<ProgramResult> {
  const started = startProcessGroup({
    argv: [file, ...args],
    cwd: request.cwd,
    env: request.env,
    ...(request.input === undefined ? {} : { stdin: request.input }),
    timeoutMs: request.timeoutMs ?? hangingProgramMs,
    forceKillAfterMs: request.forceKillAfterMs ?? 2000,
    // A short program's leftovers (a daemon git started, say) must not hold its caller for ever.
    lingerAfterExitMs: 1000,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  started.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
  started.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk));
  const outcome = await started.outcome;
  const text = (chunks: Buffer[]) => {
    const whole = Buffer.concat(chunks).toString("utf8");
    return request.keepsFinalNewline ? whole : withoutFinalNewline(whole);
  };
  return {
    exitCode: outcome.exitCode,
    signal: outcome.signal,
    stdout: text(stdout),
    stderr: text(stderr),
    isTimedOut: outcome.isTimedOut,
    isCanceled: outcome.isCanceled,
    startError: outcome.startError,
  };
}

function withoutFinalNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}
