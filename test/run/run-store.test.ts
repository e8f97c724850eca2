import { appendFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { StateError } from "../../src/errors.ts";
import { encodeJournalLine, Journal } from "../../src/run/journal.ts";
import { createRun, latestRun, listRuns, newRunId } from "../../src/run/run-store.ts";

let directory: string;
let stateDir: string;
let clock: ManualClock;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-runs-"));
  stateDir = join(directory, "state");
  clock = new ManualClock(Date.UTC(2026, 10, 24, 8, 53, 48, 250));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<StateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    return error as StateError;
  }
  throw new Error("expected a StateError");
}

type SampleType = "run.started" | "run.finished" | "worker.started" | "gate.failed" | "workstream.accepted";

const runStarted = {
  run: "r1",
  plan: "plan.yaml",
  workstreams: ["ws1"],
  only: null,
  concurrency: 1,
  sandbox: null,
  repo: ".",
};

/** Appends events of the given types to a run's journal through the real Journal. */
async function record(journalFile: string, types: SampleType[]): Promise<void> {
  const { journal } = await Journal.open(journalFile, { clock });
  for (const type of types) {
    await appendSample(journal, type);
    clock.advance(1000);
  }
  await journal.close();
}

function appendSample(journal: Journal, type: SampleType): Promise<unknown> {
  switch (type) {
    case "run.started":
      return journal.append(type, null, runStarted);
    case "run.finished":
      return journal.append(type, null, { verdicts: { ws1: "accepted" } });
    case "worker.started":
      return journal.append(type, "ws1", { attempt: 1, provider: "command" });
    case "gate.failed":
      return journal.append(type, "ws1", { claim: 1, gate: "local_check", detail: "exited 1", observed: {} });
    case "workstream.accepted":
      return journal.append(type, "ws1", { claim: 1, commit: "abc" });
  }
}

describe("newRunId", () => {
  it("is the UTC time to the second and a random suffix", () => {
    expect(newRunId(clock, () => "a1b2")).toBe("20261124-085348-a1b2");
    expect(newRunId(clock)).toMatch(/^20261124-085348-[0-9a-f]{4}$/);
  });

  it("sorts as text in the order of time, across minutes, days, months and years", () => {
    const stepsMs = [1000, 59_000, 3_600_000, 86_400_000, 40 * 86_400_000, 400 * 86_400_000];
    const suffixes = ["ffff", "eeee", "dddd", "cccc", "bbbb", "aaaa", "0000"];
    const ids = [newRunId(clock, () => suffixes[0]!)];
    stepsMs.forEach((stepMs, index) => {
      clock.advance(stepMs);
      ids.push(newRunId(clock, () => suffixes[index + 1]!));
    });
    expect(ids.toSorted()).toEqual(ids);
    expect(ids.at(-1)).toBe("20280208-095448-0000");
  });

  it("refuses a suffix that is not lowercase letters and digits", () => {
    expect(() => newRunId(clock, () => "../x")).toThrow(
      'A run id suffix must be lowercase letters or digits: "../x".',
    );
  });
});

describe("createRun", () => {
  it("makes the run directory with its evidence, escalations and transcripts folders", async () => {
    const run = await createRun(stateDir, "20261124-085348-a1b2");
    const dir = join(stateDir, "runs", "20261124-085348-a1b2");
    expect(run).toEqual({
      id: "20261124-085348-a1b2",
      dir,
      journalFile: join(dir, "journal.jsonl"),
      isFinished: false,
      startedAt: null,
    });
    expect((await readdir(dir)).toSorted()).toEqual(["escalations", "evidence", "transcripts"]);
  });

  it("never reuses an existing run", async () => {
    await createRun(stateDir, "20261124-085348-a1b2");
    const error = await rejection(createRun(stateDir, "20261124-085348-a1b2"));
    expect(error.message.replace(directory, "<dir>")).toBe(
      "A run with id 20261124-085348-a1b2 already exists in <dir>/state/runs.",
    );
  });

  it("names the directory and the OS error when the state dir is not writable", async () => {
    await writeFile(join(directory, "a-file"), "");
    const error = await rejection(createRun(join(directory, "a-file"), "20261124-085348-a1b2"));
    expect(error.message.replaceAll(directory, "<dir>")).toBe(
      "Cannot create <dir>/a-file/runs: ENOTDIR: not a directory, mkdir '<dir>/a-file/runs'.",
    );
    expect(error.exitCode).toBe(2);
  });
});

describe("listRuns and latestRun", () => {
  it("finds no runs in a state dir that does not exist yet", async () => {
    expect(await listRuns(stateDir)).toEqual([]);
    expect(await latestRun(stateDir)).toBeNull();
  });

  it("lists runs oldest first, with their start time and whether they finished", async () => {
    const older = await createRun(stateDir, "20261124-085348-ffff");
    await record(older.journalFile, ["run.started", "workstream.accepted", "run.finished"]);
    const newer = await createRun(stateDir, "20261125-101010-0000");
    await record(newer.journalFile, ["run.started", "worker.started"]);
    const empty = await createRun(stateDir, "20261126-000000-0a0a");

    expect(await listRuns(stateDir)).toEqual([
      { ...older, isFinished: true, startedAt: "2026-11-24T08:53:48.250Z", plan: "plan.yaml" },
      { ...newer, isFinished: false, startedAt: "2026-11-24T08:53:51.250Z", plan: "plan.yaml" },
      { ...empty, isFinished: false, startedAt: null },
    ]);
  });

  it("picks the latest run and tells whether it is unfinished", async () => {
    const first = await createRun(stateDir, "20261124-085348-aaaa");
    await record(first.journalFile, ["run.started", "run.finished"]);
    const second = await createRun(stateDir, "20261124-085349-0000");
    await record(second.journalFile, ["run.started", "gate.failed"]);
    expect(await latestRun(stateDir)).toEqual({
      ...second,
      isFinished: false,
      startedAt: "2026-11-24T08:53:50.250Z",
      plan: "plan.yaml",
    });

    await record(second.journalFile, ["run.finished"]);
    expect((await latestRun(stateDir))?.isFinished).toBe(true);
  });

  it("decides finished-ness from the tail of a big journal without reading it whole", async () => {
    const run = await createRun(stateDir, "20261124-085348-a1b2");
    const lines: string[] = [];
    const padding = "x".repeat(500);
    for (let seq = 1; seq <= 400; seq++) {
      const ts = `2026-11-24T09:00:${String(seq % 60).padStart(2, "0")}.000Z`;
      const line =
        seq === 400
          ? encodeJournalLine(seq, ts, "run.finished", null, '{"verdicts":{}}')
          : encodeJournalLine(seq, ts, "workstream.started", "ws1", JSON.stringify({ goal: padding }));
      lines.push(line.line);
    }
    // Damage far from both ends: reading the whole journal would refuse it, the tail read never sees it.
    lines[200] = `${lines[200]!.slice(0, 30)}\n`;
    await writeFile(run.journalFile, lines.join(""));
    expect(await latestRun(stateDir)).toEqual({
      ...run,
      isFinished: true,
      startedAt: "2026-11-24T09:00:01.000Z",
    });
  });

  it("does not count a torn run.finished line, nor one only mentioned inside another event", async () => {
    const run = await createRun(stateDir, "20261124-085348-a1b2");
    const { journal } = await Journal.open(run.journalFile, { clock });
    await journal.append("run.started", null, runStarted);
    await journal.append("gate.failed", "ws1", {
      claim: 1,
      gate: "local_check",
      detail: '{"type":"run.finished"}',
      observed: { nested: { type: "run.finished" } },
    });
    await journal.close();
    const { line } = encodeJournalLine(3, "2026-11-24T09:00:00.000Z", "run.finished", null, "{}");
    await appendFile(run.journalFile, line.slice(0, -10));
    expect((await latestRun(stateDir))?.isFinished).toBe(false);
  });

  it("says clearly when an entry of runs/ is not a run directory", async () => {
    await createRun(stateDir, "20261124-085348-a1b2");
    await writeFile(join(stateDir, "runs", "notes.txt"), "");
    const error = await rejection(listRuns(stateDir));
    expect(error.message.replaceAll(directory, "<dir>")).toBe(
      "<dir>/state/runs/notes.txt is not a run: every entry of <dir>/state/runs must be a run directory.",
    );
    expect(error.hint?.replaceAll(directory, "<dir>")).toBe(
      "Move <dir>/state/runs/notes.txt out of <dir>/state/runs.",
    );
  });

  it("says clearly when runs is not a directory", async () => {
    await mkdir(stateDir, { recursive: true });
    await writeFile(join(stateDir, "runs"), "");
    const error = await rejection(listRuns(stateDir));
    expect(error.message.replaceAll(directory, "<dir>")).toBe(
      "Cannot list the runs in <dir>/state/runs: ENOTDIR: not a directory, scandir '<dir>/state/runs'.",
    );
  });
});
