/**
 * Where this process could create cgroups with a `pids.max`: computed from the texts of
 * /proc/self/cgroup and /proc/self/mountinfo, so every layout (cgroup v2 only, v1 and v2 side by
 * side, a container's cgroup namespace) is tested on data. Whether a candidate is really writable
 * is found out by trying (process-limit.ts).
 */
import { posix } from "node:path";

export interface CgroupCandidate {
  version: 1 | 2;
  /** The cgroup directory this process is in, on the host's filesystem. */
  directory: string;
}

interface Mount {
  root: string;
  mountPoint: string;
  fileSystem: string;
  superOptions: string[];
}

/**
 * The cgroup v2 directory first (the only one on current distributions), then the v1 pids
 * hierarchy. A v2 candidate is listed whether or not the pids controller is available there;
 * process-limit.ts checks `cgroup.controllers`.
 */
export function cgroupCandidates(selfCgroup: string, mountInfo: string): CgroupCandidate[] {
  const mounts = mountInfo.split("\n").flatMap((line) => {
    const mount = parseMountLine(line);
    return mount === undefined ? [] : [mount];
  });
  const candidates: CgroupCandidate[] = [];
  const memberships = selfCgroup.split("\n").flatMap((line) => {
    // hierarchy-id:controller-list:path; the path may itself contain colons.
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) return [];
    const [, hierarchy = "", controllers = "", path = ""] = match;
    return [{ hierarchy: Number(hierarchy), controllers: controllers.split(","), path }];
  });
  const unified = memberships.find((entry) => entry.hierarchy === 0 && entry.controllers.join("") === "");
  if (unified !== undefined) {
    const mount = mounts.find((candidate) => candidate.fileSystem === "cgroup2");
    const directory = mount && directoryOf(mount, unified.path);
    if (directory !== undefined) candidates.push({ version: 2, directory });
  }
  const pids = memberships.find((entry) => entry.hierarchy !== 0 && entry.controllers.includes("pids"));
  if (pids !== undefined) {
    const mount = mounts.find(
      (candidate) => candidate.fileSystem === "cgroup" && candidate.superOptions.includes("pids"),
    );
    const directory = mount && directoryOf(mount, pids.path);
    if (directory !== undefined) candidates.push({ version: 1, directory });
  }
  return candidates;
}

/** `36 35 98:0 /root /mount/point rw,noatime shared:1 - fstype source super,options`. */
function parseMountLine(line: string): Mount | undefined {
  const separator = line.indexOf(" - ");
  if (separator === -1) return undefined;
  const [, , , root, mountPoint] = line.slice(0, separator).split(" ");
  const [fileSystem, , superOptions = ""] = line.slice(separator + 3).split(" ");
  if (root === undefined || mountPoint === undefined || fileSystem === undefined) return undefined;
  return {
    root: unescapeMountPath(root),
    mountPoint: unescapeMountPath(mountPoint),
    fileSystem,
    superOptions: superOptions.split(","),
  };
}

/** The path of a cgroup as seen through a mount of its hierarchy, if the mount shows it. */
function directoryOf(mount: Mount, cgroupPath: string): string | undefined {
  const relative = posix.relative(mount.root, cgroupPath);
  if (relative.startsWith("..") || posix.isAbsolute(relative)) return undefined;
  return posix.join(mount.mountPoint, relative);
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}
