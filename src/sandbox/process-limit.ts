/**
 * A bound on how many processes one command may have at once, so a fork storm stops at the
 * bound (fork fails with EAGAIN) instead of exhausting the machine's pid space.
 *
 * RLIMIT_NPROC alone cannot do it: the kernel never applies it to root, and bubblewrap started by
 * root maps the sandbox's user to root. So where it can, each command gets a cgroup of its own
 * under the pids controller, with `pids.max` (which counts threads too, like every pids bound):
 * - cgroup v2, when the supervisor's own cgroup offers the pids controller to children (the root
 *   cgroup, or one delegated with `+pids` in its subtree_control);
 * - else the cgroup v1 pids hierarchy, when it is writable (root in most containers).
 * The runner's wrapper shell moves itself into the command's cgroup before it execs the command,
 * so nothing the command starts is ever outside it; the cgroup also lists every process to kill
 * afterwards, even those that left the process group and dropped the tree's marker.
 *
 * How it moves matters for latency. Writing a pid to `cgroup.procs` takes the kernel's global
 * threadgroup lock, whose write side waits for an RCU grace period: 11-14 ms added to every
 * command here (cgroup v1, kernel 6.18), when commands are tens of ms apart. Writing `0` (itself)
 * to v1's per-thread `tasks` file skips that lock (the kernel needs no threadgroup stability to
 * move the calling thread), and bash is single-threaded, so the process moves whole: nothing
 * measurable added. v2 has no such file for domain cgroups, so it writes `cgroup.procs` and pays
 * the grace period unless the hierarchy is mounted with `favordynmods`.
 *
 * Elsewhere: a non-root supervisor sets RLIMIT_NPROC with bash's `ulimit -u` in the same wrapper
 * (no `prlimit` process needed). That limit counts every task of the user, not only the
 * command's, so it is set to the user's task count at the start of the run plus the bound. Root
 * without a writable pids cgroup runs unbounded, and the facts say so for status and bundles.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CgroupCandidate, cgroupCandidates } from "./cgroup-discovery.ts";
import { isProcessAlive } from "./process-sweep.ts";
import { runProgram } from "./run-program.ts";

export type ProcessLimitKind = "cgroup-v2" | "cgroup-v1" | "rlimit" | "none";

/** How this run bounds each command's processes: shown in status and in every bundle. */
export interface ProcessLimitFacts {
  kind: ProcessLimitKind;
  /** The bound in force: pids.max of each command, or the user's RLIMIT_NPROC; null when unbounded. */
  maxProcesses: number | null;
  /** How the bound works here, or why there is none. */
  detail: string;
}

export interface ProcessLimit {
  readonly facts: ProcessLimitFacts;
  /** Sets up the bound of one command, before it starts. */
  prepare(commandId: string): Promise<CommandProcessBound>;
  /** Removes what the run set up; call after every command ended. */
  close(): Promise<void>;
}

export interface CommandProcessBound {
  /**
   * Bash statements the runner's wrapper shell runs just before it execs the command, ending in
   * `;` (or empty). They exit with 125 when the bound cannot be entered: no command runs unbounded
   * by accident.
   */
  shellPrelude: string;
  /** Kills whatever is still inside the bound and removes it. Never rejects. */
  release(): Promise<void>;
  /**
   * Present when the bound is a cgroup: children are born inside, and `setsid`, double forks and
   * `env -i` do not leave it; only a write into another cgroup's `cgroup.procs` does, which the
   * sandbox (no /sys) rules out but a command without isolation can do, as those files belong to
   * the user it runs as. SIGKILLs everything inside and resolves once it is empty, keeping the
   * bound: for an isolated command, the runner then needs no scan of every process on the machine.
   */
  killEveryProcess?(): Promise<void>;
  /** With killEveryProcess: the processes inside the bound now. */
  listProcesses?(): Promise<number[]>;
}

export interface ProcessLimitOptions {
  /** The plan's `sandbox.max_processes`. */
  maxProcesses: number;
  /** Default `process.getuid()`. */
  userId?: number;
  /** Where cgroups may be created; default found from /proc/self/cgroup and /proc/self/mountinfo. */
  candidates?: CgroupCandidate[];
  /** Stops looking at cgroups (tests of the fallbacks). */
  isCgroupDisabled?: boolean;
}

/** Processes of a command get this long to die after SIGKILL before its cgroup is given up. */
const releaseDeadlineMs = 2000;

/** No bound at all: what a runner without a process limit gets. */
export const unboundedProcessLimit: ProcessLimit = {
  facts: { kind: "none", maxProcesses: null, detail: "no process bound configured" },
  prepare: async () => ({ shellPrelude: "", release: async () => undefined }),
  close: async () => undefined,
};

export async function createProcessLimit(options: ProcessLimitOptions): Promise<ProcessLimit> {
  const { maxProcesses } = options;
  if (!Number.isInteger(maxProcesses) || maxProcesses <= 0) {
    throw new TypeError(`Expected \`maxProcesses\` to be a positive integer, got ${maxProcesses}.`);
  }
  if (!options.isCgroupDisabled) {
    const candidates = options.candidates ?? (await ownCgroupCandidates());
    for (const candidate of candidates) {
      const runDirectory = await openRunCgroup(candidate);
      if (runDirectory !== undefined)
        return cgroupProcessLimit(candidate.version, runDirectory, maxProcesses);
    }
  }
  const userId = options.userId ?? process.getuid?.() ?? 0;
  if (userId !== 0) return rlimitProcessLimit(userId, maxProcesses);
  return {
    ...unboundedProcessLimit,
    facts: {
      kind: "none",
      maxProcesses: null,
      detail:
        "running as root without a writable pids cgroup; RLIMIT_NPROC does not bind root, so commands are not bounded",
    },
  };
}

function cgroupProcessLimit(version: 1 | 2, runDirectory: string, maxProcesses: number): ProcessLimit {
  return {
    facts: {
      kind: version === 2 ? "cgroup-v2" : "cgroup-v1",
      maxProcesses,
      detail: `pids.max ${maxProcesses} in a cgroup ${version === 2 ? "v2" : "v1"} of each command, under ${runDirectory}`,
    },
    async prepare(commandId) {
      if (!/^[A-Za-z0-9-]+$/.test(commandId)) {
        throw new TypeError(`Expected a command id of letters, digits and hyphens, got ${commandId}.`);
      }
      const directory = join(runDirectory, commandId);
      await mkdir(directory);
      try {
        await writeFile(join(directory, "pids.max"), String(maxProcesses));
      } catch (error) {
        await removeCgroup(directory);
        throw error;
      }
      const entry = shellQuote(join(directory, entryFile(version)));
      return {
        shellPrelude: `echo 0 > ${entry} || { echo "supervise: could not enter the command's process limit (${entry})." >&2; exit 125; }; `,
        release: () => removeCgroup(directory),
        killEveryProcess: () => emptyCgroup(directory),
        listProcesses: () => cgroupMembers(directory),
      };
    },
    async close() {
      await removeCgroup(runDirectory);
    },
  };
}

/** How long a count of the user's tasks stands before the next command counts again. */
const userTaskRecountMs = 10_000;

/**
 * RLIMIT_NPROC counts every task of the user, not only the command's: the user's own count
 * drifts (a browser opens tabs, other workstreams run), so the limit is set from a recent count
 * (at most ten seconds old) plus `max_processes`, never from the run's start alone.
 */
async function rlimitProcessLimit(userId: number, maxProcesses: number): Promise<ProcessLimit> {
  const hardLimit = await hardProcessLimit();
  let counted = { tasks: await countUserTasks(userId), atMs: Date.now() };
  const limitNow = async () => {
    if (Date.now() - counted.atMs > userTaskRecountMs) {
      counted = { tasks: await countUserTasks(userId).catch(() => counted.tasks), atMs: Date.now() };
    }
    return Math.min(hardLimit, counted.tasks + maxProcesses);
  };
  const startLimit = await limitNow();
  return {
    facts: {
      kind: "rlimit",
      maxProcesses: startLimit,
      detail: `RLIMIT_NPROC: the user's tasks (${counted.tasks} at the start of the run, recounted every ${userTaskRecountMs / 1000} s) plus ${maxProcesses}; it counts all of the user's processes`,
    },
    prepare: async () => ({
      shellPrelude: `ulimit -u ${await limitNow()} || exit 125; `,
      release: async () => undefined,
    }),
    close: async () => undefined,
  };
}

async function ownCgroupCandidates(): Promise<CgroupCandidate[]> {
  try {
    const [selfCgroup, mountInfo] = await Promise.all([
      readFile("/proc/self/cgroup", "utf8"),
      readFile("/proc/self/mountinfo", "utf8"),
    ]);
    return cgroupCandidates(selfCgroup, mountInfo);
  } catch {
    return [];
  }
}

/**
 * Creates the run's cgroup under the candidate and proves that a process can be moved into a
 * child with a pids.max: file permissions alone do not tell (v2 also checks the common ancestor's
 * cgroup.procs and the no-internal-processes rule). Undefined when any step fails.
 */
async function openRunCgroup(candidate: CgroupCandidate): Promise<string | undefined> {
  const parent = candidate.directory;
  if (candidate.version === 2 && !(await enablePidsController(parent))) return undefined;
  await removeStaleRunCgroups(parent);
  const runDirectory = join(parent, `supervise-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(runDirectory);
  } catch {
    return undefined;
  }
  const probe = join(runDirectory, "probe");
  try {
    if (candidate.version === 2) await writeFile(join(runDirectory, "cgroup.subtree_control"), "+pids");
    await mkdir(probe);
    await writeFile(join(probe, "pids.max"), "8");
    const entered = await runProgram(
      "/bin/sh",
      ["-c", 'echo 0 > "$1"', "sh", join(probe, entryFile(candidate.version))],
      { cwd: "/", env: {} },
    );
    if (entered.exitCode !== 0) throw new Error(`could not enter ${probe}`);
    await removeCgroup(probe);
    return runDirectory;
  } catch {
    await removeCgroup(probe);
    await removeCgroup(runDirectory);
    return undefined;
  }
}

/** The file a process writes `0` to in order to move itself into a cgroup (see the top of this file). */
function entryFile(version: 1 | 2): string {
  return version === 1 ? "tasks" : "cgroup.procs";
}

/** v2 hands a controller to children only when the parent lists it in cgroup.subtree_control. */
async function enablePidsController(directory: string): Promise<boolean> {
  try {
    const available = await readFile(join(directory, "cgroup.controllers"), "utf8");
    if (!available.split(/\s+/).includes("pids")) return false;
    const enabled = await readFile(join(directory, "cgroup.subtree_control"), "utf8");
    if (enabled.split(/\s+/).includes("pids")) return true;
    // Refused (EBUSY) when the cgroup holds processes and is not the root: we do not move the
    // supervisor itself to make room, as that would take it out of whatever its user set up.
    await writeFile(join(directory, "cgroup.subtree_control"), "+pids");
    return true;
  } catch {
    return false;
  }
}

/** Empty run cgroups a supervisor that died left behind; busy ones are left alone. */
async function removeStaleRunCgroups(parent: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = /^supervise-(\d+)-[0-9a-f]+$/.exec(entry);
    if (!match || isAlive(Number(match[1]))) continue;
    const directory = join(parent, entry);
    const children = await readdir(directory, { withFileTypes: true }).catch(() => []);
    for (const child of children) {
      if (child.isDirectory()) await rmdir(join(directory, child.name)).catch(() => undefined);
    }
    await rmdir(directory).catch(() => undefined);
  }
}

/**
 * Kills every process left in the cgroup and removes it. A cgroup cannot be removed while a
 * process is in it, and a process killed a moment ago may still be on its way out, so this
 * retries until a deadline; after that the cgroup stays (empty soon, and removed as stale later).
 */
async function removeCgroup(directory: string): Promise<void> {
  const deadline = performance.now() + releaseDeadlineMs;
  for (;;) {
    try {
      await rmdir(directory);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code !== "EBUSY" || performance.now() > deadline) return;
    }
    await killMembers(directory);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * SIGKILLs the cgroup's processes until it lists none (a dying process stays listed until it is
 * reaped or a zombie's parent lets go; a zombie is dead and stays, so only running ones count).
 * Gives up at the deadline, as removeCgroup does.
 */
async function emptyCgroup(directory: string): Promise<void> {
  const deadline = performance.now() + releaseDeadlineMs;
  while ((await killMembers(directory)) > 0 && performance.now() <= deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function cgroupMembers(directory: string): Promise<number[]> {
  const pids = await readFile(join(directory, "cgroup.procs"), "utf8").catch(() => "");
  return pids
    .split("\n")
    .filter((line) => line !== "")
    .map(Number);
}

/** Signals every process listed in the cgroup that is not yet a zombie; returns how many. */
async function killMembers(directory: string): Promise<number> {
  let signalled = 0;
  for (const pid of await cgroupMembers(directory)) {
    // A zombie (or a pid already gone) runs nothing any more.
    if (!isProcessAlive(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
      signalled++;
    } catch {
      // Already gone.
    }
  }
  return signalled;
}

async function hardProcessLimit(): Promise<number> {
  const limits = await readFile("/proc/self/limits", "utf8").catch(() => "");
  const match = /^Max processes\s+\S+\s+(\S+)/m.exec(limits);
  if (!match || match[1] === "unlimited") return Number.POSITIVE_INFINITY;
  return Number(match[1]);
}

/** Threads count: RLIMIT_NPROC is checked against every task of the user, like pids.max. */
async function countUserTasks(userId: number): Promise<number> {
  const entries = await readdir("/proc").catch(() => [] as string[]);
  let tasks = 0;
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const status = await readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
        const realUserId = /^Uid:\s+(\d+)/m.exec(status)?.[1];
        if (realUserId !== String(userId)) return;
        tasks += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
      }),
  );
  return tasks;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
