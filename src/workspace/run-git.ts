/**
 * Every git process the supervisor starts, hardened one way: the repositories it runs in may have
 * been written by a worker (checkouts, and the mirror fetching from them) or by anyone (the plan's
 * repository), so no program named by any config file runs (hooks, fsmonitor, pagers, editors,
 * credential and signing helpers), neither the machine's system nor the user's global config is
 * read, and nothing of the caller's environment but PATH and HOME reaches git.
 *
 * Spawned directly, not through simple-git: it waited 50 ms after every command that printed
 * nothing (a clean `status`, `update-ref`), which was most of the fixed cost of verifying a claim,
 * took twice the CPU per call, and its environment guard strips the GIT_* variables set here.
 */
import { dirname } from "node:path";
import { ExitCode, SuperviseError } from "../errors.ts";
import { runProgram } from "../sandbox/index.ts";
import { pinnedSettingArguments } from "./protective-config.ts";

export interface GitRequest {
  /** Where git runs; repository discovery stops there (see gitVariables). */
  cwd: string;
  /** After the hardening: further global options (`--git-dir`, driver overrides), then the command. */
  args: readonly string[];
  /** Where PATH and HOME come from; nothing else of it is read. */
  environment: Readonly<Record<string, string | undefined>>;
  /** Variables for this call only: a commit's author, a push's credential header, SSH_AUTH_SOCK. */
  variables?: Record<string, string>;
  /** Written to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string;
  /** Aborting kills git, e.g. a CI clone when the forge closes. */
  signal?: AbortSignal;
  /** Default `gitTimeoutMs`. */
  timeoutMs?: number;
  /** After SIGTERM on timeout or abort, git gets this long before SIGKILL. Default 2000. */
  forceKillAfterMs?: number;
  /** Default `gitMaxStdoutBytes`; past it git is stopped (`isOutputOverLimit`). */
  maxStdoutBytes?: number;
  /** Reads stdout as it comes, none of it kept; returning false stops git (`isStopped`). */
  onStdout?: (chunk: Buffer) => boolean;
}

/**
 * The longest one git process of the supervisor runs. Many read objects a worker made (a fetch
 * from its checkout, a diff, a CI clone), and a few kilobytes of those can keep git busy for hours
 * (trees nested to expand a billion times, a FIFO among the objects): outside any sandbox, every
 * one of them ends. Ten minutes is far past what a local clone of a large repository takes.
 */
export const gitTimeoutMs = 10 * 60_000;

/**
 * The most stdout the supervisor reads from one git process. Its largest legitimate outputs (a
 * tree listing, a diff's file list, blobs read in 8 MB batches) stay far below; a node string
 * cannot pass 512 MiB at all, and a listing of a worker's tree expanded a billion times would.
 */
export const gitMaxStdoutBytes = 64 * 1024 * 1024;

export interface GitOutcome {
  /** As git gave it; a git ended by a signal failed with 128, as a shell reports it. */
  exitCode: number;
  /** Exactly as git wrote it, final newline included. */
  stdout: string;
  stderr: string;
  isTimedOut: boolean;
  isCanceled: boolean;
  /** Stopped for printing more than `maxStdoutBytes`; stdout holds what came before. */
  isOutputOverLimit: boolean;
  /** Stopped because `onStdout` had read enough. */
  isStopped: boolean;
}

/** The variables the supervisor's git gets besides PATH, HOME and LC_ALL. */
function gitVariables(cwd: string): Record<string, string> {
  return {
    GIT_CONFIG_NOSYSTEM: "1",
    // /dev/null is an empty file: the user's ~/.gitconfig (aliases, hooksPath, filters) is not read.
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    // A worker could plant refs/replace/* so that the supervisor's diff sees other objects than the
    // commit holds (a deleted test "still there"); evidence reads the real objects only.
    GIT_NO_REPLACE_OBJECTS: "1",
    // Repository discovery stops at the directory itself. A checkout whose .git a worker deleted
    // must fail, not resolve to an enclosing repository (the state dir may sit inside the user's).
    GIT_CEILING_DIRECTORIES: dirname(cwd),
    // Long options only in full (git otherwise takes `--upload-p=…` for `--upload-pack=…`), so
    // the options SafeGit refuses cannot be spelled around.
    GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS: "1",
  };
}

/**
 * The complete environment of the supervisor's git: nothing else of the parent's is passed, so
 * no GIT_DIR, GIT_CONFIG_PARAMETERS, GIT_EXEC_PATH, EDITOR or PAGER of the caller reaches it.
 */
function gitEnvironment(cwd: string, environment: GitRequest["environment"]): Record<string, string> {
  const kept: Record<string, string> = { LC_ALL: "C" };
  for (const name of ["PATH", "HOME"]) {
    const value = environment[name];
    if (value !== undefined) kept[name] = value;
  }
  return { ...kept, ...gitVariables(cwd) };
}

/** One git process, hardened; resolves whatever the exit code, rejects only when git cannot start. */
export async function runGit(request: GitRequest): Promise<GitOutcome> {
  const result = await runProgram(
    "git",
    // --no-optional-locks: never rewrite a worker's index behind its back (status refreshes it).
    ["--no-optional-locks", ...pinnedSettingArguments, ...request.args],
    {
      cwd: request.cwd,
      env: { ...gitEnvironment(request.cwd, request.environment), ...request.variables },
      keepsFinalNewline: true,
      ...(request.input === undefined ? {} : { input: request.input }),
      ...(request.signal ? { signal: request.signal } : {}),
      timeoutMs: request.timeoutMs ?? gitTimeoutMs,
      maxStdoutBytes: request.maxStdoutBytes ?? gitMaxStdoutBytes,
      ...(request.onStdout ? { onStdout: request.onStdout } : {}),
      ...(request.forceKillAfterMs === undefined ? {} : { forceKillAfterMs: request.forceKillAfterMs }),
    },
  );
  if (result.startError !== null) {
    throw new SuperviseError(`git could not be started in ${request.cwd}: ${result.startError}`, {
      exitCode: ExitCode.someNotAccepted,
      hint: "The supervisor needs git on the PATH it was given.",
    });
  }
  return {
    exitCode: result.exitCode ?? 128,
    stdout: result.stdout,
    stderr: result.stderr || (result.signal ? `killed by ${result.signal}` : ""),
    isTimedOut: result.isTimedOut,
    isCanceled: result.isCanceled,
    isOutputOverLimit: result.isOutputOverLimit,
    isStopped: result.isStopped,
  };
}
