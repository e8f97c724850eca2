/**
 * Git as the supervisor runs it, on repositories a worker may have written to: no program named by
 * any config file runs (hooks, fsmonitor, filters, external diff, pagers, editors, credential and
 * signing helpers), and neither the machine's system nor the user's global config is read.
 */
import { realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { GitError, simpleGit } from "simple-git";
import { ExitCode, SuperviseError } from "../errors.ts";
import { protectiveConfigArguments } from "./protective-config.ts";

export interface SafeGit {
  /** The repository (or plain folder, for clones) the commands run in, symlinks resolved. */
  readonly directory: string;
  /** `git <args>` with the protective overrides; resolves with stdout, untrimmed. */
  raw(args: readonly string[]): Promise<string>;
  /** The commit a revision names, or null when it names none. */
  resolveCommit(revision: string): Promise<string | null>;
  /** Uncommitted changes as porcelain lines (`XY path`), untracked files included, ignored ones not. */
  changes(): Promise<string[]>;
  /** `git diff <args>` with external diff programs and textconv off, so the output is git's own. */
  diff(args: readonly string[]): Promise<string>;
}

export interface SafeGitOptions {
  /** Where PATH and HOME come from (the composition root passes its environment); nothing else is read. */
  environment?: Readonly<Record<string, string | undefined>>;
}

/** A git command the supervisor ran failed; the message names the command and git's own complaint. */
export class GitCommandError extends SuperviseError {
  /** The caller's arguments, without SafeGit's protective prefix. */
  readonly args: readonly string[];
  readonly gitExitCode: number;
  readonly stderr: string;

  constructor(options: { directory: string; args: readonly string[]; gitExitCode: number; stderr: string }) {
    const { directory, args, gitExitCode, stderr } = options;
    const complaint =
      stderr.split("\n").find((line) => /^(fatal|error): /.test(line)) ??
      (stderr.trim() || `exit code ${gitExitCode}`);
    super(`git ${args.join(" ")} failed in ${directory}: ${complaint}`, {
      exitCode: ExitCode.someNotAccepted,
    });
    this.name = "GitCommandError";
    this.args = args;
    this.gitExitCode = gitExitCode;
    this.stderr = stderr;
  }
}

/**
 * simple-git treats a non-zero exit with an empty stderr as success; this makes every one an error.
 * It extends GitError because simple-git re-wraps any other error and drops its fields.
 */
class GitExit extends GitError {
  readonly gitExitCode: number;
  readonly stderr: string;
  constructor(gitExitCode: number, stderr: string) {
    super(undefined, stderr || `git exited with code ${gitExitCode}`);
    this.gitExitCode = gitExitCode;
    this.stderr = stderr;
  }
}

/** The variables the supervisor's git gets besides PATH, HOME and LC_ALL; see safeEnvironment. */
function gitVariables(directory: string): Record<string, string> {
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
    GIT_CEILING_DIRECTORIES: dirname(directory),
  };
}

export function safeEnvironment(
  directory: string,
  environment: SafeGitOptions["environment"],
): Record<string, string> {
  const kept: Record<string, string> = { LC_ALL: "C" };
  for (const name of ["PATH", "HOME"]) {
    const value = environment?.[name];
    if (value !== undefined) kept[name] = value;
  }
  return { ...kept, ...gitVariables(directory) };
}

/**
 * simple-git v4 rejects `-c` writes of code-running keys and `GIT_CONFIG_GLOBAL` whatever their
 * value, so the guards our own overrides trip are lifted, and only those (alias, include,
 * url.insteadOf, protocol, template, exec-path and the rest stay on). The lift holds for callers'
 * arguments too, so `raw` refuses global options (`-c`, `-C`, `--git-dir`) outright, and callers
 * must not pass worker-written text as options: SHAs and workstream ids are checked before use.
 */
const liftedGuards = {
  allowUnsafeConfigPaths: true, // GIT_CONFIG_GLOBAL=/dev/null
  allowUnsafeHooksPath: true,
  allowUnsafeFsMonitor: true,
  allowUnsafePager: true,
  allowUnsafeEditor: true,
  allowUnsafeSshCommand: true,
  allowUnsafeAskPass: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeDiffExternal: true,
  allowUnsafeDiffTextConv: true,
  allowUnsafeFilter: true,
  allowUnsafeMergeDriver: true,
  allowUnsafeGpgProgram: true,
  allowUnsafePack: true, // uploadpack.packObjectsHook
} as const;

/** One serialized simple-git instance per repository (parallel commands in one repo race on its locks). */
export async function createSafeGit(repositoryPath: string, options: SafeGitOptions = {}): Promise<SafeGit> {
  const directory = await existingDirectory(repositoryPath);
  const environment = safeEnvironment(directory, options.environment ?? process.env);
  const git = simpleGit({
    baseDir: directory,
    maxConcurrentProcesses: 1,
    allowEnvironment: Object.keys(gitVariables(directory)),
    unsafe: liftedGuards,
    errors: (error, result) =>
      result.exitCode === 0
        ? error
        : new GitExit(result.exitCode, Buffer.concat(result.stdErr).toString("utf8")),
  }).env(environment);

  async function run(args: readonly string[], shownArgs: readonly string[]): Promise<string> {
    try {
      return await git.raw([...args]);
    } catch (error) {
      if (!(error instanceof GitExit)) throw error;
      throw new GitCommandError({
        directory,
        args: shownArgs,
        gitExitCode: error.gitExitCode,
        stderr: error.stderr,
      });
    }
  }

  async function raw(args: readonly string[]): Promise<string> {
    if (args[0] === undefined || args[0].startsWith("-")) {
      throw new Error(
        `SafeGit.raw takes a git subcommand first, got ${JSON.stringify(args[0])}: global options are SafeGit's own.`,
      );
    }
    // Listed right before each command, not once: a worker may add a filter driver at any time.
    // Reading config runs nothing, and --includes follows include.path/includeIf as the command will.
    // A worker still running could add a driver between the two processes; closing that window
    // needs the worker stopped, or its .git/config read-only to it (the sandbox's job).
    const listingArgs = ["config", "--list", "-z", "--includes"];
    const listing = await run(listingArgs, listingArgs);
    // --no-optional-locks: never rewrite a worker's index behind its back (status refreshes it).
    return run(["--no-optional-locks", ...protectiveConfigArguments(listing), ...args], args);
  }

  return {
    directory,
    raw,
    async resolveCommit(revision) {
      try {
        return (
          await raw(["rev-parse", "--verify", "--quiet", "--end-of-options", `${revision}^{commit}`])
        ).trim();
      } catch (error) {
        // --quiet: an unknown revision fails silently; anything on stderr is a real failure.
        if (error instanceof GitCommandError && error.gitExitCode === 1 && error.stderr.trim() === "")
          return null;
        throw error;
      }
    },
    async changes() {
      // dirty: a submodule's own working tree is not inspected, which would run git with the
      // submodule's config, whose drivers were never listed; a moved submodule commit still shows.
      const output = await raw([
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignore-submodules=dirty",
      ]);
      return parsePorcelain(output);
    },
    diff(args) {
      return raw(["diff", "--no-ext-diff", "--no-textconv", ...args]);
    },
  };
}

/** Porcelain v1 with -z: `XY path`, and for renames and copies a second record with the source. */
export function parsePorcelain(output: string): string[] {
  const records = output.split("\0");
  const changes: string[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    if (record === "") continue;
    const status = record.slice(0, 2);
    const target = record.slice(3);
    if (status.includes("R") || status.includes("C")) {
      index++;
      changes.push(`${status} ${records[index]} -> ${target}`);
    } else {
      changes.push(`${status} ${target}`);
    }
  }
  return changes;
}

async function existingDirectory(repositoryPath: string): Promise<string> {
  try {
    const resolved = await realpath(repositoryPath);
    if ((await stat(resolved)).isDirectory()) return resolved;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  throw new SuperviseError(
    `${repositoryPath} does not exist or is not a directory, so git cannot run there.`,
  );
}
