/**
 * What a commit's tree holds at some paths, read by `git ls-tree -l`: each entry's type, object and
 * size, so the gates know what a file is and how large before they read it.
 */
import type { SafeGit } from "../workspace/index.ts";

export interface TreeEntry {
  /** `blob`, or `commit` for a submodule. */
  type: string;
  object: string;
  /** NaN for a submodule, which git lists with size "-". */
  bytes: number;
}

/** Paths per git command, so one command line stays small whatever the change's size. */
export const pathsPerCommand = 200;

/** :(literal) keeps a path with `*` or `?` from matching other files as a glob. */
export function literal(path: string): string {
  return `:(literal)${path}`;
}

/** The entries at `paths` in `revision`, by path; a path the tree lacks has none. */
export async function treeEntries(
  git: SafeGit,
  revision: string,
  paths: readonly string[],
): Promise<Map<string, TreeEntry>> {
  const entries = new Map<string, TreeEntry>();
  const unique = [...new Set(paths)];
  for (let start = 0; start < unique.length; start += pathsPerCommand) {
    const pathspecs = unique.slice(start, start + pathsPerCommand).map(literal);
    const listing = await git.raw(["ls-tree", "-r", "-l", "-z", "--full-tree", revision, "--", ...pathspecs]);
    for (const record of listing.split("\0")) {
      const tab = record.indexOf("\t");
      if (tab === -1) continue;
      const [, type, object, size] = record.slice(0, tab).split(/ +/);
      if (type && object) entries.set(record.slice(tab + 1), { type, object, bytes: Number(size) });
    }
  }
  return entries;
}
