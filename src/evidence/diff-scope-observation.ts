/**
 * The I/O half of `diff_scope`: what changed between the base and the claimed commit, read with
 * the supervisor's safe git from a repository holding both (the private mirror or the checkout).
 * Only test files, Rust sources (inline tests) and test-selection config are read in full, each
 * capped in size; every other file is known by its path, status and line counts.
 */
import { SuperviseError } from "../errors.ts";
import type { SafeGit } from "../workspace/safe-git.ts";
import { classifyPath, languageOf } from "./file-roles.ts";
import { selectionFileKind } from "./test-selection.ts";

export type ChangeStatus = "added" | "modified" | "deleted" | "renamed" | "copied" | "type-changed";

/** One side of a changed file, as far as the gate read it. */
export type FileContent =
  | { kind: "text"; text: string }
  | { kind: "absent" }
  /** No check needs it (source, docs), so it was not read. */
  | { kind: "not-read" }
  | { kind: "too-large"; bytes: number }
  | { kind: "over-file-limit" }
  /** A submodule commit, not a file. */
  | { kind: "not-a-file" };

export interface ChangedFile {
  /** The path at the claimed commit (at the base, for a deleted file). */
  path: string;
  /** The path at the base, for renames and copies. */
  previousPath: string | null;
  status: ChangeStatus;
  /** Null when git sees the file as binary. */
  addedLines: number | null;
  removedLines: number | null;
  base: FileContent;
  commit: FileContent;
}

export interface DiffScopeLimits {
  /** Larger files are not read; 1 MB keeps a planted giant file from exhausting memory. */
  maxFileBytes: number;
  /** Files read in full, beyond which the rest are reported as not inspected. */
  maxInspectedFiles: number;
}

export const defaultDiffScopeLimits: DiffScopeLimits = { maxFileBytes: 1024 * 1024, maxInspectedFiles: 300 };

export interface DiffScopeObservation {
  baseSha: string;
  commit: string;
  /** The plan's check command, whose npm scripts and script files are test selection too. */
  checkCommand: string | null;
  files: ChangedFile[];
  /** The root package.json at the base (null: none, or too large), for the scripts the check command runs. */
  packageJsonAtBase: string | null;
  limits: DiffScopeLimits;
}

export interface DiffScopeObservationRequest {
  baseSha: string;
  commit: string;
  checkCommand?: string | undefined;
  limits?: Partial<DiffScopeLimits> | undefined;
}

/** The base or the claimed commit is not in the repository the gate reads. */
export class CommitNotFoundError extends SuperviseError {
  constructor(which: string, revision: string, directory: string) {
    super(`the ${which} ${revision} is not a commit in ${directory}`);
    this.name = "CommitNotFoundError";
  }
}

/** Whether the gate needs a file's full text: tests, Rust sources, and config that selects tests. */
export function isInspected(path: string): boolean {
  const language = languageOf(path);
  return (
    (classifyPath(path) === "test" && language !== null) ||
    language === "rust" ||
    selectionFileKind(path) !== null
  );
}

export async function observeDiffScope(
  git: SafeGit,
  request: DiffScopeObservationRequest,
): Promise<DiffScopeObservation> {
  const limits = { ...defaultDiffScopeLimits, ...request.limits };
  const baseSha = await resolve(git, request.baseSha, "base");
  const commit = await resolve(git, request.commit, "claimed commit");
  const entries =
    baseSha === commit
      ? []
      : parseDiff(
          // --no-relative and rename detection are set explicitly: a worker's diff.* config must not shape this.
          await git.diff([
            "--raw",
            "--numstat",
            "-z",
            "-M",
            "--no-abbrev",
            "--no-relative",
            "--no-color",
            baseSha,
            commit,
          ]),
        );

  const inspected = entries.filter(
    (entry) => isInspected(entry.path) || (entry.previousPath !== null && isInspected(entry.previousPath)),
  );
  const readable = new Set(inspected.slice(0, limits.maxInspectedFiles));
  const overLimit = new Set(inspected.slice(limits.maxInspectedFiles));
  const basePaths = [...readable].filter((entry) => entry.status !== "added").map(basePathOf);
  const commitPaths = [...readable].filter((entry) => entry.status !== "deleted").map((entry) => entry.path);
  const baseTree = await treeEntries(git, baseSha, [...basePaths, "package.json"]);
  const commitTree = await treeEntries(git, commit, commitPaths);
  const reader = blobReader(git, limits.maxFileBytes);

  const files: ChangedFile[] = [];
  for (const entry of entries) {
    const side = async (
      tree: Map<string, TreeEntry>,
      path: string,
      exists: boolean,
    ): Promise<FileContent> => {
      if (!exists) return { kind: "absent" };
      if (overLimit.has(entry)) return { kind: "over-file-limit" };
      if (!readable.has(entry)) return { kind: "not-read" };
      return reader(tree.get(path));
    };
    files.push({
      ...entry,
      base: await side(baseTree, basePathOf(entry), entry.status !== "added"),
      commit: await side(commitTree, entry.path, entry.status !== "deleted"),
    });
  }
  const packageJson = await reader(baseTree.get("package.json"));
  return {
    baseSha,
    commit,
    checkCommand: request.checkCommand ?? null,
    files,
    packageJsonAtBase: packageJson.kind === "text" ? packageJson.text : null,
    limits,
  };
}

async function resolve(git: SafeGit, revision: string, which: string): Promise<string> {
  const sha = await git.resolveCommit(revision);
  if (sha === null) throw new CommitNotFoundError(which, revision, git.directory);
  return sha;
}

function basePathOf(entry: { path: string; previousPath: string | null }): string {
  return entry.previousPath ?? entry.path;
}

type DiffEntry = Omit<ChangedFile, "base" | "commit">;

const statusByLetter: Record<string, ChangeStatus> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type-changed",
};

/**
 * `git diff --raw --numstat -z`: raw records (`:modes shas status\0path\0`, with a second path for
 * renames and copies), then numstat records (`added\tremoved\tpath\0`, or `added\tremoved\t\0old\0new\0`).
 * NUL-separated, so any byte in a path is safe.
 */
export function parseDiff(output: string): DiffEntry[] {
  const records = output.split("\0");
  const entries: DiffEntry[] = [];
  const byPath = new Map<string, DiffEntry>();
  let index = 0;
  while (index < records.length) {
    const record = records[index]!;
    index++;
    if (record === "") continue;
    if (record.startsWith(":")) {
      const letter = record.split(" ")[4]?.charAt(0) ?? "";
      const status = statusByLetter[letter] ?? "modified";
      const hasTwoPaths = status === "renamed" || status === "copied";
      const first = records[index++]!;
      const entry: DiffEntry = {
        path: hasTwoPaths ? records[index++]! : first,
        previousPath: hasTwoPaths ? first : null,
        status,
        addedLines: null,
        removedLines: null,
      };
      entries.push(entry);
      byPath.set(entry.path, entry);
      continue;
    }
    const firstTab = record.indexOf("\t");
    const secondTab = record.indexOf("\t", firstTab + 1);
    const added = record.slice(0, firstTab);
    const removed = record.slice(firstTab + 1, secondTab);
    const path = record.slice(secondTab + 1);
    // A rename's numstat names no path in its own record; the new path is the second that follows.
    let target: string | undefined = path;
    if (path === "") {
      target = records[index + 1];
      index += 2;
    }
    const entry = target === undefined ? undefined : byPath.get(target);
    if (entry && added !== "-") {
      entry.addedLines = Number(added);
      entry.removedLines = Number(removed);
    }
  }
  return entries;
}

interface TreeEntry {
  type: string;
  object: string;
  bytes: number;
}

/** `git ls-tree -l` for just these paths: each blob's id and size, so no file is read blind. */
async function treeEntries(
  git: SafeGit,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  if (paths.length === 0) return entries;
  // :(literal) keeps a path with `*` or `?` from matching other files as a glob.
  const pathspecs = [...new Set(paths)].map((path) => `:(literal)${path}`);
  const output = await git.raw(["ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", ...pathspecs]);
  for (const record of output.split("\0")) {
    const tab = record.indexOf("\t");
    if (tab === -1) continue;
    const [, type, object, size] = record.slice(0, tab).split(/ +/);
    if (type && object) entries.set(record.slice(tab + 1), { type, object, bytes: Number(size) });
  }
  return entries;
}

function blobReader(
  git: SafeGit,
  maxFileBytes: number,
): (entry: TreeEntry | undefined) => Promise<FileContent> {
  const texts = new Map<string, Promise<string>>();
  return async (entry) => {
    if (entry === undefined) return { kind: "absent" };
    if (entry.type !== "blob") return { kind: "not-a-file" };
    if (!(entry.bytes <= maxFileBytes)) return { kind: "too-large", bytes: entry.bytes };
    // cat-file prints the stored bytes: no filter or textconv a worker configured runs on them.
    let text = texts.get(entry.object);
    if (text === undefined) {
      text = git.raw(["cat-file", "blob", entry.object]);
      texts.set(entry.object, text);
    }
    return { kind: "text", text: await text };
  };
}
