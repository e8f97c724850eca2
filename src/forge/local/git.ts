/**
 * Every git command the local forge runs, hardened: no hooks, no fsmonitor, no system or global
 * config, no prompts. The repositories it touches may have been written by a worker (the
 * supervisor's mirror shares config with worker worktrees), so nothing in them may run code.
 *
 * execa rather than simple-git: simple-git's environment guard strips or rejects `GIT_*`
 * variables, and here the exact environment is the point, so a bare spawn is the clearer tool.
 */
import { runProgram } from "../../sandbox/run-program.ts";
import { GitCommandError, LocalForgeError } from "./local-forge-error.ts";

export interface GitCallOptions {
  /** Working directory; for a bare repository pass `gitDirectory` instead. */
  cwd?: string;
  gitDirectory?: string;
  input?: string;
  /** Extra variables for this call only, e.g. the author of a squash commit. */
  environment?: Record<string, string>;
  /** Aborting kills git, e.g. a CI clone when the forge closes. */
  signal?: AbortSignal;
}

export interface GitOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Git {
  /** Runs git and returns its trimmed stdout; throws GitCommandError on a non-zero exit. */
  run(args: readonly string[], options?: GitCallOptions): Promise<string>;
  /** Runs git and returns the outcome whatever the exit code; for commands whose exit code is an answer. */
  attempt(args: readonly string[], options?: GitCallOptions): Promise<GitOutcome>;
}

const hardeningArguments = [
  "-c",
  "core.hooksPath=/dev/null",
  "-c",
  "core.fsmonitor=false",
  "-c",
  "user.name=supervise",
  "-c",
  "user.email=supervise@localhost",
  "-c",
  "advice.detachedHead=false",
  "-c",
  "init.defaultBranch=main",
];

/** `searchPath` is the PATH git itself is found on; nothing else of the caller's environment leaks in. */
export function createGit(searchPath: string): Git {
  const baseEnvironment = {
    PATH: searchPath,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_NO_REPLACE_OBJECTS: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
  };

  async function attempt(args: readonly string[], options: GitCallOptions = {}): Promise<GitOutcome> {
    const location = options.gitDirectory ? [`--git-dir=${options.gitDirectory}`] : [];
    const result = await runProgram("git", [...hardeningArguments, ...location, ...args], {
      cwd: options.cwd ?? process.cwd(),
      ...(options.input === undefined ? {} : { input: options.input }),
      ...(options.signal ? { signal: options.signal } : {}),
      env: { ...baseEnvironment, ...options.environment },
    });
    if (result.isCanceled) throw new LocalForgeError(`\`git ${args.join(" ")}\` was cancelled.`);
    if (result.startError !== null) {
      throw new LocalForgeError(`git could not be started: ${result.startError}`, {
        hint: "The local forge needs git on the PATH of the environment it was given.",
      });
    }
    // A git killed by a signal (the OOM killer, say) failed: 128 + the signal, as a shell reports it.
    return { exitCode: result.exitCode ?? 128, stdout: result.stdout, stderr: result.stderr };
  }

  async function run(args: readonly string[], options: GitCallOptions = {}): Promise<string> {
    const outcome = await attempt(args, options);
    if (outcome.exitCode !== 0) throw new GitCommandError(args, outcome.exitCode, outcome.stderr);
    return outcome.stdout.trim();
  }

  return { run, attempt };
}
