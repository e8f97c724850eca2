import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateError } from "../../src/errors.ts";
import { encodeJournalLine } from "../../src/run/journal.ts";
import { createJournalTail } from "../../src/run/journal-tail.ts";

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-tail-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const line = (seq: number) =>
  encodeJournalLine(seq, "2026-12-04T21:00:00.000Z", "workstream.started", "w", JSON.stringify({ goal: "g" }))
    .line;

describe("createJournalTail", () => {
  it("reads each complete event once, leaves a line still being written for later, and has none before the file exists", async () => {
    const file = join(directory, "journal.jsonl");
    const tail = createJournalTail(file);
    expect(await tail.readNew()).toEqual([]);
    const second = line(2);
    await writeFile(file, line(1) + second.slice(0, 20));
    expect((await tail.readNew()).map((event) => event.seq)).toEqual([1]);
    expect(await tail.readNew()).toEqual([]);
    await appendFile(file, second.slice(20) + line(3));
    expect((await tail.readNew()).map((event) => event.seq)).toEqual([2, 3]);
  });

  it("names a damaged line instead of skipping it", async () => {
    const file = join(directory, "journal.jsonl");
    await writeFile(file, `${line(1)}{"seq":2,"not":"an event"}\n`);
    await expect(createJournalTail(file).readNew()).rejects.toThrow(StateError);
    await expect(createJournalTail(file).readNew()).rejects.toThrow(/Line 2 of the journal .* is damaged/);
  });
});
