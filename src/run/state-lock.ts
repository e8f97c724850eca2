/**
 * One supervisor per state dir: `<stateDir>/supervise.lock` names its holder by pid and process
 * start time, so a lock left by a dead (or pid-reused) process is taken over at once, with no
 * stale timeout and no heartbeat.
 *
 * Every lock-like file (the lock, a takeover claim) is written whole to a private temp file, then
 * `link`ed into place: link fails with EEXIST like O_EXCL, and the name never points at a
 * half-written record that another supervisor could misread.
 */

import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { link, mkdir, open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { type Clock, systemClock } from "../clock.ts";
import { errorMessage, StateError } from "../errors.ts";

export interface StateLock {
  release(): Promise<void>;
  readonly file: string;
}

export interface StateLockOptions {
  /** Whether the process that wrote a lock still runs; defaults to a /proc (or kill 0) check. */
  processAlive?: (pid: number, startTime: string | null) => boolean;
  clock?: Clock;
}

interface LockRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); null where /proc is missing. */
  startTime: string | null;
  hostname: string;
  acquiredAt: string;
}

/** Racing takers only loop again when a lock vanished or was taken over under them. */
const maxAttempts = 10;
/** Each takeover generation past the first needs a taker that died mid-takeover. */
const maxTakeoverGenerations = 100;

export async function acquireStateLock(stateDir: string, options: StateLockOptions = {}): Promise<StateLock> {
  const processAlive = options.processAlive ?? isProcessAlive;
  const clock = options.clock ?? systemClock;
  const lockFile = join(stateDir, "supervise.lock");
  try {
    await mkdir(stateDir, { recursive: true });
  } catch (error) {
    throw unwritableStateDirError(stateDir, error);
  }
  const ownRecord: LockRecord = {
    pid: process.pid,
    startTime: readProcessStartTime(process.pid),
    hostname: hostname(),
    acquiredAt: new Date(clock.now()).toISOString(),
  };
  const ownText = `${JSON.stringify(ownRecord)}\n`;
  const isAlive = (record: LockRecord) =>
    record.hostname !== ownRecord.hostname || processAlive(record.pid, record.startTime);

  try {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (await createExclusive(lockFile, ownText)) return heldLock(stateDir, lockFile, ownText);
      const holder = await readLockFile(lockFile);
      if (holder === null) continue; // released between our link and our read: try again
      if (isAlive(holder.record)) throw busyError(stateDir, lockFile, holder.record, ownRecord.hostname);
      await removeStaleLock(stateDir, lockFile, holder.text, ownText, isAlive);
    }
  } catch (error) {
    throw error instanceof StateError ? error : unwritableStateDirError(stateDir, error);
  }
  throw new StateError(
    `Could not take the lock ${lockFile}: other supervisors keep taking it at the same time.`,
    {
      hint: "Start one supervisor per state dir.",
    },
  );
}

/**
 * Removes the stale lock whose exact content is `staleText`, unless another taker does it first.
 *
 * Deleting by name after checking the holder is a race: a second taker that judged the same stale
 * lock could delete the fresh lock a first taker just created, and both would win. So removing a
 * given stale lock needs a claim, `supervise.lock.takeover-<hash of its content>-<generation>`,
 * created exclusively: only the claimant may delete, and only while the lock still holds that
 * exact content (no live process can write it again: its pid and start time are dead). If a
 * claimant dies mid-takeover, the next generation's claim decides who finishes. Afterwards the
 * caller tries to create the lock again; a taker that lost sees the winner's lock, alive.
 */
async function removeStaleLock(
  stateDir: string,
  lockFile: string,
  staleText: string,
  ownText: string,
  isAlive: (record: LockRecord) => boolean,
): Promise<void> {
  const staleId = createHash("sha256").update(staleText).digest("hex").slice(0, 16);
  const claimFile = (generation: number) => `${lockFile}.takeover-${staleId}-${generation}`;
  for (let generation = 0; generation < maxTakeoverGenerations; generation++) {
    if (await createExclusive(claimFile(generation), ownText)) {
      try {
        if ((await readTextIfExists(lockFile)) === staleText) await unlinkIfExists(lockFile);
      } finally {
        for (let done = 0; done <= generation; done++) await unlinkIfExists(claimFile(done));
      }
      return;
    }
    const claimant = await readLockFile(claimFile(generation));
    if (claimant === null) return; // that takeover just finished
    if (isAlive(claimant.record)) {
      throw new StateError(
        `Another supervisor (pid ${claimant.record.pid}) is taking over the state dir ${stateDir} right now.`,
        { hint: "Start one supervisor per state dir." },
      );
    }
  }
  throw new StateError(`Too many interrupted takeovers of the lock ${lockFile}.`, {
    hint: `If no supervisor is running, delete ${lockFile} and the files beside it named supervise.lock.takeover-*.`,
  });
}

function heldLock(stateDir: string, lockFile: string, ownText: string): StateLock {
  return {
    file: lockFile,
    async release() {
      try {
        // Only our own lock is removed: never one that a later supervisor holds.
        if ((await readTextIfExists(lockFile)) === ownText) await unlinkIfExists(lockFile);
      } catch (error) {
        throw unwritableStateDirError(stateDir, error);
      }
    },
  };
}

/** Writes `text` to `file` only if no file has that name; false when one does. */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const temporaryFile = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    const handle = await open(temporaryFile, "wx");
    try {
      await handle.writeFile(text);
      // Durable before it is visible: after a power loss the lock is stale, but not empty.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporaryFile, file);
    return true;
  } catch (error) {
    if (errorCode(error) === "EEXIST") return false;
    throw error;
  } finally {
    await unlinkIfExists(temporaryFile).catch(() => {});
  }
}

async function readLockFile(file: string): Promise<{ record: LockRecord; text: string } | null> {
  const text = await readTextIfExists(file);
  if (text === null) return null;
  const record = parseLockRecord(text);
  if (record === null) {
    throw new StateError(`The lock file ${file} does not hold a supervise lock record.`, {
      hint: `If no supervisor is running on this state dir, delete ${file}.`,
    });
  }
  return { record, text };
}

function parseLockRecord(text: string): LockRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const record = value as Partial<LockRecord> | null;
  if (
    typeof record !== "object" ||
    record === null ||
    !Number.isInteger(record.pid) ||
    (record.startTime !== null && typeof record.startTime !== "string") ||
    typeof record.hostname !== "string" ||
    typeof record.acquiredAt !== "string"
  ) {
    return null;
  }
  return record as LockRecord;
}

function busyError(stateDir: string, lockFile: string, holder: LockRecord, ownHostname: string): StateError {
  const isOtherHost = holder.hostname !== ownHostname;
  const who = isOtherHost ? `pid ${holder.pid} on host ${holder.hostname}` : `pid ${holder.pid}`;
  return new StateError(
    `Another supervisor (${who}, started ${holder.acquiredAt}) is using the state dir ${stateDir}. ` +
      "Wait for it to finish, or stop it.",
    isOtherHost
      ? { hint: `Its liveness cannot be checked from this host; if it is gone, delete ${lockFile}.` }
      : {},
  );
}

function unwritableStateDirError(stateDir: string, error: unknown): StateError {
  const reason = errorMessage(error);
  return new StateError(`Cannot use the state dir ${stateDir}: ${reason}.`, {
    hint: "Make it writable, or pick another with --state-dir or SUPERVISE_STATE_DIR.",
    cause: error,
  });
}

/**
 * Field 22 of /proc/<pid>/stat, the process start time in clock ticks since boot; null when it
 * cannot be read. The command name (field 2) may hold spaces and parentheses, so fields are
 * counted after its last `)`.
 */
export function readProcessStartTime(pid: number): string | null {
  return readProcessStat(pid)?.startTime ?? null;
}

function readProcessStat(pid: number): { state: string; startTime: string } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  const startTime = fields[22 - 3];
  return state === undefined || startTime === undefined ? null : { state, startTime };
}

/** Alive: the pid exists, is not a zombie, and (where known) started when the lock says. */
export function isProcessAlive(pid: number, startTime: string | null): boolean {
  if (!existsSync("/proc/self/stat")) return signalZeroSucceeds(pid);
  const stat = readProcessStat(pid);
  if (stat === null || stat.state === "Z" || stat.state === "X") return false;
  return startTime === null || stat.startTime === startTime;
}

function signalZeroSucceeds(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

async function readTextIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (errorCode(error) === "ENOENT") return null;
    throw error;
  }
}

async function unlinkIfExists(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
