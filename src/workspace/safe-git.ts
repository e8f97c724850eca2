/**
 * Git as the supervisor runs it on repositories a worker may have written to: the hardened runner
 * (run-git.ts), and on top of it every filter, diff and merge driver the repository's config
 * defines turned off, the caller's options checked, and one command at a time.
 */
import { realpath, stat } from "node:fs/promises";
import { type Clock, systemClock } from "../clock.ts";
import { SuperviseError } from "../errors.ts";
import { createSerialQueue } from "../serial-queue.ts";
import { createConfigListingCache } from "./config-listing-cache.ts";
import { GitCommandError, gitLimitReached } from "./git-command-error.ts";
import { driverOverrideArguments } from "./protective-config.ts";
import { runGit } from "./run-git.ts";

export interface SafeGit {
  /** The repository (or plain folder, for clones) the commands run in, symlinks resolved. */
  readonly directory: string;
  /** `git <args>` with the protective overrides; resolves with stdout, untrimmed. `input` goes to stdin. */
  raw(args: readonly string[], options?: { input?: string }): Promise<string>;
  /**
   * `git <args>` as `raw` runs it, its stdout handed to `onStdout` as it comes and none of it kept:
   * for listings a worker's objects can make endless. `onStdout` returning false stops git, which
   * is then no failure: the promise resolves with `isStopped`.
   */
  stream(
    args: readonly string[],
    onStdout: (chunk: Buffer) => boolean,
    options?: { input?: string },
  ): Promise<{ isStopped: boolean }>;
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
  /** Per git command; default `gitTimeoutMs` (run-git.ts). */
  timeoutMs?: number;
  /** Stdout read from one git command; default `gitMaxStdoutBytes` (run-git.ts). */
  maxStdoutBytes?: number;
}

/**
 * Options a caller may not pass, whatever the subcommand: they name programs or config for git to
 * use (`--template` hooks, `--exec-path`, an upload/receive-pack program, a `--config` a clone
 * keeps, other than the supervisor's own settings). The pinned settings win over config files, but
 * not over these. Callers never pass worker-written text as options (SHAs and workstream ids are
 * checked before use); this is the net under that rule.
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
 * race on its locks).
 */
export async function createSafeGit(repositoryPath: string, options: SafeGitOptions = {}): Promise<SafeGit> {
  const directory = await existingDirectory(repositoryPath);
  const environment = options.environment ?? process.env;
  const configListings = createConfigListingCache(directory, options.clock ?? systemClock);
  const commands = createSerialQueue();
  const limits = {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.maxStdoutBytes === undefined ? {} : { maxStdoutBytes: options.maxStdoutBytes }),
  };
  /** The overrides of the last listing: the same text, kept by the cache, needs no parsing again. */
  let overrides: { listing: string | undefined; arguments: string[] } = { listing: undefined, arguments: [] };

  interface Reading {
    input?: string | undefined;
    onStdout?: ((chunk: Buffer) => boolean) | undefined;
  }

  async function run(
    args: readonly string[],
    shownArgs: readonly string[],
    reading: Reading = {},
  ): Promise<{ stdout: string; isStopped: boolean }> {
    const outcome = await runGit({
      cwd: directory,
      args,
      environment,
      ...limits,
      ...(reading.input === undefined ? {} : { input: reading.input }),
      ...(reading.onStdout ? { onStdout: reading.onStdout } : {}),
    });
    if (outcome.isStopped) return { stdout: "", isStopped: true };
    const limit = gitLimitReached(outcome, limits);
    if (outcome.exitCode !== 0 || limit !== null) {
      throw new GitCommandError({
        directory,
        args: shownArgs,
        gitExitCode: outcome.exitCode,
        stderr: outcome.stderr,
        limit,
      });
    }
    return { stdout: outcome.stdout, isStopped: false };
  }

  async function protectedCommand(
    args: readonly string[],
    reading: Reading = {},
  ): Promise<{ stdout: string; isStopped: boolean }> {
    // Listed right before each command (or proven unchanged since; see config-listing-cache.ts),
    // not once: a worker may add a filter driver at any time. Reading config runs nothing, and
    // --includes follows include.path/includeIf as the command will. A worker still running could
    // add a driver between the two processes; closing that window needs the worker stopped, or its
    // .git/config read-only to it (the sandbox's job).
    const listingArgs = ["config", "--list", "-z", "--includes"];
    const listing = options.isUnsharedClone
      ? ""
      : await configListings.listing(async () => (await run(listingArgs, listingArgs)).stdout);
    if (listing !== overrides.listing) overrides = { listing, arguments: driverOverrideArguments(listing) };
    return run([...overrides.arguments, ...args], args, reading);
  }

  function checked(
    args: readonly string[],
    reading: Reading,
  ): Promise<{ stdout: string; isStopped: boolean }> {
    try {
      checkCallerArguments(args);
    } catch (error) {
      return Promise.reject(error);
    }
    return commands(() => protectedCommand(args, reading));
  }

  async function raw(args: readonly string[], rawOptions: { input?: string } = {}): Promise<string> {
    return (await checked(args, { input: rawOptions.input })).stdout;
  }

  async function stream(
    args: readonly string[],
    onStdout: (chunk: Buffer) => boolean,
    streamOptions: { input?: string } = {},
  ): Promise<{ isStopped: boolean }> {
    const { isStopped } = await checked(args, { input: streamOptions.input, onStdout });
    return { isStopped };
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
    stream,
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
