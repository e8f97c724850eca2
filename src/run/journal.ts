/**
 * The run's journal: `runs/<run-id>/journal.jsonl`, one event a line, append-only. It is the
 * single source of truth (DESIGN.md "State"): an event is durable on disk before `append`
 * resolves, and resume replays exactly what `open` returns. A damaged journal is never repaired
 * beyond dropping a torn last line, so no recorded event is ever lost. Each line is read into a
 * typed event (./events.ts) here, once; an event that does not fit its type is never written.
 */

import { createHash } from "node:crypto";
import { open as openFile, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Clock } from "../clock.ts";
import { errorMessage, JournalWriteError, osErrorCode, StateError } from "../errors.ts";
import { createSerialQueue } from "../serial-queue.ts";
import {
  type JournalEvent,
  type JournalEventData,
  type JournalEventOf,
  type JournalEventType,
  parseJournalEvent,
} from "./events.ts";

/** The file operations the journal needs, narrow so a test can inject an fsync EIO or ENOSPC. */
export interface JournalFileSystem {
  /** Opens (creating if missing) for reading and appending: every write lands at the end. */
  open(file: string): Promise<JournalFileHandle>;
  /** Makes a newly created file's directory entry durable. */
  syncDirectory(directory: string): Promise<void>;
}

export interface JournalFileHandle {
  readAll(): Promise<Buffer>;
  /** One write call; resolves to the number of bytes written, which may be short. */
  write(data: Uint8Array): Promise<number>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export const nodeJournalFileSystem: JournalFileSystem = {
  async open(file) {
    // "a+" is O_RDWR | O_APPEND | O_CREAT: the kernel puts each write at the current end of file.
    const handle = await openFile(file, "a+");
    return {
      readAll: () => handle.readFile(),
      write: async (data) => (await handle.write(data)).bytesWritten,
      // With O_APPEND every write grows the file, and fdatasync also flushes the size it needs to
      // read the data back, so it is as durable as fsync here without the mtime-only flushes.
      sync: () => handle.datasync(),
      truncate: (length) => handle.truncate(length),
      close: () => handle.close(),
    };
  },
  async syncDirectory(directory) {
    const handle = await openFile(directory, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

const reservedFields = new Set(["seq", "ts", "type", "workstream", "sum"]);
// The checksum is always the last field, so it can be verified on the exact bytes that were
// hashed, without re-serializing (which would depend on key order surviving a JSON round trip).
const checksumSuffix = /,"sum":"([0-9a-f]{16})"\}$/;
const textDecoder = new TextDecoder();

export function checksumOf(body: string): string {
  return createHash("sha256").update(body).digest("hex").slice(0, 16);
}

/** Serializes one event as a complete journal line: seq, ts, type, workstream, data, sum, `\n`. */
export function encodeJournalLine(
  seq: number,
  ts: string,
  type: string,
  workstream: string | null,
  dataJson: string,
): { body: string; line: string } {
  const dataFields = dataJson === "{}" ? "" : `,${dataJson.slice(1, -1)}`;
  const body = `{"seq":${seq},"ts":${JSON.stringify(ts)},"type":${JSON.stringify(type)},"workstream":${JSON.stringify(workstream)}${dataFields}}`;
  return { body, line: `${body.slice(0, -1)},"sum":"${checksumOf(body)}"}\n` };
}

export type ParsedJournalLine =
  | { event: JournalEvent }
  /** `isTorn`: the line is what an interrupted write leaves (cut short, not JSON, checksum off). */
  | { problem: string; isTorn: boolean };

/** Parses and verifies one line (without its `\n`); the event comes back without `sum`. */
export function parseJournalLine(line: string): ParsedJournalLine {
  const suffix = checksumSuffix.exec(line);
  if (suffix === null) {
    return { problem: isJson(line) ? "it has no checksum" : "it is not complete JSON", isTorn: true };
  }
  const body = `${line.slice(0, suffix.index)}}`;
  if (checksumOf(body) !== suffix[1]) return { problem: "its checksum does not match", isTorn: true };
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { problem: "it is not complete JSON", isTorn: true };
  }
  // Intact bytes that are no event this version knows are damage, never a torn write to drop.
  const parsed = parseJournalEvent(value);
  return "event" in parsed ? parsed : { problem: parsed.problem, isTorn: false };
}

export interface ParsedJournalText {
  events: JournalEvent[];
  /** The torn last line that was left out (with its `\n` if it had one), or null. */
  droppedTail: string | null;
  /** A damaged line that is not the last one; `events` then holds only the lines before it. */
  corruptLine?: { lineNumber: number; reason: string };
}

/** Pure: parses a whole journal, checking every checksum and that seq runs 1..n. */
export function parseJournalText(text: string): ParsedJournalText {
  const events: JournalEvent[] = [];
  const lines = text.split("\n");
  // The element after the last `\n`: empty when the file ends cleanly, else a line cut short.
  const unterminated = lines.pop() ?? "";
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const parsed = parseJournalLine(line);
    if ("event" in parsed && parsed.event.seq === index + 1) {
      events.push(parsed.event);
      continue;
    }
    const isLastLine = index === lines.length - 1 && unterminated === "";
    if ("problem" in parsed && parsed.isTorn && isLastLine) return { events, droppedTail: `${line}\n` };
    const reason =
      "problem" in parsed ? parsed.problem : `its seq is ${parsed.event.seq}, expected ${index + 1}`;
    return { events, droppedTail: null, corruptLine: { lineNumber: index + 1, reason } };
  }
  return { events, droppedTail: unterminated === "" ? null : unterminated };
}

/** Reads a journal without ever modifying it (status commands); a torn tail is only reported. */
export async function readJournal(
  file: string,
): Promise<{ events: JournalEvent[]; droppedTail: string | null }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    // A run whose supervisor has not opened its journal yet simply has no events.
    if (osErrorCode(error) === "ENOENT") return { events: [], droppedTail: null };
    throw new StateError(`Cannot read the journal ${file}: ${errorMessage(error)}.`, { cause: error });
  }
  const parsed = parseJournalText(textDecoder.decode(bytes));
  if (parsed.corruptLine) throw damagedJournalError(file, parsed.corruptLine);
  return { events: parsed.events, droppedTail: parsed.droppedTail };
}

export interface JournalOpenOptions {
  clock: Clock;
  fileSystem?: JournalFileSystem;
}

export class Journal {
  readonly file: string;
  private readonly handle: JournalFileHandle;
  private readonly clock: Clock;
  private lastSeq: number;
  /** Appends run one after another so seq order is file order. */
  private readonly appends = createSerialQueue();
  private failure: JournalWriteError | null = null;
  private isClosed = false;

  private constructor(file: string, handle: JournalFileHandle, clock: Clock, lastSeq: number) {
    this.file = file;
    this.handle = handle;
    this.clock = clock;
    this.lastSeq = lastSeq;
  }

  /**
   * Opens for appending and returns the recorded events. A torn last line is cut off (and
   * reported) before anything is appended; any other damage is a StateError and the file is left
   * untouched.
   */
  static async open(
    file: string,
    options: JournalOpenOptions,
  ): Promise<{ journal: Journal; events: JournalEvent[]; droppedTail: string | null }> {
    const fileSystem = options.fileSystem ?? nodeJournalFileSystem;
    let handle: JournalFileHandle;
    let text: string;
    try {
      handle = await fileSystem.open(file);
    } catch (error) {
      throw new StateError(`Cannot open the journal ${file}: ${errorMessage(error)}.`, { cause: error });
    }
    try {
      text = textDecoder.decode(await handle.readAll());
    } catch (error) {
      await handle.close().catch(() => {});
      throw new StateError(`Cannot read the journal ${file}: ${errorMessage(error)}.`, { cause: error });
    }
    const parsed = parseJournalText(text);
    if (parsed.corruptLine) {
      await handle.close().catch(() => {});
      throw damagedJournalError(file, parsed.corruptLine);
    }
    try {
      if (parsed.droppedTail !== null) {
        const keptText = text.slice(0, text.length - parsed.droppedTail.length);
        await handle.truncate(Buffer.byteLength(keptText));
        await handle.sync();
      }
      // An empty journal may have just been created: its name must survive a crash too.
      if (parsed.events.length === 0) await fileSystem.syncDirectory(dirname(file));
    } catch (error) {
      await handle.close().catch(() => {});
      throw writeError(file, error);
    }
    const journal = new Journal(file, handle, options.clock, parsed.events.length);
    return { journal, events: parsed.events, droppedTail: parsed.droppedTail };
  }

  /**
   * Appends one event and resolves once it is on disk. A write or sync failure rejects with
   * JournalWriteError, and every later append rejects with the same error: it is never retried,
   * since after a failed fsync the kernel may have dropped the data it reported as written.
   */
  async append<Type extends JournalEventType>(
    type: Type,
    workstream: string | null,
    data: JournalEventData<Type>,
  ): Promise<JournalEventOf<Type>> {
    if (this.isClosed) throw new Error(`The journal ${this.file} is closed; cannot append "${type}".`);
    // Checked and serialized now, before queueing: a bad call throws without using up a seq.
    const dataJson = serializeData(type, workstream, data);
    return this.appends(() => this.write(type, workstream, dataJson)) as Promise<JournalEventOf<Type>>;
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.appends(async () => undefined);
    await this.handle.close();
  }

  private async write(type: string, workstream: string | null, dataJson: string): Promise<JournalEvent> {
    if (this.failure) throw this.failure;
    const seq = this.lastSeq + 1;
    const { body, line } = encodeJournalLine(
      seq,
      new Date(this.clock.now()).toISOString(),
      type,
      workstream,
      dataJson,
    );
    const bytes = Buffer.from(line);
    try {
      const written = await this.handle.write(bytes);
      if (written !== bytes.length) {
        // A short write is how a full disk first shows; writing the rest names the real cause
        // (ENOSPC, EDQUOT…). The torn line it leaves is dropped on resume.
        const rest = await this.handle.write(bytes.subarray(written));
        if (written + rest !== bytes.length) {
          throw Object.assign(new Error(`short write: ${written + rest} of ${bytes.length} bytes`), {
            code: "ESHORTWRITE",
          });
        }
      }
      await this.handle.sync();
    } catch (error) {
      this.failure = writeError(this.file, error);
      throw this.failure;
    }
    this.lastSeq = seq;
    // The event as a resume will read it back, defaults and all; serializeData checked it fits.
    return eventOf(JSON.parse(body));
  }
}

function eventOf(value: unknown): JournalEvent {
  const parsed = parseJournalEvent(value);
  if ("problem" in parsed) throw new TypeError(`A journal event could not be read back: ${parsed.problem}.`);
  return parsed.event;
}

function serializeData(type: string, workstream: string | null, data: object): string {
  if (typeof type !== "string" || type === "") throw new TypeError("A journal event needs a non-empty type.");
  if (workstream !== null && typeof workstream !== "string") {
    throw new TypeError(`The journal event "${type}" needs a workstream id or null.`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new TypeError(`The data of the journal event "${type}" must be a plain object.`);
  }
  const dataJson: string | undefined = JSON.stringify(data);
  if (dataJson === undefined || !dataJson.startsWith("{")) {
    throw new TypeError(`The data of the journal event "${type}" must serialize to a JSON object.`);
  }
  // Both the object's own keys and the serialized ones: a toJSON could smuggle in a "seq".
  for (const field of [...Object.keys(data), ...Object.keys(JSON.parse(dataJson))]) {
    if (reservedFields.has(field)) {
      throw new TypeError(
        `The data of the journal event "${type}" may not set the reserved field "${field}".`,
      );
    }
  }
  // An event no resume could read back must never reach the journal: a bug in its writer.
  const parsed = parseJournalEvent({ seq: 0, ts: "", type, workstream, ...JSON.parse(dataJson) });
  if ("problem" in parsed)
    throw new TypeError(`The journal event "${type}" cannot be written: ${parsed.problem}.`);
  return dataJson;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function damagedJournalError(file: string, corruptLine: { lineNumber: number; reason: string }): StateError {
  return new StateError(
    `The journal ${file} is damaged at line ${corruptLine.lineNumber}: ${corruptLine.reason}. ` +
      "It was left unchanged, since the events after that line cannot be trusted and none may be lost.",
    { hint: "Keep the file for inspection; `--new-run` starts a fresh run beside it." },
  );
}

function writeError(file: string, error: unknown): JournalWriteError {
  return new JournalWriteError(
    `Could not write the journal ${file}: ${errorMessage(error)}. ` +
      "The run stops here; a failed journal write is never retried.",
    {
      hint: "Fix the cause (disk space, file system), then run the same command again to resume from the last recorded event.",
      cause: error,
    },
  );
}
