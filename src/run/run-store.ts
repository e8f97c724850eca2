/**
 * The runs of a state dir: `runs/<run-id>/` with its journal and the evidence, escalations and
 * transcripts folders (DESIGN.md "State"). Listing stays cheap on big journals: it reads only the
 * first line (start time) and the last 64 KB (finished or not) of each.
 */

import { randomBytes } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../clock.ts";
import { errorMessage, osErrorCode, StateError } from "../errors.ts";
import type { JournalEvent } from "./events.ts";
import { parseJournalLine } from "./journal.ts";

export interface RunInfo {
  id: string;
  dir: string;
  journalFile: string;
  isFinished: boolean;
  /** The `ts` of the journal's first event; null while it has none. */
  startedAt: string | null;
  /** The name of the plan its `run.started` event names; absent while the journal has none. */
  plan?: string;
}

const finishedType = "run.finished";
const tailBytes = 64 * 1024;
const headChunkBytes = 4 * 1024;
const maxFirstLineBytes = 1024 * 1024;
const runSubdirectories = ["evidence", "escalations", "transcripts"];
const runIdPattern = /^[0-9A-Za-z][0-9A-Za-z._-]*$/;

/** `20261124-085348-a1b2`: UTC time to the second, then a random suffix; sorts by time. */
export function newRunId(clock: Clock, random: () => string = () => randomBytes(2).toString("hex")): string {
  const time = new Date(clock.now()).toISOString(); // 2026-11-24T08:53:48.123Z
  const suffix = random();
  if (!/^[0-9a-z]+$/.test(suffix))
    throw new TypeError(`A run id suffix must be lowercase letters or digits: "${suffix}".`);
  return `${time.slice(0, 10).replaceAll("-", "")}-${time.slice(11, 19).replaceAll(":", "")}-${suffix}`;
}

export async function createRun(stateDir: string, runId: string): Promise<RunInfo> {
  if (!runIdPattern.test(runId)) throw new TypeError(`Not a valid run id: "${runId}".`);
  const runsDir = join(stateDir, "runs");
  const dir = join(runsDir, runId);
  try {
    await mkdir(runsDir, { recursive: true });
  } catch (error) {
    throw cannotCreateError(runsDir, error);
  }
  try {
    await mkdir(dir); // not recursive: an existing run must never be reused by accident
  } catch (error) {
    if (osErrorCode(error) === "EEXIST") {
      throw new StateError(`A run with id ${runId} already exists in ${runsDir}.`, {
        hint: "Each run needs a new id; run the command again.",
      });
    }
    throw cannotCreateError(dir, error);
  }
  for (const subdirectory of runSubdirectories) {
    try {
      await mkdir(join(dir, subdirectory));
    } catch (error) {
      throw cannotCreateError(join(dir, subdirectory), error);
    }
  }
  return { id: runId, dir, journalFile: join(dir, "journal.jsonl"), isFinished: false, startedAt: null };
}

/** Every run, oldest first. A missing state dir or `runs` folder has no runs. */
export async function listRuns(stateDir: string): Promise<RunInfo[]> {
  const runsDir = join(stateDir, "runs");
  let names: string[];
  try {
    names = (await readdir(runsDir)).filter((name) => !name.startsWith("."));
  } catch (error) {
    if (osErrorCode(error) === "ENOENT") return [];
    throw new StateError(`Cannot list the runs in ${runsDir}: ${errorMessage(error)}.`, {
      hint: `${runsDir} must be a readable directory; move aside whatever is in its place.`,
      cause: error,
    });
  }
  const runs = await Promise.all(names.map((name) => readRunInfo(runsDir, name)));
  runs.sort(compareRuns);
  return runs.map((run) => run.info);
}

export async function latestRun(stateDir: string): Promise<RunInfo | null> {
  return (await listRuns(stateDir)).at(-1) ?? null;
}

/**
 * Ids sort by time to the second, but their random suffixes do not: runs started in the same
 * second sort by when their directory was created.
 */
function compareRuns(
  left: { info: RunInfo; createdMs: number },
  right: { info: RunInfo; createdMs: number },
): number {
  const leftTime = idTime(left.info.id);
  const rightTime = idTime(right.info.id);
  if (leftTime !== rightTime) return leftTime < rightTime ? -1 : 1;
  if (left.createdMs !== right.createdMs) return left.createdMs - right.createdMs;
  return left.info.id < right.info.id ? -1 : left.info.id > right.info.id ? 1 : 0;
}

function idTime(id: string): string {
  return /^\d{8}-\d{6}/.exec(id)?.[0] ?? id;
}

async function readRunInfo(runsDir: string, id: string): Promise<{ info: RunInfo; createdMs: number }> {
  const dir = join(runsDir, id);
  let createdMs: number;
  try {
    const status = await stat(dir);
    if (!status.isDirectory()) {
      throw new StateError(`${dir} is not a run: every entry of ${runsDir} must be a run directory.`, {
        hint: `Move ${dir} out of ${runsDir}.`,
      });
    }
    // birthtime is 0 where the file system does not record it; mtime is then the best guess.
    createdMs = status.birthtimeMs > 0 ? status.birthtimeMs : status.mtimeMs;
  } catch (error) {
    if (error instanceof StateError) throw error;
    throw new StateError(`Cannot read the run ${dir}: ${errorMessage(error)}.`, { cause: error });
  }
  const journalFile = join(dir, "journal.jsonl");
  const { firstEvent, isFinished } = await readJournalEnds(journalFile);
  const plan = firstEvent?.type === "run.started" ? { plan: firstEvent.plan } : {};
  return {
    info: { id, dir, journalFile, isFinished, startedAt: firstEvent?.ts ?? null, ...plan },
    createdMs,
  };
}

/** The first event and whether a `run.finished` event is among the last 64 KB of the journal. */
async function readJournalEnds(
  file: string,
): Promise<{ firstEvent: JournalEvent | null; isFinished: boolean }> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if (osErrorCode(error) === "ENOENT") return { firstEvent: null, isFinished: false };
    throw new StateError(`Cannot read the journal ${file}: ${errorMessage(error)}.`, { cause: error });
  }
  try {
    const { size } = await handle.stat();
    return {
      firstEvent: await readFirstEvent(handle, size),
      isFinished: await hasFinishedEventInTail(handle, size),
    };
  } catch (error) {
    throw new StateError(`Cannot read the journal ${file}: ${errorMessage(error)}.`, { cause: error });
  } finally {
    await handle.close();
  }
}

async function readFirstEvent(handle: FileHandle, size: number): Promise<JournalEvent | null> {
  const chunks: Buffer[] = [];
  for (let position = 0; position < Math.min(size, maxFirstLineBytes); position += headChunkBytes) {
    const chunk = await readAt(handle, position, Math.min(headChunkBytes, size - position));
    const newline = chunk.indexOf(0x0a);
    if (newline >= 0) {
      chunks.push(chunk.subarray(0, newline));
      const parsed = parseJournalLine(Buffer.concat(chunks).toString("utf8"));
      return "event" in parsed ? parsed.event : null;
    }
    chunks.push(chunk);
  }
  return null; // no complete first line: an empty journal, or one torn while writing its first event
}

async function hasFinishedEventInTail(handle: FileHandle, size: number): Promise<boolean> {
  const start = Math.max(0, size - tailBytes);
  const lines = (await readAt(handle, start, size - start)).toString("utf8").split("\n");
  lines.pop(); // after the last newline: empty, or a torn line
  if (start > 0) lines.shift(); // the tail began inside this line
  return lines.some((line) => {
    // Cheap filter first: our writer puts the type right after ts, with no spaces.
    if (!line.includes(`"type":"${finishedType}"`)) return false;
    const parsed = parseJournalLine(line);
    return "event" in parsed && parsed.event.type === finishedType;
  });
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

function cannotCreateError(dir: string, error: unknown): StateError {
  return new StateError(`Cannot create ${dir}: ${errorMessage(error)}.`, {
    hint: "Make the state dir writable, or pick another with --state-dir or SUPERVISE_STATE_DIR.",
    cause: error,
  });
}
