/**
 * Git as the supervisor runs it, on repositories a worker may have written to: no program named by
 * any config file runs (hooks, fsmonitor, filters, external diff, pagers, editors, credential and
 * signing helpers), and neither the machine's system nor the user's global config is read.
 */
import { spawn } from "node:child_process";
import { realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { type Clock, systemClock } from "../clock.ts";
import { ExitCode, SuperviseError } from "../errors.ts";
import { createSerialQueue } from "../serial-queue.ts";
import { createConfigListingCache } from "./config-listing-cache.ts";
import { protectiveConfigArguments } from "./protective-config.ts";

export interface SafeGit {
  /** The repository (or plain folder, for clones) the commands run in, symlinks resolved. */
  readonly directory: string;
  /** `git <args>` with the protective overrides; resolves with stdout, untrimmed. `input` goes to stdin. */
  raw(args: readonly string[], options?: { input?: string }): Promise<string>;
  /** The commit a revision names, or null when it names none. */
  resolveCommit(revision: string): Promise<string | null>;
  /**
   * HEAD's object and the uncommitted changes as porcelain lines (`XY path`; untracked files
   * included, ignored ones not), read by one `git status`:
   * the pair the supervisor reads around every claim and gate. `head` is null before the first
   * commit. It is HEAD as written: a HEAD edited by hand to name a tag object reads as that object.
   */
  state(): Promise<{ head: string | null; changes: string[] }>;
  /** `git diff <args>` with external diff programs and textconv off, so the output is git's own. */
  diff(args: readonly string[]): Promise<string>;
}

export interface SafeGitOptions {
  /** Where PATH and HOME come from (the composition root passes its environment); nothing else is read. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Dates the config listings the cache keeps (see config-listing-cache.ts); the system clock by default. */
  clock?: Clock;
  /**
   * The supervisor made this repository and has handed it to no one yet (a checkout being cloned
   * in the state dir): its config holds only what the supervisor wrote, so no listing is needed
   * to know it names no program. Never for a repository a worker has had.
   */
  isUnsharedClone?: boolean;
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
    // Long options only in full (git otherwise takes `--upload-p=…` for `--upload-pack=…`), so
    // the refused options below cannot be spelled around.
    GIT_TEST_DISALLOW_ABBREVIATED_OPTIONS: "1",
  };
}

/**
 * The complete environment of the supervisor's git: nothing else of the parent's is passed, so
 * no GIT_DIR, GIT_CONFIG_PARAMETERS, GIT_EXEC_PATH, EDITOR or PAGER of the caller reaches it.
 */
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
 * Options a caller may not pass, whatever the subcommand: they name programs or config for git to
 * use (`--template` hooks, `--exec-path`, an upload/receive-pack program, a `--config` a clone
 * keeps, other than the supervisor's own settings). SafeGit's own overrides come first and win over config files, but not over these.
 * Callers never pass worker-written text as options (SHAs and workstream ids are checked before
 * use); this is the net under that rule, as simple-git's argument guard was before it.
 */
const refusedOptionPattern = /^--(template|exec-path|upload-pack|receive-pack|exec)(=|$)/;
/** `clone --config` keys the supervisor's own clones set; any other is refused. */
const allowedCloneConfigPattern =
  /^(user\.name|user\.email|remote\.origin\.pushurl|gc\.auto|gc\.pruneExpire)=/;

function checkCallerArguments(args: readonly string[]): void {
  const [subcommand] = args;
  if (subcommand === undefined || subcommand.startsWith("-")) {
    throw new Error(
      `SafeGit.raw takes a git subcommand first, got ${JSON.stringify(subcommand)}: global options are SafeGit's own.`,
    );
  }
  const optionsEnd = args.indexOf("--");
  const options = optionsEnd === -1 ? args : args.slice(0, optionsEnd);
  for (let index = 1; index < options.length; index++) {
    if (isRefusedOption(subcommand, options[index]!, options[index + 1])) {
      throw new Error(
        `SafeGit.raw refuses the option ${JSON.stringify(options[index])} in git ${subcommand}.`,
      );
    }
  }
}

function isRefusedOption(subcommand: string, option: string, next: string | undefined): boolean {
  if (refusedOptionPattern.test(option)) return true;
  if (subcommand !== "clone") return false;
  // clone's `-u` is --upload-pack and its `-c` writes config, alone or bundled (`-qu…`): short
  // options are refused there, and `--config` is checked against the supervisor's own settings.
  if (/^-[^-]/.test(option)) return true;
  if (option.startsWith("--config="))
    return !allowedCloneConfigPattern.test(option.slice("--config=".length));
  if (option === "--config") return !allowedCloneConfigPattern.test(next ?? "");
  return false;
}

/**
 * One SafeGit per repository; its commands run one at a time (parallel commands in one repository
 * race on its locks). Git is spawned directly: simple-git, used before, waited 50 ms after every
 * command that printed nothing (a clean `status`, `update-ref`), which was most of the fixed cost
 * of verifying a claim, and took twice the CPU per call of a bare spawn.
 */
export async function createSafeGit(repositoryPath: string, options: SafeGitOptions = {}): Promise<SafeGit> {
  const directory = await existingDirectory(repositoryPath);
  const environment = safeEnvironment(directory, options.environment ?? process.env);
  const configListings = createConfigListingCache(directory, options.clock ?? systemClock);
  const commands = createSerialQueue();
  /** The overrides of the last listing: the same text, kept by the cache, needs no parsing again. */
  let overrides: { listing: string | undefined; arguments: string[] } = { listing: undefined, arguments: [] };

  async function run(args: readonly string[], shownArgs: readonly string[], input?: string): Promise<string> {
    const { exitCode, stdout, stderr } = await runGit(directory, args, environment, input);
    if (exitCode !== 0) {
      throw new GitCommandError({ directory, args: shownArgs, gitExitCode: exitCode, stderr });
    }
    return stdout;
  }

  async function protectedCommand(args: readonly string[], input?: string): Promise<string> {
    // Listed right before each command (or proven unchanged since; see config-listing-cache.ts),
    // not once: a worker may add a filter driver at any time. Reading config runs nothing, and
    // --includes follows include.path/includeIf as the command will. A worker still running could
    // add a driver between the two processes; closing that window needs the worker stopped, or its
    // .git/config read-only to it (the sandbox's job).
    const listingArgs = ["config", "--list", "-z", "--includes"];
    const listing = options.isUnsharedClone
      ? ""
      : await configListings.listing(() => run(listingArgs, listingArgs));
    if (listing !== overrides.listing) overrides = { listing, arguments: protectiveConfigArguments(listing) };
    // --no-optional-locks: never rewrite a worker's index behind its back (status refreshes it).
    return run(["--no-optional-locks", ...overrides.arguments, ...args], args, input);
  }

  function raw(args: readonly string[], rawOptions: { input?: string } = {}): Promise<string> {
    try {
      checkCallerArguments(args);
    } catch (error) {
      return Promise.reject(error);
    }
    return commands(() => protectedCommand(args, rawOptions.input));
  }

  async function state(): Promise<{ head: string | null; changes: string[] }> {
    // dirty: a submodule's own working tree is not inspected, which would run git with the
    // submodule's config, whose drivers were never listed; a moved submodule commit still shows.
    const output = await raw([
      "status",
      "--porcelain=v2",
      "--branch",
      // An upstream a worker set could name a huge history: the branch header needs no counts.
      "--no-ahead-behind",
      "-z",
      "--untracked-files=all",
      "--ignore-submodules=dirty",
    ]);
    return parsePorcelainV2(output);
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
    state,
    diff(args) {
      return raw(["diff", "--no-ext-diff", "--no-textconv", ...args]);
    },
  };
}

/** One git process: stdin closed, the whole output collected, the exit code as git gave it. */
function runGit(
  directory: string,
  args: readonly string[],
  environment: Record<string, string>,
  input: string | undefined,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: directory,
      env: environment,
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (input !== undefined) {
      child.stdin?.on("error", () => undefined);
      child.stdin?.end(input);
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", (error) => {
      reject(
        new SuperviseError(`git could not be started in ${directory}: ${error.message}`, {
          exitCode: ExitCode.someNotAccepted,
          hint: "The supervisor needs git on the PATH it was started with.",
          cause: error,
        }),
      );
    });
    // "close", not "exit": the output is complete only once both pipes have closed.
    child.once("close", (code, signal) => {
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8") || (signal ? `killed by ${signal}` : ""),
      });
    });
  });
}

const objectNamePattern = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Porcelain v2 with --branch and -z, as the v1 lines the supervisor has always recorded (`XY path`,
 * `XY source -> target`, `?? path`; a space where v2 writes "." for "unchanged"), plus HEAD from
 * the `# branch.oid` header ("(initial)" before the first commit: null).
 */
export function parsePorcelainV2(output: string): { head: string | null; changes: string[] } {
  const records = output.split("\0");
  let head: string | null = null;
  // v2 prints ordinary and renamed entries, then unmerged ones, then untracked; v1 (and so the
  // claims recorded before) had every tracked entry in one list by path, untracked after.
  const tracked: { path: string; line: string }[] = [];
  const untracked: string[] = [];
  for (let index = 0; index < records.length; index++) {
    const record = records[index]!;
    if (record.startsWith("# branch.oid ")) {
      const oid = record.slice("# branch.oid ".length);
      head = objectNamePattern.test(oid) ? oid : null;
      continue;
    }
    const kind = record[0];
    const status = record.slice(2, 4).replaceAll(".", " ");
    if (kind === "1") {
      const path = fieldsAfter(record, 8);
      tracked.push({ path, line: `${status} ${path}` });
    } else if (kind === "2") {
      // The source path is the next NUL-separated record.
      index++;
      const path = fieldsAfter(record, 9);
      tracked.push({ path, line: `${status} ${records[index]} -> ${path}` });
    } else if (kind === "u") {
      const path = fieldsAfter(record, 10);
      tracked.push({ path, line: `${status} ${path}` });
    } else if (kind === "?") {
      untracked.push(`?? ${record.slice(2)}`);
    }
    // "#" headers other than the oid, and "!" (ignored files, never asked for), are not changes.
  }
  // By bytes, as git compares paths (a stable sort keeps git's order for equal paths).
  tracked.sort((left, right) => Buffer.compare(Buffer.from(left.path), Buffer.from(right.path)));
  return { head, changes: [...tracked.map((entry) => entry.line), ...untracked] };
}

/** What follows the first `count` space-separated fields: the path, which may itself hold spaces. */
function fieldsAfter(record: string, count: number): string {
  let position = 0;
  for (let field = 0; field < count; field++) position = record.indexOf(" ", position) + 1;
  return record.slice(position);
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
