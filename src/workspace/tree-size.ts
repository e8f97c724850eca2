/**
 * How big a commit's working tree would be once checked out, read from its objects before any
 * file is written: `git ls-tree -r` streamed and counted (never kept whole), then the size of each
 * distinct blob from `git cat-file --batch-check`. A few kilobytes of trees can name one blob a
 * billion times, so counting stops at a ceiling and the figures then say "at least".
 */

/** The part of SafeGit a measurement needs; the local forge adapts its own git to it. */
export interface TreeReader {
  stream(
    args: readonly string[],
    onStdout: (chunk: Buffer) => boolean,
    options?: { input?: string },
  ): Promise<{ isStopped: boolean }>;
  raw(args: readonly string[], options?: { input?: string }): Promise<string>;
}

export interface TreeSize {
  /** Entries that are not folders: files, symbolic links, submodules. */
  files: number;
  /** The blobs' sizes summed per entry: one blob at two paths is written twice. */
  bytes: number;
  largestBlob: { path: string; bytes: number } | null;
  /** Depth counts the path's parts: `a/b/c` is 3. */
  deepestPath: { path: string; depth: number } | null;
  /** In bytes, as the path is written to disk. */
  longestPath: { path: string; bytes: number } | null;
  /** Counting stopped at the ceiling: every figure is a lower bound. */
  isPartial: boolean;
}

export const emptyTreeSize: TreeSize = {
  files: 0,
  bytes: 0,
  largestBlob: null,
  deepestPath: null,
  longestPath: null,
  isPartial: false,
};

/**
 * A record longer than this stops the listing: it is kept whole until its end, and a tree entry's
 * name can be a gigabyte that compresses to a kilobyte. Far past any path a file system writes
 * (PATH_MAX is 4 KiB), so no path a checkout could write is cut.
 */
export const maxRecordBytes = 64 * 1024;

/** Blobs asked about per cat-file: its input and output stay a few megabytes. */
const blobsPerBatch = 50_000;

export async function measureTree(
  git: TreeReader,
  revision: string,
  options: { stopAfterFiles: number },
): Promise<TreeSize> {
  const listing = createTreeListing(options.stopAfterFiles);
  // Without -l: it looks each entry's size up again, 100,000 lookups of one loose blob took 2.7 s.
  const { isStopped } = await git.stream(
    ["ls-tree", "-r", "-z", "--full-tree", "--end-of-options", revision],
    (chunk) => listing.read(chunk),
  );
  const sizes = await blobSizes(git, [...listing.blobs.keys()]);
  let bytes = 0;
  let largestBlob: TreeSize["largestBlob"] = null;
  for (const [object, { count, path }] of listing.blobs) {
    const size = sizes.get(object) ?? 0;
    bytes += size * count;
    if (largestBlob === null || size > largestBlob.bytes) largestBlob = { path, bytes: size };
  }
  return {
    files: listing.files,
    bytes,
    largestBlob,
    deepestPath: listing.deepestPath,
    longestPath: listing.longestPath,
    isPartial: isStopped || listing.isPartial,
  };
}

interface TreeListing {
  /** Takes the next chunk of `ls-tree -r -z` output; false once the ceiling is passed. */
  read(chunk: Buffer): boolean;
  files: number;
  /** Each distinct blob: at how many paths, and the first of them. */
  blobs: Map<string, { count: number; path: string }>;
  deepestPath: TreeSize["deepestPath"];
  longestPath: TreeSize["longestPath"];
  isPartial: boolean;
}

/** Records are `<mode> <type> <object>\t<path>` and end in NUL; a chunk may end mid-record. */
export function createTreeListing(stopAfterFiles: number): TreeListing {
  let pending = Buffer.alloc(0);
  const listing: TreeListing = {
    files: 0,
    blobs: new Map(),
    deepestPath: null,
    longestPath: null,
    isPartial: false,
    read(chunk) {
      if (listing.isPartial) return false;
      let buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let end = buffer.indexOf(0);
      while (end !== -1) {
        count(buffer.subarray(0, end).toString("utf8"));
        if (listing.isPartial) return false;
        buffer = buffer.subarray(end + 1);
        end = buffer.indexOf(0);
      }
      pending = Buffer.from(buffer);
      if (pending.length > maxRecordBytes) {
        // The path is longer than this, at least; what the listing read of it names it.
        const record = pending.toString("utf8");
        listing.longestPath = { path: record.slice(record.indexOf("\t") + 1), bytes: maxRecordBytes };
        listing.isPartial = true;
        return false;
      }
      return true;
    },
  };
  function count(record: string): void {
    const tab = record.indexOf("\t");
    if (tab === -1) return;
    const [, type, object] = record.slice(0, tab).split(" ");
    const path = record.slice(tab + 1);
    listing.files += 1;
    if (listing.files > stopAfterFiles) {
      listing.files = stopAfterFiles;
      listing.isPartial = true;
      return;
    }
    const bytes = Buffer.byteLength(path);
    if (listing.longestPath === null || bytes > listing.longestPath.bytes)
      listing.longestPath = { path, bytes };
    const depth = path.split("/").length;
    if (listing.deepestPath === null || depth > listing.deepestPath.depth)
      listing.deepestPath = { path, depth };
    if (type !== "blob" || object === undefined) return;
    const seen = listing.blobs.get(object);
    if (seen) seen.count += 1;
    else listing.blobs.set(object, { count: 1, path });
  }
  return listing;
}

async function blobSizes(git: TreeReader, objects: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (let start = 0; start < objects.length; start += blobsPerBatch) {
    const batch = objects.slice(start, start + blobsPerBatch);
    const output = await git.raw(["cat-file", "--batch-check=%(objectname) %(objectsize)"], {
      input: `${batch.join("\n")}\n`,
    });
    for (const line of output.split("\n")) {
      const [object, size] = line.split(" ");
      // `<object> missing`: a tree naming a blob the repository lacks; nothing of it is written.
      if (object && size && /^\d+$/.test(size)) sizes.set(object, Number(size));
    }
  }
  return sizes;
}
