/**
 * The bubblewrap arguments of one isolated command, computed from a layout the caller inspected on
 * disk. Pure: which paths exist, what they resolve to and which are directories are facts passed
 * in (see isolation.ts), so every mount decision is tested on data.
 *
 * The sandbox starts from bwrap's empty root, not from the host's `/` made read-only: only the
 * system directories, the policy's paths and private temporary space are mounted, so a secret
 * nobody thought to list (~/.npmrc, ~/.netrc, another tool's token file) is invisible too. `hidden`
 * then masks what must stay invisible inside a mounted directory, e.g. the state dir whose
 * checkout and mirror are mounted.
 */

/** Inside the sandbox: the private, empty, writable temporary directory; TMPDIR points here. */
export const privateTemporaryDirectory = "/tmp";

export interface SandboxLayout {
  /** Top-level system entries that exist: directories are mounted read-only, symlinks recreated. */
  system: SystemEntry[];
  /** Real paths (symlinks resolved), each an existing directory. */
  writable: string[];
  readOnly: string[];
  /** Existing paths to mask; a missing one has nothing to hide. */
  hidden: HiddenPath[];
  /** Existing unix sockets, bound read-only (connecting needs no write access to the mount). */
  sockets: string[];
  /** The command's HOME: an empty private tmpfs unless a writable path holds it or the policy names it. */
  home: string | undefined;
  /**
   * The persistent folder (a real, existing path) mounted at HOME instead of the tmpfs (`whole`),
   * or at HOME/.cache inside it (`caches`); see CommandHome.
   */
  persistentHome?: { kind: "whole" | "caches"; directory: string } | undefined;
  /** Real path of the command's directory. */
  workingDirectory: string;
  network: "none" | "host";
}

export type SystemEntry =
  | { path: string; symlinkTarget?: undefined }
  | { path: string; symlinkTarget: string };

export interface HiddenPath {
  path: string;
  isDirectory: boolean;
}

type Mount =
  /** `source`: the host folder shown at this path when it is another one (a persistent HOME). */
  | { kind: "bind"; isWritable: boolean; source?: string }
  | { kind: "symlink"; target: string }
  | { kind: "tmpfs" }
  | { kind: "devices" }
  | { kind: "processes" }
  | { kind: "hidden"; isDirectory: boolean };

/**
 * `--unshare-all` gives the command its own user, PID, network, IPC, UTS and cgroup namespaces:
 * the PID namespace hides every other process (and their /proc/<pid>/environ) and, because its
 * init is bwrap, ends every process of the command when the command's main process ends or bwrap
 * is killed. `--share-net` undoes only the network part.
 * `--cap-drop ALL`: bwrap started by root keeps every capability inside by default, and with
 * CAP_SYS_ADMIN `mount -o remount,rw,bind /usr` succeeded in the sandbox (verified on bwrap 0.8).
 * `--new-session`: no TIOCSTI injection into the supervisor's terminal.
 * `--die-with-parent`: the sandbox dies with the supervisor.
 */
export function isolationArguments(layout: SandboxLayout): string[] {
  const mounts = collectMounts(layout);
  const argumentsList = [
    "--unshare-all",
    ...(layout.network === "host" ? ["--share-net"] : []),
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
  ];
  const readOnlyAtEnd: string[] = [];
  // Parents before children, so a deeper entry is mounted over (or inside) a shallower one.
  const ordered = [...mounts.entries()].sort(([left], [right]) => depth(left) - depth(right));
  for (const [path, mount] of ordered) {
    const parent = nearestMountedAncestor(mounts, path);
    switch (mount.kind) {
      case "bind":
        // The same host directory with the same access is already visible through the parent.
        if (
          parent?.kind === "bind" &&
          parent.isWritable === mount.isWritable &&
          parent.source === undefined &&
          mount.source === undefined
        )
          break;
        argumentsList.push(mount.isWritable ? "--bind" : "--ro-bind", mount.source ?? path, path);
        break;
      case "symlink":
        argumentsList.push("--symlink", mount.target, path);
        break;
      case "tmpfs":
        argumentsList.push("--tmpfs", path);
        break;
      case "devices":
        argumentsList.push("--dev", path);
        break;
      case "processes":
        argumentsList.push("--proc", path);
        break;
      case "hidden":
        // Only a host directory mounted above it at its own path can show it; under bwrap's root, a
        // private tmpfs or a persistent HOME (another folder shown there) it does not exist.
        if (parent?.kind !== "bind" || parent.source !== undefined) break;
        if (mount.isDirectory) {
          argumentsList.push("--tmpfs", path);
          // Made read-only only at the end: mounts deeper inside it (a socket, a checkout in the
          // state dir) first need their mount points created.
          readOnlyAtEnd.push(path);
        } else {
          // bwrap mounts it nodev, so the file cannot even be opened: "Permission denied".
          argumentsList.push("--ro-bind", "/dev/null", path);
        }
        break;
    }
  }
  for (const path of readOnlyAtEnd) argumentsList.push("--remount-ro", path);
  // bwrap's own root is a writable tmpfs; without this, `touch /anything` would succeed.
  argumentsList.push("--remount-ro", "/");
  argumentsList.push("--chdir", layout.workingDirectory);
  return argumentsList;
}

/**
 * One mount per path. When a path is named twice, the later and stricter kind wins: writable is
 * overridden by read-only, and everything by hidden.
 */
function collectMounts(layout: SandboxLayout): Map<string, Mount> {
  const mounts = new Map<string, Mount>();
  for (const entry of layout.system) {
    mounts.set(
      entry.path,
      entry.symlinkTarget === undefined
        ? { kind: "bind", isWritable: false }
        : { kind: "symlink", target: entry.symlinkTarget },
    );
  }
  mounts.set("/dev", { kind: "devices" });
  mounts.set("/proc", { kind: "processes" });
  mounts.set(privateTemporaryDirectory, { kind: "tmpfs" });
  const home = layout.home;
  if (home !== undefined && home !== "/" && !layout.writable.some((path) => isInside(home, path))) {
    const persistent = layout.persistentHome;
    if (persistent?.kind === "whole") {
      mounts.set(home, { kind: "bind", isWritable: true, source: persistent.directory });
    } else {
      mounts.set(home, { kind: "tmpfs" });
      if (persistent?.kind === "caches") {
        mounts.set(`${home}/.cache`, { kind: "bind", isWritable: true, source: persistent.directory });
      }
    }
  }
  for (const path of layout.writable) mounts.set(path, { kind: "bind", isWritable: true });
  for (const path of layout.sockets) mounts.set(path, { kind: "bind", isWritable: false });
  for (const path of layout.readOnly) mounts.set(path, { kind: "bind", isWritable: false });
  for (const hidden of layout.hidden) {
    mounts.set(hidden.path, { kind: "hidden", isDirectory: hidden.isDirectory });
  }
  return mounts;
}

function nearestMountedAncestor(mounts: Map<string, Mount>, path: string): Mount | undefined {
  let current = path;
  while (current !== "/") {
    current = parentOf(current);
    const mount = mounts.get(current);
    if (mount !== undefined) return mount;
  }
  return undefined;
}

/** True when `path` is `directory` or lies below it. Both are normalized absolute paths. */
export function isInside(path: string, directory: string): boolean {
  if (directory === "/") return true;
  return path === directory || path.startsWith(`${directory}/`);
}

function parentOf(path: string): string {
  const index = path.lastIndexOf("/");
  return index <= 0 ? "/" : path.slice(0, index);
}

function depth(path: string): number {
  return path.split("/").filter((part) => part !== "").length;
}
