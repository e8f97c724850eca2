/**
 * The change the reviewer reads: the files and the patch from the fork point of the claimed commit
 * (its merge base with the base) to the commit, read with the supervisor's safe git. A worker
 * decides how big the change is, so the patch is read in batches of files until the limit is
 * reached, never whole: a committed giant file or a vendored tree cannot exhaust the supervisor's
 * memory. What is not shown is named, so the prompt can say what the reviewer did not see.
 */
import type { SafeGit } from "../workspace/index.ts";
import { type ChangeStatus, forkPoint, parseDiff, resolve } from "./diff-scope-observation.ts";
import { capPatch } from "./review-patch.ts";
import { literal, pathsPerCommand, type TreeEntry, treeEntries } from "./tree-entries.ts";

export interface ReviewedFile {
  path: string;
  previousPath: string | null;
  status: ChangeStatus;
  /** Null for a binary file. */
  addedLines: number | null;
  removedLines: number | null;
}

export interface ReviewDiff {
  /** The fork point of the claimed commit from the requested base: where the change starts. */
  baseSha: string;
  requestedBase: string;
  commit: string;
  /** Every changed file, whether or not its patch is shown. */
  files: ReviewedFile[];
  /** The patch as shown to the reviewer, at most the limit in bytes. */
  patch: string;
  shownBytes: number;
  /** Files whose patch is shown only in part. */
  cutFiles: string[];
  /** Files whose patch is not shown at all, for lack of room. */
  omittedFiles: string[];
  /** Text files larger than the limit on either side: never diffed, as no part of them would fit. */
  oversizedFiles: string[];
}

export interface ReviewDiffRequest {
  baseSha: string;
  commit: string;
  limitBytes: number;
}

/**
 * Options that pin the patch's shape, so a worker's `diff.*` config (noprefix, relative, orderFile,
 * context, renames, ignoreSubmodules) cannot hide or reshape what the reviewer reads.
 */
const pinnedDiffOptions = [
  "--no-color",
  "--no-relative",
  "-M",
  "--unified=3",
  "--src-prefix=a/",
  "--dst-prefix=b/",
  "--ignore-submodules=none",
  "-O/dev/null",
];

export async function observeReviewDiff(git: SafeGit, request: ReviewDiffRequest): Promise<ReviewDiff> {
  const requestedBase = await resolve(git, request.baseSha, "base");
  const commit = await resolve(git, request.commit, "claimed commit");
  const baseSha = await forkPoint(git, requestedBase, commit);
  const range = [baseSha, commit];
  const files =
    baseSha === commit
      ? []
      : parseDiff(
          await git.diff(["--raw", "--numstat", "-z", "--no-abbrev", ...pinnedDiffOptions, ...range]),
        );
  const sizes = await blobSizes(git, baseSha, commit, files);
  const sizeOf = (file: ReviewedFile) => sizes.get(file) ?? { largest: 0, both: 0 };
  // Only text counts: git prints one line for a binary file, whatever its size.
  const isOversized = (file: ReviewedFile) =>
    file.addedLines !== null && sizeOf(file).largest > request.limitBytes;
  const diffable = files.filter((file) => !isOversized(file));
  const read = await readPatch(git, range, diffable, (file) => sizeOf(file).both, request.limitBytes);
  const capped = capPatch(read.patch, request.limitBytes);
  return {
    baseSha,
    requestedBase,
    commit,
    files,
    patch: capped.patch,
    shownBytes: capped.shownBytes,
    cutFiles: capped.cutFiles,
    omittedFiles: [...capped.omittedFiles, ...read.unread.map((file) => file.path)],
    oversizedFiles: files.filter(isOversized).map((file) => file.path),
  };
}

/**
 * The patch of the files in order, a batch at a time, stopping once it holds more than the limit:
 * a batch holds files up to about the limit in blob bytes (at least one), so what is read stays
 * within a few times the limit. Both paths of a rename are in its batch, so git still pairs them.
 */
async function readPatch(
  git: SafeGit,
  range: readonly string[],
  files: readonly ReviewedFile[],
  bytesOf: (file: ReviewedFile) => number,
  limitBytes: number,
): Promise<{ patch: string; unread: ReviewedFile[] }> {
  const parts: string[] = [];
  let readBytes = 0;
  let index = 0;
  while (index < files.length && readBytes <= limitBytes) {
    const batch: ReviewedFile[] = [];
    let batchBytes = 0;
    while (index < files.length && batch.length < pathsPerCommand) {
      const file = files[index]!;
      if (batch.length > 0 && batchBytes + bytesOf(file) > limitBytes) break;
      batch.push(file);
      batchBytes += bytesOf(file);
      index++;
    }
    const pathspecs = batch.flatMap((file) => [
      file.path,
      ...(file.previousPath === null ? [] : [file.previousPath]),
    ]);
    const part = await git.diff(["--patch", ...pinnedDiffOptions, ...range, "--", ...pathspecs.map(literal)]);
    parts.push(part);
    readBytes += Buffer.byteLength(part);
  }
  return { patch: parts.join(""), unread: files.slice(index) };
}

/** Blob sizes from `git ls-tree -l` at both ends: the larger side, and both sides together. */
async function blobSizes(
  git: SafeGit,
  baseSha: string,
  commit: string,
  files: readonly ReviewedFile[],
): Promise<Map<ReviewedFile, { largest: number; both: number }>> {
  const atBase = await treeEntries(
    git,
    baseSha,
    files.filter((file) => file.status !== "added").map((file) => file.previousPath ?? file.path),
  );
  const atCommit = await treeEntries(
    git,
    commit,
    files.filter((file) => file.status !== "deleted").map((file) => file.path),
  );
  // A submodule's size is NaN: it is a commit, not a blob, and its patch is one line.
  const bytesOf = (entry: TreeEntry | undefined) => (entry && Number.isFinite(entry.bytes) ? entry.bytes : 0);
  const sizes = new Map<ReviewedFile, { largest: number; both: number }>();
  for (const file of files) {
    const before = file.status === "added" ? 0 : bytesOf(atBase.get(file.previousPath ?? file.path));
    const after = file.status === "deleted" ? 0 : bytesOf(atCommit.get(file.path));
    sizes.set(file, { largest: Math.max(before, after), both: before + after });
  }
  return sizes;
}
