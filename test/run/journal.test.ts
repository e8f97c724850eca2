import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { JournalWriteError, StateError } from "../../src/errors.ts";
import type { JournalEvent, JournalEventData } from "../../src/run/events.ts";
import {
  checksumOf,
  encodeJournalLine,
  Journal,
  type JournalFileSystem,
  nodeJournalFileSystem,
  parseJournalText,
  readJournal,
} from "../../src/run/journal.ts";

let directory: string;
let file: string;
let clock: ManualClock;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-journal-"));
  file = join(directory, "journal.jsonl");
  clock = new ManualClock(Date.UTC(2026, 10, 24, 8, 53, 48));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const passed: JournalEventData<"gate.passed"> = {
  claim: 1,
  gate: "local_check",
  detail: "`npm test` exited 0",
  observed: { exit_code: 0 },
};
const started: JournalEventData<"run.started"> = {
  run: "r1",
  plan: "week2.yaml",
  workstreams: ["a", "b"],
  only: null,
  concurrency: 2,
  sandbox: { isolation: "bwrap", network: "none" },
  repo: "../widget",
};
const workerStarted: JournalEventData<"worker.started"> = { attempt: 1, provider: "command" };

/** Data a type-checked caller could not pass: for the checks that stand behind the types. */
function unchecked(data: object): JournalEventData<"gate.passed"> {
  return data as JournalEventData<"gate.passed">;
}

/** Opens the journal, appends each event (one second apart), closes it, and returns the events. */
async function writeEvents(count: number): Promise<JournalEvent[]> {
  const { journal } = await Journal.open(file, { clock });
  const events: JournalEvent[] = [];
  for (let index = 0; index < count; index++) {
    events.push(await journal.append("gate.passed", `ws${index}`, passed));
    clock.advance(1000);
  }
  await journal.close();
  return events;
}

function expectError<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  return promise.then(
    () => {
      throw new Error(`expected a ${type.name}`);
    },
    (error: unknown) => {
      expect(error).toBeInstanceOf(type);
      return error as T;
    },
  );
}

describe("Journal", () => {
  it("writes one checksummed line per event, keys in order, and reads back the same events", async () => {
    const { journal, events, droppedTail } = await Journal.open(file, { clock });
    expect(events).toEqual([]);
    expect(droppedTail).toBeNull();
    const runStarted = await journal.append("run.started", null, started);
    clock.advance(1500);
    const claimed = await journal.append("claim.made", "ws1", {
      claim: 1,
      summary: 'said "done"\n',
      commit: "abc123",
      head: "abc123",
      uncommitted_changes: [],
    });
    await journal.close();

    expect(runStarted).toEqual({
      seq: 1,
      ts: "2026-11-24T08:53:48.000Z",
      type: "run.started",
      workstream: null,
      ...started,
    });
    expect(claimed).toEqual({
      seq: 2,
      ts: "2026-11-24T08:53:49.500Z",
      type: "claim.made",
      workstream: "ws1",
      claim: 1,
      summary: 'said "done"\n',
      commit: "abc123",
      head: "abc123",
      uncommitted_changes: [],
    });
    expect(await readFile(file, "utf8")).toMatchInlineSnapshot(`
      "{"seq":1,"ts":"2026-11-24T08:53:48.000Z","type":"run.started","workstream":null,"run":"r1","plan":"week2.yaml","workstreams":["a","b"],"only":null,"concurrency":2,"sandbox":{"isolation":"bwrap","network":"none"},"repo":"../widget","sum":"dccb6cc1b187b02b"}
      {"seq":2,"ts":"2026-11-24T08:53:49.500Z","type":"claim.made","workstream":"ws1","claim":1,"summary":"said \\"done\\"\\n","commit":"abc123","head":"abc123","uncommitted_changes":[],"sum":"88cc29953701b4d1"}
      "
    `);

    const reopened = await Journal.open(file, { clock });
    expect(reopened.events).toEqual([runStarted, claimed]);
    expect(reopened.droppedTail).toBeNull();
    await reopened.journal.close();
    expect(await readJournal(file)).toEqual({ events: [runStarted, claimed], droppedTail: null });
  });

  it("continues the seq after a reopen", async () => {
    const first = await writeEvents(3);
    const { journal, events } = await Journal.open(file, { clock });
    expect(events).toEqual(first);
    const next = await journal.append("run.resumed", null, { run: "r1" });
    await journal.close();
    expect(next).toEqual({
      seq: 4,
      ts: "2026-11-24T08:53:51.000Z",
      type: "run.resumed",
      workstream: null,
      run: "r1",
    });
    expect((await readJournal(file)).events.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
  });

  it("drops a torn last line (half a JSON line, no newline) and appends after the last good event", async () => {
    const written = await writeEvents(2);
    const goodText = await readFile(file, "utf8");
    const { line } = encodeJournalLine(
      3,
      "2026-11-24T09:00:00.000Z",
      "gate.failed",
      "ws1",
      JSON.stringify({ ...passed, gate: "ci_green" }),
    );
    const tornLine = line.slice(0, 40);
    await writeFile(file, goodText + tornLine);

    const { journal, events, droppedTail } = await Journal.open(file, { clock });
    expect(events).toEqual(written);
    expect(droppedTail).toBe(tornLine);
    expect(await readFile(file, "utf8")).toBe(goodText);
    const next = await journal.append("gate.failed", "ws1", { ...passed, gate: "ci_green" });
    await journal.close();
    expect(next.seq).toBe(3);
    expect((await readJournal(file)).events).toEqual([...written, next]);
  });

  it("drops a torn line cut inside a multi-byte character, truncating by bytes", async () => {
    const written = await writeEvents(1);
    const goodText = await readFile(file, "utf8");
    const { line } = encodeJournalLine(
      2,
      "2026-11-24T09:00:00.000Z",
      "signal.detected",
      "ws1",
      '{"signal":"idle","summary":"héllo wörld","failing_gates":[]}',
    );
    const lineBytes = Buffer.from(line);
    const cut = lineBytes.indexOf(Buffer.from("ö")) + 1; // inside the two bytes of "ö"
    await writeFile(file, Buffer.concat([Buffer.from(goodText), lineBytes.subarray(0, cut)]));

    const { journal, events } = await Journal.open(file, { clock });
    expect(events).toEqual(written);
    expect(await readFile(file, "utf8")).toBe(goodText);
    await journal.close();
  });

  it("drops a complete last line whose checksum does not match", async () => {
    const written = await writeEvents(3);
    const text = await readFile(file, "utf8");
    const lines = text.split("\n");
    const damagedLast = lines[2]!.replace('"ws2"', '"ws9"');
    await writeFile(file, `${lines[0]}\n${lines[1]}\n${damagedLast}\n`);

    const { journal, events, droppedTail } = await Journal.open(file, { clock });
    expect(events).toEqual(written.slice(0, 2));
    expect(droppedTail).toBe(`${damagedLast}\n`);
    expect(await readFile(file, "utf8")).toBe(`${lines[0]}\n${lines[1]}\n`);
    expect((await journal.append("run.resumed", null, { run: "r1" })).seq).toBe(3);
    await journal.close();
  });

  it("refuses a journal damaged before its last line and leaves it byte-for-byte unchanged", async () => {
    await writeEvents(3);
    const lines = (await readFile(file, "utf8")).split("\n");
    const damaged = `${lines[0]}\n${lines[1]!.replace('"ws1"', '"wsX"')}\n${lines[2]}\n`;
    await writeFile(file, damaged);

    const error = await expectError(Journal.open(file, { clock }), StateError);
    expect(error.message.replace(directory, "<dir>")).toMatchInlineSnapshot(
      `"The journal <dir>/journal.jsonl is damaged at line 2: its checksum does not match. It was left unchanged, since the events after that line cannot be trusted and none may be lost."`,
    );
    expect(error.exitCode).toBe(2);
    expect(await readFile(file, "utf8")).toBe(damaged);
    await expectError(readJournal(file), StateError);
  });

  it("refuses a journal whose seq numbers are not 1..n", async () => {
    const { line: first } = encodeJournalLine(
      1,
      "2026-11-24T09:00:00.000Z",
      "run.started",
      null,
      JSON.stringify(started),
    );
    const { line: third } = encodeJournalLine(
      3,
      "2026-11-24T09:00:01.000Z",
      "run.finished",
      null,
      '{"verdicts":{}}',
    );
    await writeFile(file, first + third);
    const error = await expectError(Journal.open(file, { clock }), StateError);
    expect(error.message).toContain("damaged at line 2: its seq is 3, expected 2.");
    expect(await readFile(file, "utf8")).toBe(first + third);
  });

  it("stops at an fsync failure with a JournalWriteError and refuses every later append", async () => {
    const failing = failingFileSystem({ syncError: osError("EIO", "EIO: i/o error, fsync") });
    const { journal } = await Journal.open(file, { clock, fileSystem: failing.fileSystem });
    expect((await journal.append("run.started", null, started)).seq).toBe(1);

    failing.arm();
    const error = await expectError(
      journal.append("worker.started", "ws1", workerStarted),
      JournalWriteError,
    );
    expect(error.message.replace(directory, "<dir>")).toMatchInlineSnapshot(
      `"Could not write the journal <dir>/journal.jsonl: EIO: i/o error, fsync. The run stops here; a failed journal write is never retried."`,
    );
    expect(error.exitCode).toBe(1);
    failing.disarm();
    expect(await expectError(journal.append("worker.started", "ws2", workerStarted), JournalWriteError)).toBe(
      error,
    );
    expect(failing.writeCount()).toBe(2); // the refused append never reached the file
    await journal.close();
  });

  it("stops at a short write on a full disk; reopening drops the torn line", async () => {
    const failing = failingFileSystem({
      writeError: osError("ENOSPC", "ENOSPC: no space left on device, write"),
    });
    const { journal } = await Journal.open(file, { clock, fileSystem: failing.fileSystem });
    const runStarted = await journal.append("run.started", null, started);
    failing.arm();
    const error = await expectError(journal.append("gate.passed", "ws1", passed), JournalWriteError);
    expect(error.message).toContain("ENOSPC: no space left on device, write");
    await expectError(journal.append("gate.passed", "ws1", passed), JournalWriteError);
    await journal.close();

    const reopened = await Journal.open(file, { clock });
    expect(reopened.events).toEqual([runStarted]);
    expect(reopened.droppedTail).not.toBeNull();
    await reopened.journal.close();
  });

  it("gives 100 concurrent appends the seq numbers 1..100 in file order", async () => {
    const { journal } = await Journal.open(file, { clock });
    const appended = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        journal.append("signal.detected", "ws1", { signal: "idle", summary: `${index}`, failing_gates: [] }),
      ),
    );
    await journal.close();
    expect(appended.map((event) => event.seq)).toEqual(Array.from({ length: 100 }, (_, index) => index + 1));
    const lines = (await readFile(file, "utf8")).split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines).toHaveLength(101);
    const { events } = await readJournal(file);
    expect(events).toEqual(appended);
    expect(appended.map((event) => event.summary)).toEqual(
      Array.from({ length: 100 }, (_, index) => `${index}`),
    );
  });

  it("replays 10,000 events", async () => {
    const lines: string[] = [];
    const expected: JournalEvent[] = [];
    for (let seq = 1; seq <= 10_000; seq++) {
      const ts = new Date(Date.UTC(2026, 10, 24) + seq).toISOString();
      const data = {
        attempt: 1,
        model: `model — ${seq % 3}`,
        turns: 1,
        input_tokens: seq * 3,
        output_tokens: seq,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cost_usd: seq / 1e6,
      };
      lines.push(encodeJournalLine(seq, ts, "worker.usage", `ws${seq % 7}`, JSON.stringify(data)).line);
      expected.push({ seq, ts, type: "worker.usage", workstream: `ws${seq % 7}`, ...data });
    }
    await writeFile(file, lines.join(""));
    const { journal, events, droppedTail } = await Journal.open(file, { clock });
    expect(droppedTail).toBeNull();
    expect(events).toEqual(expected);
    expect((await journal.append("run.finished", null, { verdicts: {} })).seq).toBe(10_001);
    await journal.close();
  });

  it("rejects data that would override a reserved field, without using up a seq", async () => {
    const { journal } = await Journal.open(file, { clock });
    for (const field of ["seq", "ts", "type", "workstream", "sum"]) {
      await expect(
        journal.append("gate.passed", "ws1", unchecked({ ...passed, [field]: 1 })),
      ).rejects.toThrow(
        `The data of the journal event "gate.passed" may not set the reserved field "${field}".`,
      );
    }
    await expect(
      journal.append("gate.passed", "ws1", unchecked({ ...passed, toJSON: () => ({ seq: 9 }) })),
    ).rejects.toThrow('may not set the reserved field "seq"');
    expect((await journal.append("gate.passed", "ws1", passed)).seq).toBe(1);
    await journal.close();
  });
});

describe("the events a journal holds", () => {
  it("refuses to write an event whose data does not fit its type, without using up a seq", async () => {
    const { journal } = await Journal.open(file, { clock });
    await expect(
      journal.append("gate.passed", "ws1", unchecked({ gate: "local_check", detail: 1 })),
    ).rejects.toThrowErrorMatchingInlineSnapshot(
      `[TypeError: The journal event "gate.passed" cannot be written: its data does not fit gate.passed: claim: Invalid input: expected number, received undefined; detail: Invalid input: expected string, received number; observed: Invalid input: expected record, received undefined.]`,
    );
    await expect(journal.append("gate.passed", null, passed)).rejects.toThrow(
      'The journal event "gate.passed" cannot be written: the event gate.passed names no workstream.',
    );
    expect((await journal.append("gate.passed", "ws1", passed)).seq).toBe(1);
    await journal.close();
  });

  it("refuses a journal holding an event it cannot read, naming the line, and leaves it unchanged", async () => {
    await writeEvents(2);
    const text = `${await readFile(file, "utf8")}${encodeJournalLine(3, "2026-11-24T09:00:00.000Z", "turn.completed", "ws1", '{"turn":3}').line}`;
    await writeFile(file, text);
    // Intact bytes are never a torn write: even as the last line, the event is not dropped.
    const error = await expectError(Journal.open(file, { clock }), StateError);
    expect(error.message.replace(directory, "<dir>")).toMatchInlineSnapshot(
      `"The journal <dir>/journal.jsonl is damaged at line 3: its type "turn.completed" is not an event this version of supervise knows. It was left unchanged, since the events after that line cannot be trusted and none may be lost."`,
    );
    expect(await readFile(file, "utf8")).toBe(text);
    await expectError(readJournal(file), StateError);
  });

  it("reads an event written before some of its fields existed, with their defaults", async () => {
    const lines = [
      encodeJournalLine(
        1,
        "2026-01-01T00:00:00.000Z",
        "checkout.created",
        "ws1",
        '{"path":"/c","branch":"b"}',
      ),
      encodeJournalLine(
        2,
        "2026-01-01T00:00:01.000Z",
        "escalation.decided",
        "ws1",
        '{"escalation":"ws1-1","decision":"approve","note":null,"text":null}',
      ),
    ];
    await writeFile(file, lines.map((each) => each.line).join(""));
    expect((await readJournal(file)).events).toEqual([
      {
        seq: 1,
        ts: "2026-01-01T00:00:00.000Z",
        type: "checkout.created",
        workstream: "ws1",
        path: "/c",
        branch: "b",
        base_sha: null,
      },
      {
        seq: 2,
        ts: "2026-01-01T00:00:01.000Z",
        type: "escalation.decided",
        workstream: "ws1",
        escalation: "ws1-1",
        decided_by: null,
        decision: "approve",
        note: null,
        text: null,
        waive: [],
      },
    ]);
    // The bytes on disk stay as they were written; only what is read gains the defaults.
    expect(await readFile(file, "utf8")).toBe(lines.map((each) => each.line).join(""));
  });
});

describe("readJournal", () => {
  it("reports a torn tail without modifying the file", async () => {
    const written = await writeEvents(2);
    const text = `${await readFile(file, "utf8")}{"seq":3,"ts":"2026`;
    await writeFile(file, text);
    expect(await readJournal(file)).toEqual({ events: written, droppedTail: '{"seq":3,"ts":"2026' });
    expect(await readFile(file, "utf8")).toBe(text);
  });

  it("reads a journal that does not exist yet as empty", async () => {
    expect(await readJournal(join(directory, "missing.jsonl"))).toEqual({ events: [], droppedTail: null });
  });
});

describe("parseJournalText", () => {
  const first = encodeJournalLine(1, "2026-11-24T09:00:00.000Z", "run.resumed", null, '{"run":"r1"}').line;
  const firstEvent = {
    seq: 1,
    ts: "2026-11-24T09:00:00.000Z",
    type: "run.resumed",
    workstream: null,
    run: "r1",
  };
  const second = encodeJournalLine(
    2,
    "2026-11-24T09:00:01.000Z",
    "worker.started",
    "ws1",
    JSON.stringify(workerStarted),
  ).line;
  /** A line with an intact checksum around whatever body a hand edit or another version wrote. */
  const checksummed = (body: string) => `${body.slice(0, -1)},"sum":"${checksumOf(body)}"}\n`;

  it("parses an empty journal", () => {
    expect(parseJournalText("")).toEqual({ events: [], droppedTail: null });
  });

  it("names the damaged line and why", () => {
    expect(parseJournalText(`${first}not json\n${second}`)).toEqual({
      events: [firstEvent],
      droppedTail: null,
      corruptLine: { lineNumber: 2, reason: "it is not complete JSON" },
    });
    expect(parseJournalText(`${first}\n${second}`).corruptLine).toEqual({
      lineNumber: 2,
      reason: "it is not complete JSON",
    });
    expect(parseJournalText(`{"seq":1}\n${second}`).corruptLine).toEqual({
      lineNumber: 1,
      reason: "it has no checksum",
    });
  });

  it("treats a checksummed line of the wrong shape as damage, even as the last line", () => {
    // A hand edit that also recomputed the checksum: not what an interrupted write leaves.
    const line = checksummed('{"seq":2,"ts":5,"type":"worker.started","workstream":null}');
    expect(parseJournalText(first + line)).toEqual({
      events: [firstEvent],
      droppedTail: null,
      corruptLine: { lineNumber: 2, reason: "its ts is not a string" },
    });
  });

  it("refuses an event type this version does not know, and an event whose data does not fit its type", () => {
    const unknown = checksummed(
      '{"seq":2,"ts":"2026-11-24T09:00:01.000Z","type":"turn.completed","workstream":"ws1"}',
    );
    expect(parseJournalText(first + unknown).corruptLine).toEqual({
      lineNumber: 2,
      reason: 'its type "turn.completed" is not an event this version of supervise knows',
    });
    const malformed = checksummed(
      '{"seq":2,"ts":"2026-11-24T09:00:01.000Z","type":"claim.made","workstream":"ws1","claim":"1","summary":"done","head":"abc"}',
    );
    expect(parseJournalText(first + malformed).corruptLine).toEqual({
      lineNumber: 2,
      reason:
        "its data does not fit claim.made: claim: Invalid input: expected number, received string; commit: Invalid input: expected string, received undefined",
    });
    const runEventOfWorkstream = checksummed(
      '{"seq":2,"ts":"2026-11-24T09:00:01.000Z","type":"run.resumed","workstream":"ws1","run":"r1"}',
    );
    expect(parseJournalText(first + runEventOfWorkstream).corruptLine).toEqual({
      lineNumber: 2,
      reason: "the run event run.resumed names a workstream",
    });
  });
});

function osError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * The real file system, except that once armed, sync fails with `syncError`, or write puts half
 * of its bytes on disk and then fails with `writeError`, as a full disk does.
 */
function failingFileSystem(failures: { syncError?: Error; writeError?: Error }) {
  let isArmed = false;
  let writes = 0;
  const fileSystem: JournalFileSystem = {
    syncDirectory: (path) => nodeJournalFileSystem.syncDirectory(path),
    async open(path) {
      const handle = await nodeJournalFileSystem.open(path);
      return {
        ...handle,
        async write(data) {
          writes++;
          if (isArmed && failures.writeError) {
            await handle.write(data.subarray(0, Math.floor(data.length / 2)));
            throw failures.writeError;
          }
          return handle.write(data);
        },
        async sync() {
          if (isArmed && failures.syncError) throw failures.syncError;
          return handle.sync();
        },
      };
    },
  };
  return {
    fileSystem,
    arm: () => {
      isArmed = true;
    },
    disarm: () => {
      isArmed = false;
    },
    writeCount: () => writes,
  };
}
