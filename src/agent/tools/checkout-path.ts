/**
 * Opens a file tool's `path` beneath the worker's checkout, and nowhere else. The file tools run in
 * the supervisor's own process, outside any sandbox, so a path is never checked and then opened
 * again by name: a worker racing its own tools could swap a folder for a symlink in between and
 * reach the supervisor user's files. Instead every component is opened relative to the descriptor
 * of its parent (through `/proc/self/fd/N/NAME`, Node's stand-in for `openat`) with `O_NOFOLLOW`,
 * and a symlink met on the way is read and resolved again from the checkout's root descriptor, as
 * `openat2(RESOLVE_BENEATH)` does. No name is ever looked up from `/`, so nothing outside the
 * checkout can be reached, whatever the worker does to the tree meanwhile.
 *
 * Writing inside `.git` is refused too: history changes go through `git` in the bash tool, where
 * the sandbox watches them.
 */
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, realpath } from "node:fs/promises";
import { isAbsolute, posix, relative, resolve, sep } from "node:path";

export type PathPurpose = "read" | "write" | "edit";

export type CheckoutFileOpening =
  | {
      isInside: true;
      /** Open on the file (or, when `isDirectory`, on the directory); the caller closes it. */
      handle: FileHandle;
      isDirectory: boolean;
      /** Where the path led, relative to the checkout root, symlinks resolved. */
      relativePath: string;
    }
  | { isInside: false; problem: string; missing?: boolean };

/** Symlinks followed for one path at most, as the kernel's own limit (MAXSYMLINKS). */
const maxSymlinks = 40;
const example = 'a path relative to the checkout root, e.g. "src/index.ts"';

function finalFlags(purpose: PathPurpose, mayCreate: boolean): number {
  const access = { read: constants.O_RDONLY, write: constants.O_WRONLY, edit: constants.O_RDWR }[purpose];
  // O_NONBLOCK: a FIFO planted in the checkout must not hang the supervisor on open.
  return access | (mayCreate ? constants.O_CREAT : 0) | constants.O_NOFOLLOW | constants.O_NONBLOCK;
}

interface OpenDirectory {
  name: string;
  handle: FileHandle;
}

export async function openInCheckout(
  checkoutPath: string,
  requested: string,
  purpose: PathPurpose,
): Promise<CheckoutFileOpening> {
  if (requested.trim() === "") return refuse(`The path is empty; give ${example}.`);
  if (requested.includes("\0")) return refuse(`The path contains a NUL byte; give ${example}.`);
  if (isAbsolute(requested)) {
    return refuse(
      `"${requested}" is an absolute path. File tools take ${example}; nothing outside the checkout is reachable.`,
    );
  }
  if (isOutside(relative(resolve(checkoutPath), resolve(checkoutPath, requested)))) {
    return refuse(
      `"${requested}" climbs out of the checkout with "..". File tools take ${example}, inside the checkout.`,
    );
  }
  const rootPaths = [resolve(checkoutPath), await realpath(checkoutPath)];
  const root = await open(checkoutPath, constants.O_RDONLY | constants.O_DIRECTORY);
  const opened: OpenDirectory[] = [{ name: "", handle: root }];
  try {
    const result = await walk(requested, purpose, opened, rootPaths);
    return result;
  } finally {
    // Every directory descriptor is closed; the file's own handle (if any) is the caller's.
    await Promise.all(opened.map((directory) => directory.handle.close().catch(() => {})));
  }
}

async function walk(
  requested: string,
  purpose: PathPurpose,
  opened: OpenDirectory[],
  rootPaths: readonly string[],
): Promise<CheckoutFileOpening> {
  let pending = segmentsOf(requested);
  let symlinksFollowed = 0;
  // Creating is allowed only for the name the worker gave: a symlink whose target is missing is
  // not a way to create that target.
  let mayCreate = purpose === "write";
  if (pending.length === 0) {
    if (purpose !== "read") return refuse(`"${requested}" is the checkout root, a directory; name a file.`);
    const handle = await open(`${descriptorPath(opened)}/.`, constants.O_RDONLY | constants.O_DIRECTORY);
    return { isInside: true, handle, isDirectory: true, relativePath: "." };
  }
  while (pending.length > 0) {
    const name = pending[0]!;
    pending = pending.slice(1);
    if (name === "..") {
      // Only a symlink's target can bring a ".." here (the requested path was checked above).
      if (opened.length === 1) return refuseOutside(requested, "a folder above the checkout");
      await opened.pop()!.handle.close();
      continue;
    }
    const isLast = pending.length === 0;
    if (purpose !== "read" && name.toLowerCase() === ".git") {
      return refuse(
        `"${requested}" is inside .git; file tools do not write there. Change history with git commands through the bash tool.`,
      );
    }
    const path = `${descriptorPath(opened)}/${name}`;
    const flags = isLast
      ? finalFlags(purpose, mayCreate)
      : constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
    let handle: FileHandle;
    try {
      handle = await openAs(path, flags, purpose, isLast);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === "ELOOP" || code === "ENOTDIR" || code === "EISDIR") && (await isSymbolicLink(path))) {
        symlinksFollowed += 1;
        if (symlinksFollowed > maxSymlinks) {
          return refuse(`"${requested}" goes through more than ${maxSymlinks} symlinks; use ${example}.`);
        }
        const target = await readlink(path).catch(() => null);
        // The link was swapped for something else between the two looks: look at the name again.
        if (target === null) {
          pending = [name, ...pending];
          continue;
        }
        const followed = await followLink(target, opened, rootPaths);
        if (followed === null) return refuseOutside(requested, displayTarget(opened, rootPaths, target));
        pending = [...followed, ...pending];
        if (isLast) mayCreate = false;
        continue;
      }
      if (isLast && code === "EISDIR") {
        return refuse(`"${requested}" is a directory; name a file inside it.`);
      }
      if (code === "ENOENT" && !isLast && purpose === "write") {
        await mkdir(path).catch((mkdirError: NodeJS.ErrnoException) => {
          if (mkdirError.code !== "EEXIST") throw mkdirError;
        });
        pending = [name, ...pending];
        continue;
      }
      if (code === "ENOENT" && isLast && purpose === "write" && !mayCreate) {
        return refuse(
          `"${requested}" goes through a symlink whose target does not exist; file tools do not follow it. Use ${example}.`,
        );
      }
      if (code === "ENOENT" || code === "ENOTDIR") return { isInside: false, problem: "", missing: true };
      throw error;
    }
    if (!isLast) {
      opened.push({ name, handle });
      continue;
    }
    const relativePath = [...opened.slice(1).map((directory) => directory.name), name].join("/");
    const stats = await handle.stat();
    if (stats.isDirectory()) return { isInside: true, handle, isDirectory: true, relativePath };
    if (!stats.isFile()) {
      await handle.close();
      return refuse(
        `"${requested}" is not a regular file (a device, socket or pipe); file tools read files.`,
      );
    }
    return { isInside: true, handle, isDirectory: false, relativePath };
  }
  return refuse(`"${requested}" names no file; give ${example}.`);
}

/** Opens one component; a directory met where a file is written is reported as EISDIR. */
async function openAs(
  path: string,
  flags: number,
  purpose: PathPurpose,
  isLast: boolean,
): Promise<FileHandle> {
  try {
    return await open(path, flags, 0o644);
  } catch (error) {
    // Opening a directory for writing fails with EISDIR; for reading it is what we want.
    if (isLast && purpose === "read" && (error as NodeJS.ErrnoException).code === "EISDIR") {
      return await open(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    }
    throw error;
  }
}

/**
 * The components to resolve next, from the current directory, for a symlink's target; null when
 * the target lies outside the checkout. An absolute target inside the checkout restarts from the
 * root descriptor (popping every directory opened on the way).
 */
async function followLink(
  target: string,
  opened: OpenDirectory[],
  rootPaths: readonly string[],
): Promise<string[] | null> {
  if (!isAbsolute(target)) {
    const segments = segmentsOf(target);
    let depth = opened.length - 1;
    for (const segment of segments) {
      depth += segment === ".." ? -1 : 1;
      if (depth < 0) return null;
    }
    return segments;
  }
  for (const rootPath of rootPaths) {
    const inside = relative(rootPath, posix.normalize(target));
    if (isOutside(inside)) continue;
    while (opened.length > 1) await opened.pop()!.handle.close();
    return segmentsOf(inside);
  }
  return null;
}

function displayTarget(opened: OpenDirectory[], rootPaths: readonly string[], target: string): string {
  if (isAbsolute(target)) return target;
  const here = [rootPaths[0]!, ...opened.slice(1).map((directory) => directory.name)].join(sep);
  return resolve(here, target);
}

function descriptorPath(opened: OpenDirectory[]): string {
  return `/proc/self/fd/${opened.at(-1)!.handle.fd}`;
}

function segmentsOf(path: string): string[] {
  return path.split("/").filter((segment) => segment !== "" && segment !== ".");
}

function refuse(problem: string): CheckoutFileOpening {
  return { isInside: false, problem };
}

function refuseOutside(requested: string, target: string): CheckoutFileOpening {
  return refuse(
    `"${requested}" resolves through a symlink to ${target}, outside the checkout. File tools reach only files inside the checkout.`,
  );
}

function isOutside(relativePath: string): boolean {
  return relativePath === ".." || relativePath.startsWith(`..${sep}`) || isAbsolute(relativePath);
}

async function isSymbolicLink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Makes the open file hold exactly `content`, written through the descriptor, never by name. */
export async function replaceContent(handle: FileHandle, content: Uint8Array): Promise<void> {
  await handle.truncate(0);
  let offset = 0;
  while (offset < content.length) {
    const { bytesWritten } = await handle.write(content, offset, content.length - offset, offset);
    offset += bytesWritten;
  }
}
