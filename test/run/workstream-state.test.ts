import { describe, expect, it } from "vitest";
import type { JournalEvent } from "../../src/run/journal.ts";
import { foldEvents, InvalidTransitionError } from "../../src/run/workstream-state.ts";

let seq = 0;
function event(type: string, workstream: string | null, data: Record<string, unknown> = {}): JournalEvent {
  seq += 1;
  return { seq, ts: `2026-01-01T00:00:${String(seq).padStart(2, "0")}.000Z`, type, workstream, ...data };
}

describe("the workstream state machine", () => {
  it("folds a rejected then accepted claim into the final state", () => {
    const state = foldEvents(
      ["ws1"],
      [
        event("run.started", null, { run: "r1" }),
        event("workstream.started", "ws1"),
        event("checkout.created", "ws1", { path: "/c/ws1", branch: "supervise/ws1" }),
        event("worker.started", "ws1", { attempt: 1 }),
        event("claim.made", "ws1", { claim: 1, summary: "done", commit: "abc" }),
        event("gate.failed", "ws1", {
          claim: 1,
          gate: "local_check",
          detail: "`npm test` exited 1",
          observed: { exit_code: 1 },
        }),
        event("claim.rejected", "ws1", { claim: 1 }),
        event("claim.made", "ws1", { claim: 2, summary: "fixed", commit: "def" }),
        event("gate.passed", "ws1", {
          claim: 2,
          gate: "local_check",
          detail: "`npm test` exited 0",
          observed: { exit_code: 0 },
        }),
        event("claim.accepted", "ws1", { claim: 2, commit: "def" }),
        event("worker.exited", "ws1", { attempt: 1 }),
      ],
    );
    const workstream = state.workstreams.get("ws1")!;
    expect(state.runId).toBe("r1");
    expect(workstream.status).toBe("accepted");
    expect(workstream.rejections).toBe(1);
    expect(workstream.liveWorkerAttempts).toEqual([]);
    expect(workstream.claims).toEqual([
      {
        id: 1,
        attempt: 1,
        summary: "done",
        commit: "abc",
        verdict: "rejected",
        gates: [
          {
            gate: "local_check",
            status: "fail",
            detail: "`npm test` exited 1",
            observed: { exit_code: 1 },
            command: null,
          },
        ],
      },
      {
        id: 2,
        attempt: 1,
        summary: "fixed",
        commit: "def",
        verdict: "accepted",
        gates: [
          {
            gate: "local_check",
            status: "pass",
            detail: "`npm test` exited 0",
            observed: { exit_code: 0 },
            command: null,
          },
        ],
      },
    ]);
  });

  it("refuses an edge the machine does not have", () => {
    expect(() => foldEvents(["ws1"], [event("claim.made", "ws1", { claim: 1 })])).toThrow(
      InvalidTransitionError,
    );
  });

  it("remembers workers that were started and never seen to exit", () => {
    const state = foldEvents(
      ["ws1"],
      [event("workstream.started", "ws1"), event("worker.started", "ws1", { attempt: 1 })],
    );
    expect(state.workstreams.get("ws1")?.liveWorkerAttempts).toEqual([1]);
  });
});
