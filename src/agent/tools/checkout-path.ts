/**
 * Resolves a file tool's `path` inside the worker's checkout and refuses every way out: absolute
 * paths, `..` climbing above the root, and symlinks whose target lies outside (the deepest existing
 * ancestor is realpath'd, so a link anywhere along the path counts). Writing inside `.git` is
 * refused too: history changes go through `git` in the bash tool, where the sandbox watches them.
 *
 * A symlink swapped in between this check and the read or write can still escape; the sandbox of
 * the bash tool, not this check, is the boundary against a worker racing itself.
 */
import { lstat, realpath } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

export type CheckoutPathResolution =
  | { isInside: true; absolutePath: string; relativePath: string }
  | { isInside: false; problem: string };

export type PathPurpose = "read" | "write";

export async function resolveCheckoutPath(
  checkoutPath: string,
  requested: string,
  purpose: PathPurpose,
): Promise<CheckoutPathResolution> {
  const example = 'a path relative to the checkout root, e.g. "src/index.ts"';
  if (requested.trim() === "") return refuse(`The path is empty; give ${example}.`);
  if (requested.includes("\0")) return refuse(`The path contains a NUL byte; give ${example}.`);
  if (isAbsolute(requested)) {
    return refuse(
      `"${requested}" is an absolute path. File tools take ${example}; nothing outside the checkout is reachable.`,
    );
  }
  const lexicalPath = resolve(checkoutPath, requested);
  if (isOutside(relative(resolve(checkoutPath), lexicalPath))) {
    return refuse(
      `"${requested}" climbs out of the checkout with "..". File tools take ${example}, inside the checkout.`,
    );
  }

  const realRoot = await realpath(checkoutPath);
  const realTarget = await realpathOfDeepestAncestor(lexicalPath);
  if (realTarget === null) {
    return refuse(
      `"${requested}" goes through a symlink whose target does not exist; file tools do not follow it. Use ${example}.`,
    );
  }
  const relativePath = relative(realRoot, realTarget);
  if (isOutside(relativePath)) {
    return refuse(
      `"${requested}" resolves through a symlink to ${realTarget}, outside the checkout. File tools reach only files inside the checkout.`,
    );
  }
  if (purpose === "write") {
    if (relativePath === "") return refuse(`"${requested}" is the checkout root, a directory; name a file.`);
    if (relativePath.split(sep).some((segment) => segment.toLowerCase() === ".git")) {
      return refuse(
        `"${requested}" is inside .git; file tools do not write there. Change history with git commands through the bash tool.`,
      );
    }
  }
  return { isInside: true, absolutePath: realTarget, relativePath: relativePath === "" ? "." : relativePath };
}

function refuse(problem: string): CheckoutPathResolution {
  return { isInside: false, problem };
}

function isOutside(relativePath: string): boolean {
  return relativePath === ".." || relativePath.startsWith(`..${sep}`) || isAbsolute(relativePath);
}

/**
 * The real path of `path`, following every symlink of its deepest existing ancestor; the missing
 * rest is appended as written. Null when a missing component is a dangling symlink: writing through
 * it would create its target, wherever that is.
 */
async function realpathOfDeepestAncestor(path: string): Promise<string | null> {
  const missing: string[] = [];
  let candidate = path;
  for (;;) {
    try {
      return join(await realpath(candidate), ...missing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && code !== "ENOTDIR") throw error;
    }
    if (await isSymbolicLink(candidate)) return null;
    const parent = dirname(candidate);
    if (parent === candidate) return join(candidate, ...missing);
    missing.unshift(basename(candidate));
    candidate = parent;
  }
}

async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}
