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
  /**
   * Stdout past this many bytes stops the program (`isOutputOverLimit`); what came before it is
   * kept. Default: unbounded. A program reading objects a worker made can print without end.
   * Not applied with `onStdout`, which keeps nothing.
   */
  maxStdoutBytes?: number;
  /**
   * Reads stdout as it comes instead of keeping it (`stdout` is then empty); returning false stops
   * the program (`isStopped`): a reader that has seen enough need not wait for the rest.
   */
  onStdout?: (chunk: Buffer) => boolean;
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
  /** Stopped because its stdout passed `maxStdoutBytes`. */
  isOutputOverLimit: boolean;
  /** Stopped because `onStdout` had read enough. */
  isStopped: boolean;
  startError: string | null;
}

/** Of stderr, only the start is kept: git's complaint comes first, and a flood must not fill memory. */
const maxStderrBytes = 64 * 1024;

const hangingProgramMs = 60 * 60 * 1000;

export async function runProgram(
  file: string,
  args: readonly string[],
  request: ProgramRequest,
): Promise<ProgramResult> {
  // Stopping for output is the caller's abort, told apart from a cancel by the flags set before it.
  const stop = new AbortController();
  const onCancel = () => stop.abort();
  if (request.signal?.aborted) stop.abort();
  else request.signal?.addEventListener("abort", onCancel, { once: true });
  let isOutputOverLimit = false;
  let isStopped = false;
  const started = startProcessGroup({
    argv: [file, ...args],
    cwd: request.cwd,
    env: request.env,
    ...(request.input === undefined ? {} : { stdin: request.input }),
    timeoutMs: request.timeoutMs ?? hangingProgramMs,
    forceKillAfterMs: request.forceKillAfterMs ?? 2000,
    // A short program's leftovers (a daemon git started, say) must not hold its caller for ever.
    lingerAfterExitMs: 1000,
    signal: stop.signal,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const maxStdoutBytes = request.maxStdoutBytes ?? Number.POSITIVE_INFINITY;
  let stdoutBytes = 0;
  let stderrBytes = 0;
  started.stdout?.on("data", (chunk: Buffer) => {
    if (isOutputOverLimit || isStopped) return;
    if (request.onStdout) {
      if (!request.onStdout(chunk)) {
        isStopped = true;
        stop.abort();
      }
      return;
    }
    const room = maxStdoutBytes - stdoutBytes;
    stdout.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    stdoutBytes += Math.min(chunk.length, room);
    if (chunk.length > room) {
      isOutputOverLimit = true;
      stop.abort();
    }
  });
  started.stderr?.on("data", (chunk: Buffer) => {
    const room = maxStderrBytes - stderrBytes;
    if (room <= 0) return;
    stderr.push(chunk.subarray(0, room));
    stderrBytes += Math.min(chunk.length, room);
  });
  const outcome = await started.outcome;
  request.signal?.removeEventListener("abort", onCancel);
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
    isCanceled: outcome.isCanceled && !isOutputOverLimit && !isStopped,
    isOutputOverLimit,
    isStopped,
    startError: outcome.startError,
  };
}

function withoutFinalNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}
