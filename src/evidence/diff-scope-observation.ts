/**
 * The I/O half of `diff_scope`: what changed between the base and the claimed commit, read with
 * the supervisor's safe git from a repository holding both (the private mirror or the checkout).
 * Only test files, Rust sources (inline tests) and test-selection config are read in full, each
 * capped in size; every other file is known by its path, status and line counts.
 */
import { SuperviseError } from "../errors.ts";
import { GitCommandError, type SafeGit } from "../workspace/index.ts";
import { configImportDepth, importCandidates, relativeImports } from "./config-imports.ts";
import { classifyPath, languageOf } from "./file-roles.ts";
import { isScannedForPatching } from "./framework-patching.ts";
import { isPlumbingConfig, plumbingConfigPaths } from "./test-plumbing.ts";
import { selectionFileKind } from "./test-selection.ts";
import { type TreeEntry, treeEntries } from "./tree-entries.ts";

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
  /** Where the change starts: the fork point of the claimed commit from the requested base. */
  baseSha: string;
  /** The base as requested; differs from baseSha when the base moved on after the branch forked. */
  requestedBase: string;
  commit: string;
  /** The plan's check command, whose npm scripts and script files are test selection too. */
  checkCommand: string | null;
  files: ChangedFile[];
  /** The root package.json at the base (null: none, or too large), for the scripts the check command runs. */
  packageJsonAtBase: string | null;
  /**
   * Runner configuration at the claimed commit, changed or not (test-plumbing.ts's list), by path:
   * an unchanged jest.config.js can name a setup file the claim changed.
   */
  runnerConfigs?: ReadonlyMap<string, string>;
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

/**
 * Whether the gate needs a file's full text: tests, Rust sources, config that selects tests, and
 * config that names code run in the test process.
 */
export function isInspected(path: string): boolean {
  const language = languageOf(path);
  return (
    (classifyPath(path) === "test" && language !== null) ||
    language === "rust" ||
    selectionFileKind(path) !== null ||
    isPlumbingConfig(path)
  );
}

export async function observeDiffScope(
  git: SafeGit,
  request: DiffScopeObservationRequest,
): Promise<DiffScopeObservation> {
  const limits = { ...defaultDiffScopeLimits, ...request.limits };
  const requestedBase = await resolve(git, request.baseSha, "base");
  const commit = await resolve(git, request.commit, "claimed commit");
  const baseSha = await forkPoint(git, requestedBase, commit);
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

  const configTree =
    baseSha === commit
      ? new Map<string, TreeEntry>()
      : await treeEntries(git, commit, plumbingConfigPaths(entries.map((entry) => entry.path)));
  const runnerConfigs = await readConfigs(git, commit, configTree, limits.maxFileBytes);
  // A changed file a runner config loads (a shared jest.base.js) is read in full, like the config.
  const isLoadedByConfig = (path: string) => runnerConfigs.has(path);
  const inspected = [
    ...entries.filter(
      (entry) =>
        isInspected(entry.path) ||
        (entry.previousPath !== null && isInspected(entry.previousPath)) ||
        isLoadedByConfig(entry.path),
    ),
    // Source files are read after the tests (which the limit must not crowd out), for lines that
    // patch the test framework from inside the code under test.
    ...entries.filter(
      (entry) =>
        !isInspected(entry.path) &&
        classifyPath(entry.path) === "source" &&
        isScannedForPatching(languageOf(entry.path)),
    ),
  ];
  const readable = new Set(inspected.slice(0, limits.maxInspectedFiles));
  const overLimit = new Set(inspected.slice(limits.maxInspectedFiles));
  const basePaths = [...readable].filter((entry) => entry.status !== "added").map(basePathOf);
  const commitPaths = [...readable].filter((entry) => entry.status !== "deleted").map((entry) => entry.path);
  const baseTree = await treeEntries(git, baseSha, [...basePaths, "package.json"]);
  const commitTree = await treeEntries(git, commit, commitPaths);
  const wanted = [...baseTree.values(), ...commitTree.values()].filter(
    (blob) => blob.type === "blob" && blob.bytes <= limits.maxFileBytes,
  );
  const texts = await readBlobs(git, wanted);
  const contentOf = (blob: TreeEntry | undefined): FileContent => {
    if (blob === undefined) return { kind: "absent" };
    if (blob.type !== "blob") return { kind: "not-a-file" };
    const text = texts.get(blob.object);
    return text === undefined ? { kind: "too-large", bytes: blob.bytes } : { kind: "text", text };
  };

  const files: ChangedFile[] = [];
  for (const entry of entries) {
    const side = (tree: Map<string, TreeEntry>, path: string, exists: boolean): FileContent => {
      if (!exists) return { kind: "absent" };
      if (overLimit.has(entry)) return { kind: "over-file-limit" };
      if (!readable.has(entry)) return { kind: "not-read" };
      return contentOf(tree.get(path));
    };
    files.push({
      ...entry,
      base: side(baseTree, basePathOf(entry), entry.status !== "added"),
      commit: side(commitTree, entry.path, entry.status !== "deleted"),
    });
  }
  const packageJson = contentOf(baseTree.get("package.json"));
  return {
    baseSha,
    requestedBase,
    commit,
    checkCommand: request.checkCommand ?? null,
    files,
    packageJsonAtBase: packageJson.kind === "text" ? packageJson.text : null,
    runnerConfigs,
    limits,
  };
}

export async function resolve(git: SafeGit, revision: string, which: string): Promise<string> {
  const sha = await git.resolveCommit(revision);
  if (sha === null) throw new CommitNotFoundError(which, revision, git.directory);
  return sha;
}

/**
 * The merge base, so work merged into the base after the branch forked (another workstream's new
 * tests) is not read as this change deleting it. Unrelated histories have none: the requested base is used.
 */
export async function forkPoint(git: SafeGit, base: string, commit: string): Promise<string> {
  try {
    return (await git.raw(["merge-base", base, commit])).trim();
  } catch (error) {
    if (error instanceof GitCommandError && error.gitExitCode === 1 && error.stderr.trim() === "")
      return base;
    throw error;
  }
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

/**
 * The texts of many blobs in few processes: `git show <blob>...` prints them back to back (no path,
 * so no attributes and no textconv), and the sizes from ls-tree split them. Invalid UTF-8 changes
 * the decoded length; such a batch is read again one blob at a time.
 */
/**
 * The runner configs at the claimed commit by path, with the local files JavaScript configs load
 * (config-imports.ts), followed as deep as configImportDepth: what the plumbing detectors read.
 */
async function readConfigs(
  git: SafeGit,
  commit: string,
  configTree: ReadonlyMap<string, TreeEntry>,
  maxFileBytes: number,
): Promise<Map<string, string>> {
  const configs = new Map<string, string>();
  const readInto = async (tree: ReadonlyMap<string, TreeEntry>) => {
    const blobs = [...tree].filter(([, blob]) => blob.type === "blob" && blob.bytes <= maxFileBytes);
    const texts = await readBlobs(
      git,
      blobs.map(([, blob]) => blob),
    );
    const added: string[] = [];
    for (const [path, blob] of blobs) {
      const text = texts.get(blob.object);
      if (text !== undefined && !configs.has(path)) {
        configs.set(path, text);
        added.push(path);
      }
    }
    return added;
  };
  let frontier = (await readInto(configTree)).filter(isJavaScriptConfigFile);
  for (let depth = 0; depth < configImportDepth && frontier.length > 0; depth++) {
    const candidates = frontier.flatMap((path) =>
      relativeImports(path, configs.get(path) ?? "").flatMap(importCandidates),
    );
    frontier = await readInto(await treeEntries(git, commit, [...new Set(candidates)]));
  }
  return configs;
}

function isJavaScriptConfigFile(path: string): boolean {
  return /\.[cm]?[jt]s$/.test(path);
}

async function readBlobs(git: SafeGit, blobs: readonly TreeEntry[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const unique = [...new Map(blobs.map((blob) => [blob.object, blob])).values()];
  for (const batch of batches(unique)) {
    const output = Buffer.from(
      await git.raw(["show", "--no-textconv", "--no-color", ...batch.map((blob) => blob.object)]),
    );
    const expectedBytes = batch.reduce((total, blob) => total + blob.bytes, 0);
    let offset = 0;
    for (const blob of batch) {
      const text =
        output.length === expectedBytes
          ? output.subarray(offset, offset + blob.bytes).toString("utf8")
          : // cat-file prints the stored bytes: no filter or textconv a worker configured runs on them.
            await git.raw(["cat-file", "blob", blob.object]);
      texts.set(blob.object, text);
      offset += blob.bytes;
    }
  }
  return texts;
}

/** Batches of at most 100 blobs and 8 MB, so one command line and one output stay small. */
function batches(blobs: readonly TreeEntry[]): TreeEntry[][] {
  const result: TreeEntry[][] = [];
  let current: TreeEntry[] = [];
  let bytes = 0;
  for (const blob of blobs) {
    if (current.length > 0 && (current.length === 100 || bytes + blob.bytes > 8 * 1024 * 1024)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(blob);
    bytes += blob.bytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}
