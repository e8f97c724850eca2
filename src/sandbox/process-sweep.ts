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
  return scanForMarker(markerEntry(name, value)).marked;
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
  const killed = new Set<number>();
  await sweepRounds(markerEntry(name, value), options, killed);
  return [...killed];
}

/**
 * sweepProcessesWithMarker, and then sure of the processes its last scan could not judge. A
 * process inside execve shows an empty environment for an instant (seen under load), so it may
 * carry the marker unseen. Those few are read again after `recheckDelayMs`: unmarked, or still
 * empty (a process started with no environment at all, which no scan can judge), the sweep is
 * done; marked, or gone (it may have started others first), the whole sweep runs again. Rejected:
 * a second full scan after every sweep, which cost a scan of every process on the machine and a
 * fixed 10 ms per command, for a race that a scan almost never meets.
 */
export async function sweepProcessesWithMarkerSettled(
  name: string,
  value: string,
  options: SweepOptions & { recheckDelayMs?: number } = {},
): Promise<number[]> {
  const entry = markerEntry(name, value);
  const killed = new Set<number>();
  const reader = createProcFileReader();
  for (let attempt = 0; attempt < (options.rounds ?? 10); attempt++) {
    const { blank } = await sweepRounds(entry, options, killed);
    if (blank.length === 0) break;
    await delay(options.recheckDelayMs ?? 10);
    const isSettled = blank.every((pid) => {
      const environment = reader.read(pid, "environ");
      return environment !== undefined && !containsEntry(environment, entry);
    });
    if (isSettled) break;
  }
  return [...killed];
}

/** Kill rounds until a scan finds no marked process; returns that last scan. */
async function sweepRounds(entry: Buffer, options: SweepOptions, killed: Set<number>): Promise<MarkerScan> {
  const rounds = options.rounds ?? 10;
  const deathWaitMs = options.deathWaitMs ?? 1000;
  let scan = scanForMarker(entry);
  for (let round = 0; round < rounds && scan.marked.length > 0; round++) {
    const signalled = scan.marked.filter((pid) => sendSignal(pid, "SIGKILL"));
    for (const pid of signalled) killed.add(pid);
    await waitUntilDead(signalled, deathWaitMs);
    scan = scanForMarker(entry);
  }
  return scan;
}

interface MarkerScan {
  marked: number[];
  /** Processes whose environment read as empty: inside execve, or started with none. */
  blank: number[];
}

function scanForMarker(entry: Buffer): MarkerScan {
  const reader = createProcFileReader();
  const scan: MarkerScan = { marked: [], blank: [] };
  for (const pid of listProcessIds()) {
    if (pid === process.pid) continue;
    // Unreadable (undefined): gone, not ours, a kernel thread, or exiting, past its last fork.
    const environment = reader.read(pid, "environ");
    if (environment === undefined) continue;
    if (environment.length === 0) scan.blank.push(pid);
    else if (containsEntry(environment, entry)) scan.marked.push(pid);
  }
  return scan;
}

function markerEntry(name: string, value: string): Buffer {
  return Buffer.from(`${validMarkerName(name)}=${validMarkerValue(value)}`);
}

/**
 * True once no process, not even a zombie, is left in the group: one signal-0 call, where listing
 * the members takes a scan of every process.
 */
export function isProcessGroupGone(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return false;
  } catch (error) {
    // EPERM: someone is there, though not ours to signal.
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** False once the process has exited, even while it waits as a zombie for its parent to reap it. */
export function isProcessAlive(pid: number): boolean {
  const status = readStatus(pid, createProcFileReader());
  return status !== undefined && !["Z", "X", "x"].includes(status.state);
}

/** Alive and not stopped (SIGSTOP or a tracer): a process that can still act. */
export function isProcessRunning(pid: number): boolean {
  const status = readStatus(pid, createProcFileReader());
  return status !== undefined && !["Z", "X", "x", "T", "t"].includes(status.state);
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

const space = 0x20;
const closingParenthesis = 0x29;

/**
 * Fields of /proc/<pid>/stat: state is the 3rd, the process group the 5th. Read from the bytes in
 * place, without splitting the line into its fifty-odd fields: scans read one for every process.
 */
function readStatus(pid: number, reader: ProcFileReader): { state: string; groupId: number } | undefined {
  const bytes = reader.read(pid, "stat");
  if (bytes === undefined) return undefined;
  // The fields follow the command name in parentheses, which may itself contain ") ".
  const stateAt = bytes.lastIndexOf(closingParenthesis) + 2;
  const parentAt = bytes.indexOf(space, stateAt) + 1;
  const groupAt = parentAt === 0 ? 0 : bytes.indexOf(space, parentAt) + 1;
  const groupEnd = groupAt === 0 ? -1 : bytes.indexOf(space, groupAt);
  if (stateAt < 2 || groupEnd === -1) return undefined;
  return {
    state: bytes.toString("latin1", stateAt, stateAt + 1),
    groupId: Number(bytes.toString("latin1", groupAt, groupEnd)),
  };
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
 * more CPU (measured over 137 processes) and were the supervisor's largest source of garbage. A
 * file larger than the buffer (an environment past 16 KiB) is read whole, the slow way.
 */
function createProcFileReader(): ProcFileReader {
  const buffer = Buffer.allocUnsafe(16 * 1024);
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

export function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
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
