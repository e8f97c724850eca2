import { describe, expect, it } from "vitest";
import { type GateStatus, gateEventVerbs } from "../../src/evidence/gate-result.ts";
import { gateEventTypeOf, gateStatusOf, parseJournalEvent } from "../../src/run/events.ts";

describe("journal events", () => {
  it("maps every gate status to its event and back through one table", () => {
    const statuses = Object.keys(gateEventVerbs) as GateStatus[];
    expect(statuses.map((status) => [status, gateEventTypeOf(status)])).toEqual([
      ["pass", "gate.passed"],
      ["fail", "gate.failed"],
      ["error", "gate.errored"],
      ["skipped", "gate.skipped"],
      ["waived", "gate.waived"],
    ]);
    for (const status of statuses) expect(gateStatusOf(gateEventTypeOf(status))).toBe(status);
  });

  it("reads the data of an event typed, with the defaults an older journal lacks", () => {
    expect(
      parseJournalEvent({
        seq: 3,
        ts: "2026-01-01T00:00:00.000Z",
        type: "claim.made",
        workstream: "ws1",
        claim: 1,
        summary: "done",
        commit: null,
        head: "abc",
      }),
    ).toEqual({
      event: {
        seq: 3,
        ts: "2026-01-01T00:00:00.000Z",
        type: "claim.made",
        workstream: "ws1",
        claim: 1,
        summary: "done",
        commit: null,
        head: "abc",
        uncommitted_changes: [],
      },
    });
  });

  it("says what is wrong with an event it cannot read", () => {
    const envelope = { seq: 1, ts: "2026-01-01T00:00:00.000Z" };
    expect(parseJournalEvent({ ...envelope, type: "run.finished", workstream: null })).toEqual({
      problem:
        "its data does not fit run.finished: verdicts: Invalid input: expected record, received undefined",
    });
    expect(parseJournalEvent({ ...envelope, type: "worker.started", workstream: null, attempt: 1 })).toEqual({
      problem: "the event worker.started names no workstream",
    });
    expect(parseJournalEvent({ ...envelope, type: "worker.said", workstream: "ws1" })).toEqual({
      problem: 'its type "worker.said" is not an event this version of supervise knows',
    });
  });
});
