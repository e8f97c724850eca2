/**
 * Remembers a repository's `git config --list` between commands, for as long as provably nothing
 * it was read from changed. Listing before every command costs a git process each time (about half
 * of the supervisor's git processes in the bench), while a worker writes its config rarely.
 *
 * "Provably": the listing is keyed by the git directory's inode and its `config` file's inode,
 * size, change time and modification time. Any write to the file moves its change time, which no
 * one but the kernel sets; a `config` renamed into place is another inode; a `.git` swapped for
 * another is too. Two rules close the gaps that remain:
 * - Racy stats (as git's own "racy git" index rule): a timestamp is coarse (a clock tick, or a
 *   whole second on some file systems), so a write in the same tick as the listing could leave
 *   the config's stat as it was. A listing is kept only when the config's timestamps are older
 *   than the moment the listing started, by more than their granularity.
 * - What the key cannot see is never kept: a config with `include` or `includeIf` (other files,
 *   conditions on the branch), `extensions.worktreeConfig`, a `.git` that is a file or a symlink
 *   (a pointer to another git directory), or a `config` that is a symlink.
 * Where there is no config file at all (a folder that is no repository, such as the one clones are
 * made in), the listing is known to be empty without asking git: system and global config are
 * never read (run-git.ts), so only the repository's own file could name a program.
 * It assumes a local POSIX file system that keeps change times (not a network mount).
 */
import { lstatSync } from "node:fs";
import { join } from "node:path";
import type { Clock } from "../clock.ts";
import { parseConfigListing } from "./protective-config.ts";

/** Nanosecond timestamps: clock ticks are at most 10 ms; 50 ms leaves room for a lagging coarse clock. */
const fineMarginMs = 50;
/** Timestamps in whole seconds (ext3, FAT's 2 s): three granules. */
const coarseMarginMs = 3_000;

export interface ConfigListingCache {
  /** The listing, from the cache when the key still matches, else from `list` (and kept when it may be). */
  listing(list: () => Promise<string>): Promise<string>;
}

interface Fingerprint {
  key: string;
  /** No config file (and no `commondir`): git has no repository config to read here, so the listing is empty. */
  hasNoConfig: boolean;
  /** The config's newer time of change and modification, in ms, and whether both are whole seconds. */
  newestMs: number;
  isCoarse: boolean;
}

export function createConfigListingCache(directory: string, clock: Clock): ConfigListingCache {
  let kept: { key: string; listing: string } | undefined;
  return {
    async listing(list) {
      const startedMs = clock.now();
      const before = fingerprintOf(directory);
      if (before?.hasNoConfig) return "";
      if (before !== null && kept?.key === before.key) return kept.listing;
      kept = undefined;
      const listing = await list();
      if (before === null || !isCacheable(listing)) return listing;
      const after = fingerprintOf(directory);
      const marginMs = before.isCoarse ? coarseMarginMs : fineMarginMs;
      if (after?.key === before.key && before.newestMs < startedMs - marginMs) {
        kept = { key: before.key, listing };
      }
      return listing;
    },
  };
}

function isCacheable(listing: string): boolean {
  return !parseConfigListing(listing).some(
    ({ key }) =>
      key.startsWith("include.") || key.startsWith("includeif.") || key === "extensions.worktreeconfig",
  );
}

/**
 * Where git finds the config from this directory: `.git/config`, or `config` of the directory
 * itself when it is a bare repository (the mirror). Null when it cannot be fingerprinted.
 */
function fingerprintOf(directory: string): Fingerprint | null {
  try {
    return readFingerprint(directory);
  } catch {
    // Unreadable (permissions, a path component that is not a directory): git decides, uncached.
    return null;
  }
}

/**
 * The git directory counts by identity only (its inode: replaced, it is another one), not by its
 * times, which every index lock a worker's git takes moves. What inside it changes where config
 * is read from is looked at by name: `commondir` sends git to another directory's config.
 */
function readFingerprint(directory: string): Fingerprint | null {
  const dotGit = statOrNull(join(directory, ".git"));
  if (dotGit !== null && !dotGit.isDirectory()) return null;
  const gitDirectory = dotGit === null ? directory : join(directory, ".git");
  const gitDirectoryStat = dotGit ?? statOrNull(directory);
  if (gitDirectoryStat === null) return null;
  if (statOrNull(join(gitDirectory, "commondir")) !== null) return null;
  const config = statOrNull(join(gitDirectory, "config"));
  if (config !== null && !config.isFile()) return null;
  const identity = `${gitDirectory}|${gitDirectoryStat.dev}:${gitDirectoryStat.ino}`;
  if (config === null)
    return { key: `${identity}|no config`, hasNoConfig: true, newestMs: 0, isCoarse: false };
  return {
    hasNoConfig: false,
    key: `${identity}|${config.ino}:${config.size}:${config.ctimeNs}:${config.mtimeNs}`,
    newestMs: Math.max(Number(config.ctimeNs / 1_000_000n), Number(config.mtimeNs / 1_000_000n)),
    isCoarse: config.ctimeNs % 1_000_000_000n === 0n && config.mtimeNs % 1_000_000_000n === 0n,
  };
}

/**
 * Synchronous on purpose: three lstat calls on a local disk take microseconds, while their async
 * forms queued behind the thread pool (journal syncs, file writes) before every git command.
 */
function statOrNull(path: string) {
  return lstatSync(path, { bigint: true, throwIfNoEntry: false }) ?? null;
}
