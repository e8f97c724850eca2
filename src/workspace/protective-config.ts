/**
 * Which `-c` overrides make a git command run no program named by a repository's config. Pure:
 * the caller lists the config (`git config --list`, which itself runs nothing) and passes the text.
 */
import { ExitCode, SuperviseError } from "../errors.ts";

/** The identity of commits the supervisor makes itself (merges, fixups); a worker's commits use its own. */
export const supervisorIdentity = { name: "supervise", email: "supervisor@supervise.invalid" } as const;

/**
 * Settings whose value is a program, each pinned to a value that runs nothing. Command-line config
 * wins over every file, so these beat whatever a worker planted in `.git/config` or an include.
 * Empty values were checked on git 2.39: `credential.helper=` resets the helper list,
 * `core.askPass=` skips the askpass program, `uploadpack.packObjectsHook=` leaves fetch working;
 * `diff.external=` and the gpg programs become "cannot run" errors instead of running anything
 * (SafeGit.diff also passes --no-ext-diff so diffs still work).
 */
const fixedOverrides: ReadonlyArray<readonly [key: string, value: string]> = [
  // Hooks are looked up as /dev/null/<name>, which never exists: this silences .git/hooks and any
  // core.hooksPath a worker set, for every command including commit, checkout and update-ref.
  ["core.hooksPath", "/dev/null"],
  ["core.fsmonitor", "false"],
  ["core.pager", "cat"],
  ["core.editor", ":"],
  ["sequence.editor", ":"],
  // An empty sshCommand would be run as an empty shell command; plain ssh is git's own default.
  ["core.sshCommand", "ssh"],
  ["core.askPass", ""],
  ["credential.helper", ""],
  ["diff.external", ""],
  ["gpg.program", ""],
  ["gpg.openpgp.program", ""],
  ["gpg.x509.program", ""],
  ["gpg.ssh.program", ""],
  ["commit.gpgSign", "false"],
  ["tag.gpgSign", "false"],
  ["log.showSignature", "false"],
  // Git honours this only from protected config (system, global, command line), all of which the
  // supervisor controls; pinning it costs nothing.
  ["uploadpack.packObjectsHook", ""],
  ["user.name", supervisorIdentity.name],
  ["user.email", supervisorIdentity.email],
];

/**
 * Per-driver settings: driver names are arbitrary (`[filter "anything"]`), so they are found in the
 * listing. An empty clean/smudge/process command means "no filter" to git (convert.c treats an
 * empty command as absent; verified with a marker script), and required=false keeps the missing
 * filter from being an error.
 */
const driverOverrides: Record<string, ReadonlyArray<readonly [variable: string, value: string]>> = {
  filter: [
    ["clean", ""],
    ["smudge", ""],
    ["process", ""],
    ["required", "false"],
  ],
  diff: [
    ["textconv", ""],
    ["command", ""],
  ],
  merge: [["driver", ""]],
};

export interface ConfigEntry {
  /** `section.subsection.variable`, section and variable lower-cased as git prints them. */
  key: string;
  /** null for a bare boolean key (`[core] bare` without `=`). */
  value: string | null;
}

/** Parses `git config --list -z`: entries end in NUL, the key ends at the first newline. */
export function parseConfigListing(listing: string): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  for (const record of listing.split("\0")) {
    if (record === "") continue;
    const newline = record.indexOf("\n");
    entries.push(
      newline === -1
        ? { key: record, value: null }
        : { key: record.slice(0, newline), value: record.slice(newline + 1) },
    );
  }
  return entries;
}

/** A repository config that the supervisor cannot neutralize, so it refuses to run git on it. */
export class UnsafeGitConfigError extends SuperviseError {
  constructor(message: string) {
    super(message, {
      exitCode: ExitCode.someNotAccepted,
      hint: "A worker wrote this config; remove the entry (or the checkout) before the supervisor reads it again.",
    });
    this.name = "UnsafeGitConfigError";
  }
}

/** Names of the drivers of one kind (`filter`, `diff`, `merge`) that the config defines anything for. */
function driverNames(entries: readonly ConfigEntry[], section: string): Set<string> {
  const names = new Set<string>();
  const prefix = `${section}.`;
  for (const { key } of entries) {
    if (!key.startsWith(prefix)) continue;
    const lastDot = key.lastIndexOf(".");
    // `diff.external` has no subsection; only `section.<name>.variable` names a driver.
    if (lastDot > prefix.length) names.add(key.slice(prefix.length, lastDot));
  }
  return names;
}

/** The `-c key=value` arguments that pin every program-valued setting; every git command gets them. */
export const pinnedSettingArguments: readonly string[] = fixedOverrides.flatMap(([key, value]) => [
  "-c",
  `${key}=${value}`,
]);

/**
 * The `-c key=value` arguments that disable every filter, diff and merge driver the listed config
 * defines, to go after pinnedSettingArguments. `-c` splits at the first `=`, so a driver named
 * with `=` could not be overridden: such a config is refused rather than half-neutralized.
 */
export function driverOverrideArguments(listing: string): string[] {
  const entries = parseConfigListing(listing);
  const pairs: Array<readonly [string, string]> = [];
  for (const [section, variables] of Object.entries(driverOverrides)) {
    for (const name of driverNames(entries, section)) {
      if (name.includes("=")) {
        throw new UnsafeGitConfigError(
          `The git config defines a ${section} driver named "${name}"; a "=" in a driver name cannot be overridden safely.`,
        );
      }
      for (const [variable, value] of variables) pairs.push([`${section}.${name}.${variable}`, value]);
    }
  }
  return pairs.flatMap(([key, value]) => ["-c", `${key}=${value}`]);
}
