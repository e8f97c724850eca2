/**
 * Commits a worker could push to attack the supervisor's own git: a few kilobytes of objects that
 * expand, once checked out, to 100,000 files, one huge file, or a path nested past the limits.
 * Built with plumbing (hash-object, mktree, commit-tree), so each takes well under a second.
 */
import { execa } from "execa";

const environment = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Worker",
  GIT_AUTHOR_EMAIL: "worker@example.invalid",
  GIT_COMMITTER_NAME: "Worker",
  GIT_COMMITTER_EMAIL: "worker@example.invalid",
};

async function plumbing(repository: string, args: string[], input?: string | Buffer): Promise<string> {
  const result = await execa("git", args, {
    cwd: repository,
    env: environment,
    extendEnv: false,
    ...(input === undefined ? {} : { input }),
  });
  return result.stdout.trim();
}

function blob(repository: string, content: string | Buffer): Promise<string> {
  return plumbing(repository, ["hash-object", "-w", "--stdin"], content);
}

function tree(repository: string, entries: readonly string[]): Promise<string> {
  return plumbing(repository, ["mktree"], entries.map((entry) => `${entry}\n`).join(""));
}

/** A commit on `parent` whose tree is `parent`'s plus `name` (a blob or a tree). */
async function commitWith(
  repository: string,
  parent: string,
  entry: { mode: string; type: string; object: string; name: string },
  message: string,
): Promise<string> {
  const listing = (await plumbing(repository, ["ls-tree", parent])).split("\n").filter((line) => line !== "");
  const root = await tree(repository, [
    ...listing,
    `${entry.mode} ${entry.type} ${entry.object}\t${entry.name}`,
  ]);
  return plumbing(repository, ["commit-tree", root, "-p", parent, "-m", message]);
}

/**
 * `files` paths naming one small blob: `bomb/d<i>/f<j>`, a folder of 1,000 entries named by
 * another folder `files / 1000` times. Two trees of a few tens of kilobytes in all.
 */
export async function commitManyFiles(repository: string, parent: string, files: number): Promise<string> {
  const perFolder = Math.min(files, 1000);
  const content = await blob(repository, "boom\n");
  const folder = await tree(
    repository,
    Array.from({ length: perFolder }, (_, index) => `100644 blob ${content}\tf${index}`),
  );
  const top = await tree(
    repository,
    Array.from({ length: Math.ceil(files / perFolder) }, (_, index) => `040000 tree ${folder}\td${index}`),
  );
  return commitWith(
    repository,
    parent,
    { mode: "040000", type: "tree", object: top, name: "bomb" },
    "many files",
  );
}

/** One file `depth` levels deep: `deep/a/a/…/leaf`. */
export async function commitDeepPath(repository: string, parent: string, depth: number): Promise<string> {
  let current = await tree(repository, [`100644 blob ${await blob(repository, "deep\n")}\tleaf`]);
  for (let level = 2; level < depth; level++) current = await tree(repository, [`040000 tree ${current}\ta`]);
  return commitWith(
    repository,
    parent,
    { mode: "040000", type: "tree", object: current, name: "deep" },
    "deep",
  );
}

/** One file of `bytes` zeros at `large.bin`: compressed, it is stored in about a thousandth of that. */
export async function commitLargeFile(repository: string, parent: string, bytes: number): Promise<string> {
  const content = await blob(repository, Buffer.alloc(bytes));
  return commitWith(
    repository,
    parent,
    { mode: "100644", type: "blob", object: content, name: "large.bin" },
    "large",
  );
}

/** One file whose name is `bytes` long: git stores any name, no file system writes one past 255. */
export async function commitLongName(repository: string, parent: string, bytes: number): Promise<string> {
  const content = await blob(repository, "long\n");
  return commitWith(
    repository,
    parent,
    { mode: "100644", type: "blob", object: content, name: "n".repeat(bytes) },
    "long",
  );
}
