import { describe, expect, it } from "vitest";
import type { JournalEvent } from "../../src/run/events.ts";
import { foldEvents, InvalidTransitionError } from "../../src/run/workstream-state.ts";
import { journalEvent } from "../fakes/journal-events.ts";

let seq = 0;
function event(type: string, workstream: string | null, data: Record<string, unknown> = {}): JournalEvent {
  seq += 1;
  return journalEvent(seq, `2026-01-01T00:00:${String(seq).padStart(2, "0")}.000Z`, type, workstream, data);
}

const started = { run: "r1", plan: "plan.yaml", workstreams: ["ws1"], only: null, concurrency: 1 };
const claimMade = (claim: number, commit: string | null, uncommittedChanges: string[] = []) =>
  event("claim.made", "ws1", {
    claim,
    summary: `claim ${claim}`,
    commit,
    head: commit ?? "def",
    uncommitted_changes: uncommittedChanges,
  });
const gate = (type: string, claim: number, name: string, detail: string) =>
  event(type, "ws1", { claim, gate: name, detail, observed: { exit_code: 0 } });

describe("the workstream state machine", () => {
  it("folds a rejected then accepted claim into the final state", () => {
    const state = foldEvents(
      ["ws1"],
      [
        event("run.started", null, started),
        event("workstream.started", "ws1", { goal: "g" }),
        event("checkout.created", "ws1", { path: "/c/ws1", branch: "supervise/ws1", base_sha: "base" }),
        event("worker.started", "ws1", { attempt: 1, provider: "command" }),
        event("claim.made", "ws1", {
          claim: 1,
          summary: "done",
          commit: "abc",
          head: "abc",
          uncommitted_changes: [],
        }),
        event("gate.failed", "ws1", {
          claim: 1,
          gate: "local_check",
          detail: "`npm test` exited 1",
          observed: { exit_code: 1 },
        }),
        event("claim.rejected", "ws1", { claim: 1, failed_gates: ["local_check"] }),
        event("claim.made", "ws1", {
          claim: 2,
          summary: "fixed",
          commit: "def",
          head: "def",
          uncommitted_changes: [],
        }),
        event("gate.passed", "ws1", {
          claim: 2,
          gate: "local_check",
          detail: "`npm test` exited 0",
          observed: { exit_code: 0 },
        }),
        event("claim.accepted", "ws1", { claim: 2, commit: "def" }),
        event("worker.exited", "ws1", { attempt: 1, exit_code: 0, description: "exited 0" }),
      ],
    );
    const workstream = state.workstreams.get("ws1")!;
    expect(state.runId).toBe("r1");
    expect(workstream.status).toBe("accepted");
    expect(workstream.rejections).toBe(1);
    expect(workstream.baseSha).toBe("base");
    expect(workstream.liveWorkerAttempts).toEqual([]);
    expect(workstream.claims).toEqual([
      {
        id: 1,
        attempt: 1,
        summary: "done",
        commit: "abc",
        uncommittedChanges: [],
        verdict: "rejected",
        gates: [
          {
            gate: "local_check",
            status: "fail",
            detail: "`npm test` exited 1",
            observed: { exit_code: 1 },
            command: null,
            fixHint: null,
          },
        ],
      },
      {
        id: 2,
        attempt: 1,
        summary: "fixed",
        commit: "def",
        uncommittedChanges: [],
        verdict: "accepted",
        gates: [
          {
            gate: "local_check",
            status: "pass",
            detail: "`npm test` exited 0",
            observed: { exit_code: 0 },
            command: null,
            fixHint: null,
          },
        ],
      },
    ]);
  });

  it("refuses an edge the machine does not have", () => {
    expect(() => foldEvents(["ws1"], [claimMade(1, "abc")])).toThrow(InvalidTransitionError);
  });

  it("remembers workers that were started and never seen to exit", () => {
    const state = foldEvents(
      ["ws1"],
      [
        event("workstream.started", "ws1", { goal: "g" }),
        event("worker.started", "ws1", { attempt: 1, provider: "command" }),
      ],
    );
    expect(state.workstreams.get("ws1")?.liveWorkerAttempts).toEqual([1]);
  });

  it("keeps what kept a claim from naming a commit, as the claim recorded it", () => {
    const hidden = "src/a.js (marked skip-worktree: its changes are hidden from git status)";
    const state = foldEvents(
      ["ws1"],
      [event("workstream.started", "ws1", { goal: "g" }), claimMade(1, null, ["?? notes.txt", hidden])],
    );
    expect(state.workstreams.get("ws1")?.claims.at(-1)?.uncommittedChanges).toEqual(["?? notes.txt", hidden]);
  });

  it("takes each gate's status from its event, and a waiver keeps what was observed", () => {
    const state = foldEvents(
      ["ws1"],
      [
        event("workstream.started", "ws1", { goal: "g" }),
        claimMade(1, "abc"),
        gate("gate.passed", 1, "local_check", "ok"),
        gate("gate.errored", 1, "ci_green", "the forge did not answer"),
        gate("gate.skipped", 1, "review", "not run"),
        gate("gate.failed", 1, "diff_scope", "only tests changed"),
        event("claim.rejected", "ws1", { claim: 1, failed_gates: ["ci_green", "diff_scope"] }),
        gate("gate.waived", 1, "diff_scope", "waived by ann"),
      ],
    );
    expect(
      state.workstreams
        .get("ws1")
        ?.claims[0]?.gates.map(({ gate, status, detail, observed }) => ({ gate, status, detail, observed })),
    ).toEqual([
      { gate: "local_check", status: "pass", detail: "ok", observed: { exit_code: 0 } },
      { gate: "ci_green", status: "error", detail: "the forge did not answer", observed: { exit_code: 0 } },
      { gate: "review", status: "skipped", detail: "not run", observed: { exit_code: 0 } },
      { gate: "diff_scope", status: "waived", detail: "waived by ann", observed: { exit_code: 0 } },
    ]);
  });

  it("folds an escalation journaled before its source and decider were recorded", () => {
    const opened = event("escalation.opened", "ws1", { escalation: "ws1-1", question: "May I?" });
    const decided = event("escalation.decided", "ws1", {
      escalation: "ws1-1",
      decision: "approve",
      note: null,
      text: null,
    });
    const state = foldEvents(["ws1"], [event("workstream.started", "ws1", { goal: "g" }), opened, decided]);
    const workstream = state.workstreams.get("ws1")!;
    expect(workstream.status).toBe("running");
    expect(workstream.escalations).toEqual([
      {
        id: "ws1-1",
        question: "May I?",
        source: "worker",
        opened_at: opened.ts,
        decision: "approve",
        note: null,
        text: null,
        decided_at: decided.ts,
      },
    ]);
    // A worker's question is answered; only the supervisor's own escalations grant another start.
    expect(workstream.extraStartsGranted).toBe(0);
    expect(workstream.decisionEffectPending).toBeNull();
  });

  it("folds an unverified landing: escalated at once, the decision owed until the workstream ends", () => {
    const landing = {
      claim: 1,
      pr: 8,
      pr_url: "file:///forge/pulls/8.json",
      merge_commit: "m1",
      landed_head: "abc",
      failed_gates: ["diff_scope"],
      revert_pr: {
        number: 9,
        url: "file:///forge/pulls/9.json",
        head: "supervise/ws1-revert",
        head_sha: "r1",
      },
      restores: "base",
      revert_error: null,
    };
    const before = [
      event("run.started", null, started),
      event("workstream.started", "ws1", { goal: "g" }),
      event("merge.completed", "ws1", { number: 5, merge_commit: "earlier" }),
      claimMade(1, "abc"),
      gate("gate.failed", 1, "diff_scope", "test deleted"),
      event("landing.unverified", "ws1", landing),
      event("claim.rejected", "ws1", { claim: 1, failed_gates: ["diff_scope"] }),
    ];
    const crashed = foldEvents(["ws1"], before).workstreams.get("ws1")!;
    expect(crashed.status).toBe("running");
    expect(crashed.mergedBySupervisor).toEqual(["earlier"]);
    expect(crashed.landing).toMatchObject({
      escalation: null,
      resolution: null,
      revertPr: { number: 9, headSha: "r1" },
    });

    const decided = [
      ...before,
      event("escalation.opened", "ws1", { escalation: "ws1-1", question: "keep it?", source: "landing" }),
      event("escalation.decided", "ws1", { escalation: "ws1-1", decision: "deny", note: null, text: null }),
    ];
    const waiting = foldEvents(["ws1"], decided).workstreams.get("ws1")!;
    expect(waiting.status).toBe("running");
    expect(waiting.landing?.escalation).toBe("ws1-1");
    expect(waiting.extraStartsGranted).toBe(0);
    expect(waiting.decisionEffectPending).toEqual({ escalation: "ws1-1", effect: "revert_landing" });

    const resolution = {
      escalation: "ws1-1",
      decision: "deny",
      outcome: "reverted",
      revert_pr: 9,
      revert_merge_commit: "m2",
      detail: "revert pull request #9 is merged as m2",
    };
    const ended = foldEvents(
      ["ws1"],
      [
        ...decided,
        event("landing.resolved", "ws1", resolution),
        event("workstream.rejected", "ws1", { reason: "denied" }),
      ],
    ).workstreams.get("ws1")!;
    expect(ended.status).toBe("rejected");
    expect(ended.landing?.resolution).toEqual(resolution);
    expect(ended.decisionEffectPending).toBeNull();
  });
});
