/**
 * Starts a command as the leader of its own process group and ends the whole group on timeout or
 * cancel: SIGTERM first, SIGKILL after a grace. The runner's one way to spawn.
 *
 * Written on node:child_process rather than execa, which did the same (`killDescendants`) for the
 * runner before: execa cost 3.6 ms of the supervisor's CPU per command against 1.4 ms for a bare
 * spawn, on the thread every other workstream waits for, and 140 modules at every start. What
 * execa gave beyond this module (buffering, encodings, pipes between processes) the runner never
 * used: it reads the pipes itself (command-output.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";

export interface GroupRequest {
  argv: readonly [string, ...string[]];
  cwd: string;
  /** The complete environment; nothing of the parent's is added. */
  env: Record<string, string>;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  stdin?: string;
  timeoutMs: number;
  /** After SIGTERM, the group gets this long before SIGKILL. */
  forceKillAfterMs: number;
  /**
   * Once the leader exited, what it left holding the output pipes gets this long before the group
   * is killed. Unset: the caller watches for leftovers itself (the runner's linger watch).
   */
  lingerAfterExitMs?: number;
  signal?: AbortSignal;
}

export interface GroupOutcome {
  /** Null when a signal ended the leader, or it never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  isTimedOut: boolean;
  isCanceled: boolean;
  durationMs: number;
  /** Why the command could not start (no such cwd, …); null once it ran. */
  startError: string | null;
}

export interface StartedGroup {
  /** Undefined when spawning failed outright (see `outcome.startError`). */
  child: ChildProcess | undefined;
  /** The leader's pid, which is the group id; undefined when it never started. */
  pid: number | undefined;
  stdout: Readable | null;
  stderr: Readable | null;
  /** Settles once the leader has exited and both output pipes have closed (or were destroyed). */
  outcome: Promise<GroupOutcome>;
}

/**
 * Groups still running, ended when the supervisor exits however it exits (as execa's `cleanup` did).
 * Process-wide on purpose: so is the exit it answers.
 */
const liveGroups = new Set<number>();
let isExitHookInstalled = false;

function installExitHook(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.once("exit", () => {
    for (const groupId of liveGroups) signalGroup(groupId, "SIGKILL");
  });
}

export function startProcessGroup(request: GroupRequest): StartedGroup {
  installExitHook();
  const startedMs = performance.now();
  const [file, ...args] = request.argv;
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      cwd: request.cwd,
      env: request.env,
      detached: true,
      stdio: [request.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
  } catch (error) {
    // Some failures (an argument past the kernel's limit, E2BIG; a cwd that is a file) are thrown
    // at once rather than emitted: they are still a command that could not start, not a crash.
    return neverStarted(describeStartError(error as Error, request.cwd), startedMs);
  }
  const pid = child.pid;
  if (pid !== undefined) liveGroups.add(pid);
  if (request.stdin !== undefined && child.stdin) {
    // A command that never reads its stdin closes the pipe early: EPIPE is its choice, not an error.
    child.stdin.on("error", () => undefined);
    child.stdin.end(request.stdin);
  }

  let isTimedOut = false;
  let isCanceled = false;
  let hasExited = false;
  let forceKillTimer: NodeJS.Timeout | undefined;
  const terminate = () => {
    if (hasExited || pid === undefined) return;
    signalGroup(pid, "SIGTERM");
    // Not stopped by the leader's exit: a member that ignores SIGTERM may hold the pipes on.
    forceKillTimer ??= setTimeout(() => signalGroup(pid, "SIGKILL"), request.forceKillAfterMs);
  };
  const timeoutTimer = setTimeout(() => {
    if (hasExited) return;
    isTimedOut = true;
    terminate();
  }, request.timeoutMs);
  const onAbort = () => {
    if (hasExited) return;
    isCanceled = true;
    terminate();
  };
  if (request.signal?.aborted) queueMicrotask(onAbort);
  else request.signal?.addEventListener("abort", onAbort, { once: true });

  const exited = new Promise<{
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    startError: string | null;
  }>((resolve) => {
    child.once("error", (error) => {
      if (pid === undefined)
        resolve({ exitCode: null, signal: null, startError: describeStartError(error, request.cwd) });
    });
    child.once("exit", (exitCode, signal) => resolve({ exitCode, signal, startError: null }));
  });
  const outcome = exited.then(async (exit) => {
    // The leader's exit ends the timeout: what it left behind is the caller's affair, or is given
    // lingerAfterExitMs to close the pipes.
    hasExited = true;
    clearTimeout(timeoutTimer);
    request.signal?.removeEventListener("abort", onAbort);
    const lingerTimer =
      pid === undefined || request.lingerAfterExitMs === undefined
        ? undefined
        : setTimeout(() => signalGroup(pid, "SIGKILL"), request.lingerAfterExitMs);
    // Never started: there are no pipes to wait for.
    if (exit.startError === null) await Promise.all([closed(child.stdout), closed(child.stderr)]);
    clearTimeout(forceKillTimer);
    clearTimeout(lingerTimer);
    if (pid !== undefined) liveGroups.delete(pid);
    return { ...exit, isTimedOut, isCanceled, durationMs: performance.now() - startedMs };
  });
  return { child, pid, stdout: child.stdout, stderr: child.stderr, outcome };
}

function neverStarted(startError: string, startedMs: number): StartedGroup {
  return {
    child: undefined,
    pid: undefined,
    stdout: null,
    stderr: null,
    outcome: Promise.resolve({
      exitCode: null,
      signal: null,
      isTimedOut: false,
      isCanceled: false,
      durationMs: performance.now() - startedMs,
      startError,
    }),
  };
}

/**
 * Node reports a missing working directory as the program missing ("spawn /bin/bash ENOENT"),
 * which sends the reader looking for the wrong thing: the directory is named when it is the cause.
 */
function describeStartError(error: Error, cwd: string): string {
  if (
    (error as NodeJS.ErrnoException).code === "ENOENT" ||
    (error as NodeJS.ErrnoException).code === "ENOTDIR"
  ) {
    try {
      if (!statSync(cwd).isDirectory())
        return `the working directory ${cwd} is not a directory (${error.message})`;
    } catch {
      return `the working directory ${cwd} does not exist (${error.message})`;
    }
  }
  return error.message;
}

/** Signals a whole process group; a group already empty is not an error. */
export function signalGroup(groupId: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-groupId, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

function closed(stream: Readable | null): Promise<void> {
  if (stream === null || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.once("close", () => resolve()));
}
