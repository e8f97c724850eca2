/**
 * How big a commit's working tree would be once checked out, read from `git ls-tree` before any
 * file is written. A few kilobytes pushed can expand to 100,000 files and a gigabyte (git compresses
 * repeated content well), and the local forge's CI checks a commit out outside any sandbox: past
 * these limits it refuses, with a reason, instead of filling the supervisor's disk. The limits grow
 * with the project, so a large repository is never refused for being itself.
 */

export interface TreeSize {
  files: number;
  bytes: number;
}

/** `git ls-tree -r -l -z` output, summed; submodules and symlinks count as files of their size. */
export function treeSizeOf(lsTreeOutput: string): TreeSize {
  let files = 0;
  let bytes = 0;
  for (const entry of lsTreeOutput.split("\0")) {
    if (entry === "") continue;
    const size = /^\S+ \S+ \S+\s+(\d+|-)\t/.exec(entry)?.[1];
    files += 1;
    if (size !== undefined && size !== "-") bytes += Number(size);
  }
  return { files, bytes };
}

const minimumFiles = 20_000;
const minimumBytes = 512 * 1024 ** 2;
/** How many times the base's own size a commit may reach. */
const growthFactor = 4;

/** Why the commit's tree may not be checked out, or null when it may. */
export function treeLimitProblem(commit: TreeSize, base: TreeSize): string | null {
  const maxFiles = Math.max(minimumFiles, base.files * growthFactor);
  const maxBytes = Math.max(minimumBytes, base.bytes * growthFactor);
  if (commit.files <= maxFiles && commit.bytes <= maxBytes) return null;
  return `the commit's tree holds ${commit.files} files and ${formatMegabytes(commit.bytes)}, past what CI checks out (${maxFiles} files, ${formatMegabytes(maxBytes)}: ${growthFactor} times the base's ${base.files} files and ${formatMegabytes(base.bytes)}, or at least ${minimumFiles} files and ${formatMegabytes(minimumBytes)})`;
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}
