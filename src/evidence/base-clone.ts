/**
 * The base commit checked out for a command to run there: a throwaway clone, detached at the base,
 * with the dependency folders the claim runs with lent in. diff_scope runs the check there; a
 * metric gate, its command.
 */
import { lstatSync } from "node:fs";
import { copyFile, link, lstat, mkdir, readdir, readlink, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createSafeGit, GitCommandError, type SafeGitOptions } from "../workspace/index.ts";

export interface BaseCheckoutRequest {
  /** The workstream's checkout: it holds the base commit, and the installed dependencies to lend. */
  checkoutPath: string;
  /**
   * A repository no worker writes to that holds the base (the supervisor's mirror), cloned instead
   * of the checkout: a worker controls its checkout's .git (a FIFO or a dangling link among the
   * objects stalled or failed the clone, so the base never ran).
   */
  cloneFrom?: string;
  /**
   * Lends its dependency folders first (the user's repository), so a worker cannot plant a
   * `node_modules/.bin` that fakes the base run; the checkout's are lent only where it has none,
   * and such a run is cached for this checkout alone.
   */
  trustedDependenciesPath?: string;
  /** A full SHA. */
  baseSha: string;
  /**
   * Untracked folders of the checkout the base clone gets too (hard-linked), so the base runs with
   * the dependencies the claim runs with. Default `node_modules`: Node finds packages relative to
   * the code, while a Python venv or a Go or Cargo cache names absolute paths or lives outside.
   */
  dependencyFolders?: readonly string[] | undefined;
  /** PATH and HOME for git. */
  gitEnvironment?: SafeGitOptions["environment"];
}

/** Checks the base out at `clone` with its dependencies lent; the error message when git failed. */
export async function checkOutBase(request: BaseCheckoutRequest, clone: string): Promise<string | null> {
  const cloneError = await cloneAt(request, clone);
  if (cloneError !== null) return cloneError;
  await lendDependencies(dependencySources(request), clone);
  return null;
}

/** A clone of the checkout at `baseSha`, detached; the error message when git failed. */
async function cloneAt(request: BaseCheckoutRequest, clone: string): Promise<string | null> {
  try {
    const outside = await createSafeGit(dirname(clone), { environment: request.gitEnvironment });
    // A local clone copies the checkout's own objects (the worker's few commits) and borrows the
    // rest from the mirror, through the alternates it inherits: git still works inside the sandbox,
    // which shows the mirror but hides the checkout. --shared (borrowing from the checkout) broke
    // that; hard links would let the command rewrite the checkout's object files in place.
    // From the mirror, --shared: its objects are borrowed (it is visible in the sandbox, and never
    // collects garbage), nothing is copied.
    await outside.raw([
      "clone",
      "--quiet",
      request.cloneFrom ? "--shared" : "--no-hardlinks",
      "--no-checkout",
      "--",
      request.cloneFrom ?? request.checkoutPath,
      clone,
    ]);
    const git = await createSafeGit(clone, { environment: request.gitEnvironment });
    await git.raw(["checkout", "--quiet", "--detach", request.baseSha]);
    return null;
  } catch (error) {
    if (error instanceof GitCommandError) return error.message;
    throw error;
  }
}

/**
 * Each dependency folder the base clone gets, and where from: the trusted repository's when it
 * has one, else the checkout's. One rule for the lending and the cache key, so they agree.
 */
function dependencySources(request: BaseCheckoutRequest): { folder: string; source: string }[] {
  const candidates = request.trustedDependenciesPath
    ? [request.trustedDependenciesPath, request.checkoutPath]
    : [request.checkoutPath];
  return (request.dependencyFolders ?? ["node_modules"]).flatMap((folder) => {
    const directory = candidates.find((candidate) => isDirectorySync(join(candidate, folder)));
    return directory === undefined ? [] : [{ folder, source: join(directory, folder) }];
  });
}

/**
 * Hard links, file by file: a checkout's node_modules links in under a second where a copy of its
 * hundreds of megabytes takes many. Unlike git objects these are no evidence, only the packages the
 * worker installed; a base command that rewrote one in place would change the checkout's copy too.
 * Symbolic links are recreated, never followed. A folder the base itself tracks, or one the
 * checkout lacks or holds as a link, is left alone.
 */
async function lendDependencies(
  sources: readonly { folder: string; source: string }[],
  clone: string,
): Promise<void> {
  for (const { folder, source } of sources) {
    const target = join(clone, folder);
    if ((await lstat(target).catch(() => null)) === null) await linkTree(source, target);
  }
}

/** The checkout, when one of its own dependency folders is lent: such a base run is its own. */
export function lentFromCheckout(request: BaseCheckoutRequest): string {
  const fromCheckout = dependencySources(request).some(
    ({ folder, source }) => source === join(request.checkoutPath, folder),
  );
  return fromCheckout ? request.checkoutPath : "";
}

function isDirectorySync(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

async function linkTree(source: string, target: string): Promise<void> {
  await mkdir(target);
  const entries = await readdir(source, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      const from = join(source, entry.name);
      const to = join(target, entry.name);
      if (entry.isDirectory()) return linkTree(from, to);
      if (entry.isSymbolicLink()) return symlink(await readlink(from), to);
      if (!entry.isFile()) return;
      // Another file system (EXDEV) or a file with too many links: copy that one.
      await link(from, to).catch(() => copyFile(from, to));
    }),
  );
}
