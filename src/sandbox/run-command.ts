/**
 * The one way supervise runs a command: worker bash calls, gate commands and local CI all come
 * through `CommandRunner.run`, so timeouts, tree kills, output caps and the environment policy
 * hold everywhere.
 */
import { randomUUID } from "node:crypto";
import { isAbsolute } from "node:path";
import type { Readable } from "node:stream";
import { connectOutput, type LogFile, openLogFile } from "./command-output.ts";
import type { LoopbackBridge } from "./network-bridge.ts";
import { OutputBuffer } from "./output-buffer.ts";
import { startProcessGroup } from "./process-group.ts";
import { type CommandProcessBound, type ProcessLimit, unboundedProcessLimit } from "./process-limit.ts";
import { type PausedProcesses, pauseProcesses } from "./process-pause.ts";
import { findProcessesWithMarker, findProcessGroupMembers } from "./process-sweep.ts";
import {
  killProcessTree,
  type ProcessTree,
  processTreeMarker,
  watchForLingeringChildren,
} from "./process-tree.ts";

export interface CommandRequest {
  /** Run by `/bin/bash -c`, so scripts, pipes and `&&` work. */
  command: string;
  /** An absolute path. */
  cwd: string;
  /** The complete environment; nothing is inherited (see `buildCommandEnvironment`). */
  env: Record<string, string>;
  /** The whole tree is killed after this long. A positive integer: every command has a limit. */
  timeoutMs: number;
  /** Head and tail kept in `output`; default 64 KiB in total. */
  outputCapBytes?: number;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  stdin?: string;
  /** The full output, uncapped, streamed here; the folder is created. */
  logFile?: string;
  /** Aborting kills the whole tree; the result then has `isCanceled`. */
  signal?: AbortSignal;
  /**
   * Live output in arrival order, for activity and idle detection. Standard error arrives on the
   * same pipe as standard output (see `mergeOutputArgv`), so chunks carry no stream name.
   */
  onOutput?: (chunk: string) => void;
  /** More environment variables stamped on the process tree, e.g. `SUPERVISE_RUN` (see process-sweep.ts). */
  markers?: Record<string, string>;
  /** Called once the command runs, with a way to pause all of its processes (see process-pause.ts). */
  onStarted?(control: RunningCommand): void;
  /**
   * Paths this command alone may read under isolation (a CLI agent's own script or install), on
   * top of the run's: never the plan's folder, so a gate or CI cannot read what sits beside it.
   */
  readOnly?: readonly string[];
  /**
   * Folders this command alone may write under isolation, beside its working directory: a channel
   * the supervisor reads back afterwards (the test ledger), never a folder of the user's.
   */
  writable?: readonly string[];
  /**
   * Under isolation, loopback ports that lead to the supervisor's sockets (a CLI agent's model
   * gateway); without isolation the command shares the supervisor's loopback and needs none.
   */
  loopback?: LoopbackBridges;
  /**
   * Under isolation, the persistent folder this command's HOME is made of (see isolation.ts);
   * without it HOME is an empty private tmpfs that ends with the command.
   */
  home?: CommandHome;
}

/**
 * A persistent HOME under isolation, mounted where the command's HOME is (so toolchains mounted
 * under it and tools' `~` defaults keep working). The folder is made on first use.
 */
export type CommandHome =
  /** The whole HOME is `directory`, kept from one command to the next: settings and caches alike. */
  | { kind: "whole"; directory: string }
  /**
   * An empty HOME each time, with only its cache folder (`~/.cache`, where XDG_CACHE_HOME,
   * GOCACHE, GOMODCACHE and npm's cache point) kept in `directory`: nothing a command leaves in
   * HOME as configuration (`~/.npmrc`, `~/.gitconfig`, `~/.config/go/env`) reaches the next one.
   */
  | { kind: "caches"; directory: string };

/** A command while it runs. */
export interface RunningCommand {
  /** Stops every process of the command until the returned resume(); after the command ended, nothing. */
  pause(): Promise<PausedProcesses>;
}

export interface CommandResult {
  /** Null when the command was killed by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  isTimedOut: boolean;
  isCanceled: boolean;
  durationMs: number;
  /** Standard output and error interleaved as written, capped at `outputCapBytes` (head and tail). */
  output: string;
  /** Every byte the command wrote, including the elided ones. */
  outputBytes: number;
  isOutputTruncated: boolean;
  /**
   * A failure of the runner rather than of the command: it could not start (missing cwd, …),
   * the log file could not be written, or the output had to be abandoned. Otherwise null.
   */
  error: string | null;
}

export interface CommandRunner {
  run(request: CommandRequest): Promise<CommandResult>;
}

/** What is about to be spawned; an isolation step may rewrite it. */
export interface CommandInvocation {
  argv: readonly [string, ...string[]];
  cwd: string;
  env: Record<string, string>;
  /** Read-only paths of this command only (`CommandRequest.readOnly`). */
  readOnly?: readonly string[];
  /** Writable folders of this command only (`CommandRequest.writable`). */
  writable?: readonly string[];
  /** Loopback ports of this command only (`CommandRequest.loopback`). */
  loopback?: LoopbackBridges;
  /** The persistent HOME of this command (`CommandRequest.home`). */
  home?: CommandHome;
}

/** Loopback ports inside the sandbox that lead to the supervisor's unix sockets, through socat. */
export interface LoopbackBridges {
  socatPath: string;
  bridges: readonly LoopbackBridge[];
}

/**
 * Wraps an invocation in OS isolation, e.g. prefixing `bwrap … --` (isolation.ts). It must keep
 * the environment's markers on the isolated process tree, so the sweep can still find it.
 */
export type IsolateCommand = (
  invocation: CommandInvocation,
) => CommandInvocation | Promise<CommandInvocation>;

/** The same runner, every command of it with this persistent HOME (a workstream's worker, or its gates). */
export function withHome(runner: CommandRunner, home: CommandHome): CommandRunner {
  return { run: (request) => runner.run({ ...request, home }) };
}

export interface CommandRunnerOptions {
  /** After SIGTERM, the tree gets this long before SIGKILL. Default 2000. */
  forceKillAfterMs?: number;
  /** After the main process exits, leftovers get this long to close the output pipes. Default 500. */
  lingerGraceMs?: number;
  isolate?: IsolateCommand;
  /** Bounds each command's process count (see process-limit.ts); default no bound. */
  processLimit?: ProcessLimit;
}

export const defaultOutputCapBytes = 64 * 1024;

export function createCommandRunner(options: CommandRunnerOptions = {}): CommandRunner {
  const settings: RunnerSettings = {
    forceKillAfterMs: validDelay(options.forceKillAfterMs ?? 2000, "forceKillAfterMs"),
    lingerGraceMs: validDelay(options.lingerGraceMs ?? 500, "lingerGraceMs"),
    isolate: options.isolate ?? ((invocation) => invocation),
    processLimit: options.processLimit ?? unboundedProcessLimit,
  };
  return { run: (request) => runCommand(request, settings) };
}

interface RunnerSettings {
  forceKillAfterMs: number;
  lingerGraceMs: number;
  isolate: IsolateCommand;
  processLimit: ProcessLimit;
}

async function runCommand(request: CommandRequest, settings: RunnerSettings): Promise<CommandResult> {
  validateRequest(request);
  // Stopped before it began: nothing runs, not even for the instant a kill would take to land.
  if (request.signal?.aborted) return { ...notStarted(null), isCanceled: true };
  const buffer = new OutputBuffer(request.outputCapBytes ?? defaultOutputCapBytes);
  const treeId = randomUUID().replaceAll("-", "");

  const unisolatedArgv: readonly [string, ...string[]] = ["/bin/bash", "--norc", "-c", request.command];
  const invocation = await settings.isolate({
    argv: unisolatedArgv,
    cwd: request.cwd,
    env: { ...request.env, ...request.markers, [processTreeMarker]: treeId },
    ...(request.readOnly ? { readOnly: request.readOnly } : {}),
    ...(request.writable ? { writable: request.writable } : {}),
    ...(request.loopback ? { loopback: request.loopback } : {}),
    ...(request.home ? { home: request.home } : {}),
  });

  let bound: CommandProcessBound;
  try {
    bound = await settings.processLimit.prepare(treeId);
  } catch (error) {
    return notStarted(`Could not set up the command's process limit: ${(error as Error).message}`);
  }
  try {
    let log: LogFile | undefined;
    try {
      log = request.logFile === undefined ? undefined : await openLogFile(request.logFile);
    } catch (error) {
      return notStarted(`Could not open the log file ${request.logFile}: ${(error as Error).message}`);
    }
    return await runStarted(invocation, request, settings, {
      buffer,
      treeId,
      hasPidNamespace: invocation.argv[0] !== unisolatedArgv[0],
      log,
      bound,
    });
  } finally {
    // Kills what is still inside the bound: even a process that left the group and the marker.
    await bound.release();
  }
}

/** Runs the command inside its process bound and waits until every process of it is gone. */
async function runStarted(
  invocation: CommandInvocation,
  request: CommandRequest,
  settings: RunnerSettings,
  context: {
    buffer: OutputBuffer;
    treeId: string;
    hasPidNamespace: boolean;
    log: LogFile | undefined;
    bound: CommandProcessBound;
  },
): Promise<CommandResult> {
  const { buffer, log, bound } = context;
  const started = startProcessGroup({
    argv: mergeOutputArgv(invocation.argv, bound.shellPrelude),
    cwd: invocation.cwd,
    env: invocation.env,
    ...(request.stdin === undefined ? {} : { stdin: request.stdin }),
    timeoutMs: request.timeoutMs,
    forceKillAfterMs: settings.forceKillAfterMs,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const tree: ProcessTree = {
    groupId: started.pid,
    treeId: context.treeId,
    hasPidNamespace: context.hasPidNamespace,
    ...(bound.killEveryProcess ? { killEveryProcess: () => bound.killEveryProcess!() } : {}),
  };
  // The processes to pause: the cgroup's, when there is one (a process that wrote itself into
  // another cgroup, which only a command without isolation can, is not paused; the sweep at the
  // end still finds it by its marker); otherwise the group's and the marked ones, which takes a
  // scan of every process on the machine.
  const listProcesses = (): Promise<number[]> | number[] => {
    if (bound.listProcesses) return bound.listProcesses();
    if (started.pid === undefined) return [];
    return [
      ...findProcessGroupMembers(started.pid),
      ...findProcessesWithMarker(processTreeMarker, context.treeId),
    ];
  };
  request.onStarted?.({ pause: () => pauseProcesses(listProcesses) });
  const output = connectOutput([started.stdout, started.stderr].filter(isReadable), {
    buffer,
    log,
    onOutput: request.onOutput,
  });
  const lingerWatch = started.child
    ? watchForLingeringChildren(started.child, tree, {
        lingerGraceMs: settings.lingerGraceMs,
        abandonAfterMs: settings.forceKillAfterMs,
      })
    : { stop: async () => undefined, isOutputAbandoned: false };

  const result = await started.outcome;
  await lingerWatch.stop();
  // Escapees that did not hold the pipes are still running: a command's processes never outlive it.
  await killProcessTree(tree);
  const logError = await output.close();

  const abandonError = lingerWatch.isOutputAbandoned
    ? "A process the runner could not find or kill still held the output pipes open; stopped reading them."
    : null;
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    isTimedOut: result.isTimedOut,
    isCanceled: result.isCanceled,
    durationMs: Math.round(result.durationMs),
    output: buffer.render(),
    outputBytes: buffer.totalBytes,
    isOutputTruncated: buffer.isTruncated,
    error:
      (result.startError === null ? null : `Could not start the command: ${result.startError}`) ??
      logError ??
      abandonError,
  };
}

/**
 * Points the command's stderr at its stdout pipe before it starts, so both streams share one
 * pipe and the output keeps the order in which it was written. Reading two pipes and merging
 * their `data` events cannot: `echo a; echo b >&2; echo c` came back as "a c b" in 194 of 200
 * runs, because the writes land before we read and a single read drains both stdout lines.
 * `exec` replaces the outer shell, so no extra process stays alive. It wraps the isolated argv,
 * so messages of an isolation tool are kept in order too. The same shell first enters the
 * command's process limit (`shellPrelude`, e.g. its cgroup), so no process of the command, bwrap
 * included, ever runs outside it: a builtin `echo` into its cgroup, no extra process.
 *
 * `--norc`, here and on the command's own shell: Node gives the child a socket, not a pipe, for
 * stdin, and `bash -c` with a socket on stdin believes sshd started it and sources ~/.bashrc (it
 * cost 400 ms a command here, and printed the rc file's complaints into the output).
 */
function mergeOutputArgv(argv: readonly string[], shellPrelude: string): [string, ...string[]] {
  return ["/bin/bash", "--norc", "-c", `${shellPrelude}exec "$@" 2>&1`, "bash", ...argv];
}

function notStarted(error: string | null): CommandResult {
  return {
    exitCode: null,
    signal: null,
    isTimedOut: false,
    isCanceled: false,
    durationMs: 0,
    output: "",
    outputBytes: 0,
    isOutputTruncated: false,
    error,
  };
}

function isReadable(stream: Readable | null): stream is Readable {
  return stream !== null;
}

function validateRequest(request: CommandRequest): void {
  if (!isAbsolute(request.cwd)) {
    throw new TypeError(`Expected \`cwd\` to be an absolute path, got ${JSON.stringify(request.cwd)}.`);
  }
  if (!Number.isInteger(request.timeoutMs) || request.timeoutMs <= 0) {
    throw new TypeError(`Expected \`timeoutMs\` to be a positive integer, got ${request.timeoutMs}.`);
  }
  for (const name of Object.keys(request.markers ?? {})) {
    if (name === processTreeMarker || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TypeError(
        `Expected a marker name like SUPERVISE_RUN other than ${processTreeMarker}, got ${name}.`,
      );
    }
  }
}

function validDelay(delayMs: number, optionName: string): number {
  if (!Number.isInteger(delayMs) || delayMs < 0) {
    throw new TypeError(`Expected \`${optionName}\` to be a non-negative integer, got ${delayMs}.`);
  }
  return delayMs;
}
