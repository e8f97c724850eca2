/**
 * Every git command the local forge runs, through the supervisor's hardened runner
 * (workspace/run-git.ts): the repositories it touches may have been written by a worker, so
 * nothing in them may run code. Only PATH is passed: git reads no HOME of the person's.
 */
import {
  GitCommandError,
  type GitOutcome,
  gitLimitReached,
  runGit,
  type TreeReader,
} from "../../workspace/index.ts";
import { LocalForgeError } from "./local-forge-error.ts";

export interface GitCallOptions {
  /** Working directory; for a bare repository pass `gitDirectory` instead. */
  cwd?: string;
  gitDirectory?: string;
  input?: string;
  /** Extra variables for this call only, e.g. the author of a squash commit. */
  environment?: Record<string, string>;
  /** Aborting kills git, e.g. a CI clone when the forge closes. */
  signal?: AbortSignal;
  /** Default: the supervisor's limit for one git command (workspace/run-git.ts). */
  timeoutMs?: number;
  /** Reads stdout as it comes, none of it kept; returning false stops git (`isStopped`). */
  onStdout?: (chunk: Buffer) => boolean;
}

export interface Git {
  /** Runs git and returns its trimmed stdout; throws GitCommandError on a non-zero exit. */
  run(args: readonly string[], options?: GitCallOptions): Promise<string>;
  /**
   * Runs git and returns the outcome whatever the exit code; for commands whose exit code is an
   * answer. A git stopped at a limit (time, output) gave no answer: that throws GitCommandError.
   */
  attempt(args: readonly string[], options?: GitCallOptions): Promise<GitOutcome>;
}

/** The forge's own settings, for the bare origin it initializes and the CI checkouts it detaches. */
const forgeSettingArguments = ["-c", "advice.detachedHead=false", "-c", "init.defaultBranch=main"];

/** `searchPath` is the PATH git itself is found on; nothing else of the caller's environment leaks in. */
export function createGit(searchPath: string): Git {
  async function attempt(args: readonly string[], options: GitCallOptions = {}): Promise<GitOutcome> {
    const location = options.gitDirectory ? [`--git-dir=${options.gitDirectory}`] : [];
    const outcome = await runGit({
      cwd: options.cwd ?? process.cwd(),
      args: [...forgeSettingArguments, ...location, ...args],
      environment: { PATH: searchPath },
      ...(options.environment ? { variables: options.environment } : {}),
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.onStdout ? { onStdout: options.onStdout } : {}),
    });
    if (outcome.isCanceled) throw new LocalForgeError(`\`git ${args.join(" ")}\` was cancelled.`);
    const limit = gitLimitReached(outcome, options);
    if (limit !== null) {
      throw new GitCommandError({
        directory: options.gitDirectory ?? options.cwd ?? process.cwd(),
        args,
        gitExitCode: outcome.exitCode,
        stderr: outcome.stderr,
        limit,
      });
    }
    return outcome;
  }

  async function run(args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    const outcome = await attempt(args, options);
    if (outcome.exitCode !== 0 && !outcome.isStopped) {
      throw new GitCommandError({
        directory: options.gitDirectory ?? options.cwd ?? process.cwd(),
        args,
        gitExitCode: outcome.exitCode,
        stderr: outcome.stderr,
      });
    }
    return outcome.stdout.trim();
  }

  return { run, attempt };
}

/** The forge's git in one repository, as the tree measurement reads it (workspace/tree-size.ts). */
export function treeReaderOf(git: Git, where: GitCallOptions): TreeReader {
  // A git stopped by its reader gave all that was wanted; any other non-zero exit is a failure.
  async function succeeded(args: readonly string[], options: GitCallOptions): Promise<GitOutcome> {
    const outcome = await git.attempt(args, { ...where, ...options });
    if (outcome.exitCode === 0 || outcome.isStopped) return outcome;
    throw new GitCommandError({
      directory: where.gitDirectory ?? where.cwd ?? process.cwd(),
      args,
      gitExitCode: outcome.exitCode,
      stderr: outcome.stderr,
    });
  }
  return {
    async stream(args, onStdout, options = {}) {
      return { isStopped: (await succeeded(args, { ...options, onStdout })).isStopped };
    },
    // Untrimmed, as SafeGit gives it: -z listings end in NUL.
    async raw(args, options = {}) {
      return (await succeeded(args, options)).stdout;
    },
  };
}
