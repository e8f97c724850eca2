/**
 * Finding and killing processes by a marker variable in their environment, read from
 * /proc/<pid>/environ. Process groups miss the processes that left them (`setsid`, daemons that
 * double-fork), but the environment is inherited across both, so a marker stamped on a command
 * follows its whole tree. The supervisor stamps workers with `SUPERVISE_RUN=<run id>` so that a
 * resumed supervisor can kill the workers of a crashed one before it starts new ones.
 *
 * Limits, by nature of /proc: a process that exec'd with a cleaned environment (`env -i`) loses
 * the marker; /proc/<pid>/environ is only readable for our own user's processes (or as root); a
 * pid can be reused between the scan and the kill, a window of microseconds we accept. On systems
 * without /proc nothing is found.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

const procDirectory = "/proc";

/** Pids of the processes whose environment holds exactly `name=value`, never our own. */
export function findProcessesWithMarker(name: string, value: string): number[] {
  const entry = Buffer.from(`${validMarkerName(name)}=${validMarkerValue(value)}`);
  const reader = createProcFileReader();
  return listProcessIds().filter((pid) => {
    if (pid === process.pid) return false;
    const environment = reader.read(pid, "environ");
    return environment !== undefined && containsEntry(environment, entry);
  });
}

/**
 * Sends `signal` once to every process holding the marker; returns the pids that received it.
 * Processes that vanish first, or that we may not signal, are skipped.
 */
export function killProcessesWithMarker(name: string, value: string, signal: NodeJS.Signals): number[] {
  return findProcessesWithMarker(name, value).filter((pid) => sendSignal(pid, signal));
}

export interface SweepOptions {
  /** Scan-and-kill rounds before giving up on processes that keep appearing. Default 10. */
  rounds?: number;
  /** How long to wait for signalled processes to die in each round. Default 1000 ms. */
  deathWaitMs?: number;
}

/**
 * SIGKILLs every process holding the marker and resolves once they are dead (gone or zombies),
 * so a caller may rely on none of them running any more. Scans again after each round, because
 * a marked process may have forked between the scan and the kill. Returns every pid killed.
 */
export async function sweepProcessesWithMarker(
  name: string,
  value: string,
  options: SweepOptions = {},
): Promise<number[]> {
  const rounds = options.rounds ?? 10;
  const deathWaitMs = options.deathWaitMs ?? 1000;
  const killed = new Set<number>();
  for (let round = 0; round < rounds; round++) {
    const signalled = killProcessesWithMarker(name, value, "SIGKILL");
    if (signalled.length === 0) break;
    for (const pid of signalled) killed.add(pid);
    await waitUntilDead(signalled, deathWaitMs);
  }
  return [...killed];
}

/** False once the process has exited, even while it waits as a zombie for its parent to reap it. */
export function isProcessAlive(pid: number): boolean {
  const status = readStatus(pid, createProcFileReader());
  return status !== undefined && !["Z", "X", "x"].includes(status.state);
}

/** Live processes (not zombies) whose process group is `groupId`, never our own. */
export function findProcessGroupMembers(groupId: number): number[] {
  const reader = createProcFileReader();
  return listProcessIds().filter((pid) => {
    if (pid === process.pid) return false;
    const status = readStatus(pid, reader);
    return status !== undefined && status.groupId === groupId && !["Z", "X", "x"].includes(status.state);
  });
}

/** Resolves once none of `pids` is alive, or after `timeoutMs` (a process stuck in the kernel). */
export async function waitUntilDead(pids: number[], timeoutMs: number): Promise<void> {
  const pollMs = 5;
  const reader = createProcFileReader();
  const isAlive = (pid: number) => {
    const status = readStatus(pid, reader);
    return status !== undefined && !["Z", "X", "x"].includes(status.state);
  };
  for (let waitedMs = 0; waitedMs < timeoutMs; waitedMs += pollMs) {
    if (!pids.some(isAlive)) return;
    await delay(pollMs);
  }
}

/** Fields of /proc/<pid>/stat: state is the 3rd, the process group the 5th. */
function readStatus(pid: number, reader: ProcFileReader): { state: string; groupId: number } | undefined {
  const bytes = reader.read(pid, "stat");
  if (bytes === undefined) return undefined;
  const status = bytes.toString("utf8");
  // The fields follow the command name in parentheses, which may itself contain ") ".
  const [state = "", , groupId = ""] = status.slice(status.lastIndexOf(")") + 2).split(" ");
  return { state, groupId: Number(groupId) };
}

function listProcessIds(): number[] {
  let entries: string[];
  try {
    entries = readdirSync(procDirectory);
  } catch {
    return [];
  }
  return entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
}

interface ProcFileReader {
  /** The file's bytes, valid until the next read; undefined when the process vanished or is not ours to read. */
  read(pid: number, file: "environ" | "stat"): Buffer | undefined;
}

/**
 * Reads /proc files into one buffer reused for a whole scan: a scan reads a file of every process
 * on the machine after every command, and readFileSync's fstat and fresh buffer per file cost 40 %
 * more CPU (measured over 137 processes). A file larger than the buffer is read whole, the slow way.
 */
function createProcFileReader(): ProcFileReader {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  return {
    read(pid, file) {
      const path = `${procDirectory}/${pid}/${file}`;
      let descriptor: number;
      try {
        descriptor = openSync(path, "r");
      } catch {
        return undefined;
      }
      try {
        let length = 0;
        for (;;) {
          const count = readSync(descriptor, buffer, length, buffer.length - length, null);
          if (count === 0) return buffer.subarray(0, length);
          length += count;
          if (length === buffer.length) return readFileSync(path);
        }
      } catch {
        return undefined;
      } finally {
        closeSync(descriptor);
      }
    },
  };
}

/** Entries are NUL-separated; match a whole entry, not a prefix or suffix of another one. */
function containsEntry(environment: Buffer, entry: Buffer): boolean {
  for (let index = environment.indexOf(entry); index !== -1; index = environment.indexOf(entry, index + 1)) {
    const end = index + entry.length;
    const startsEntry = index === 0 || environment[index - 1] === 0;
    const endsEntry = end === environment.length || environment[end] === 0;
    if (startsEntry && endsEntry) return true;
  }
  return false;
}

function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    // ESRCH: it exited since the scan. EPERM: not ours to signal.
    return false;
  }
}

function validMarkerName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new TypeError(`Expected a marker name like SUPERVISE_RUN, got ${JSON.stringify(name)}.`);
  }
  return name;
}

/** An empty value would match every process stamped with an empty marker: refuse it. */
function validMarkerValue(value: string): string {
  if (value === "" || value.includes("\0")) {
    throw new TypeError(`Expected a non-empty marker value without NUL bytes, got ${JSON.stringify(value)}.`);
  }
  return value;
}
