/**
 * The scheduler with phases: a phase starts when every workstream of the phases before it is
 * accepted and their gates passed (or were waived); the due gates are named; what can never
 * pass blocks the later phases with its reason. Pure, on data.
 */
import { describe, expect, it } from "vitest";
import type { JournalEventOf } from "../../src/run/events.ts";
import { applyPhaseEvent, type PhaseState } from "../../src/run/phase-state.ts";
import { decideSchedule, dependencyWaves } from "../../src/run/scheduler.ts";
import { initialWorkstreamState, type WorkstreamState } from "../../src/run/workstream-state.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";

function states(entries: Record<string, WorkstreamState["status"]>): Map<string, WorkstreamState> {
  return new Map(
    Object.entries(entries).map(([id, status]) => [id, { ...initialWorkstreamState(id), status }]),
  );
}

const gate = (name: string) => ({ name, run: `check ${name}`, timeoutMinutes: 60 });

/** build (a, b; gate registry) → polish (c; no gates) → ship (d; gate smoke), and e in no phase. */
const plan = testPlan(
  [
    testWorkstream("c", { phase: "polish" }),
    testWorkstream("a", { phase: "build" }),
    testWorkstream("b", { phase: "build", dependsOn: ["a"] }),
    testWorkstream("d", { phase: "ship" }),
    testWorkstream("e"),
  ],
  {
    concurrency: 4,
    phases: [
      { name: "build", workstreams: ["a", "b"], gates: [gate("registry")] },
      { name: "polish", workstreams: ["c"], gates: [] },
      { name: "ship", workstreams: ["d"], gates: [gate("smoke")] },
    ],
  },
);
const all = { only: undefined, concurrency: 4 };

type PhaseEvent = JournalEventOf<"phase.passed" | "phase.failed" | "phase.decided">;
const at = { seq: 1, ts: "2026-12-04T20:00:00.000Z", workstream: null } as const;

/** Phase states as the journal would fold them. */
function phaseStates(...events: PhaseEvent[]): Map<string, PhaseState> {
  const phases = new Map<string, PhaseState>();
  for (const event of events) applyPhaseEvent(phases, event);
  return phases;
}
const passed = (phase: string): PhaseEvent => ({
  ...at,
  type: "phase.passed",
  phase,
  base_sha: "b".repeat(40),
  gates: [],
});
const failed = (phase: string, escalation: string): PhaseEvent => ({
  ...at,
  type: "phase.failed",
  phase,
  base_sha: "b".repeat(40),
  gates: [],
  escalation,
});
const decided = (phase: string, escalation: string, decision: "approve" | "deny" | "reply"): PhaseEvent => ({
  ...at,
  type: "phase.decided",
  phase,
  escalation,
  decision,
  decided_by: "ana",
  note: null,
  text: null,
});

describe("decideSchedule with phases", () => {
  it("starts only the first phase (and workstreams of no phase) at first", () => {
    expect(decideSchedule(plan, states({}), all)).toEqual({ start: ["a", "e"], block: [], checkPhases: [] });
  });

  it("holds the next phase while the phase's workstreams run, then names its gates as due", () => {
    const running = states({ a: "accepted", b: "verifying", e: "accepted" });
    expect(decideSchedule(plan, running, all)).toEqual({ start: [], block: [], checkPhases: [] });
    const accepted = states({ a: "accepted", b: "accepted", e: "accepted" });
    expect(decideSchedule(plan, accepted, all)).toEqual({ start: [], block: [], checkPhases: ["build"] });
  });

  it("starts the next phase once the gates passed, and passes through a phase without gates", () => {
    const buildDone = states({ a: "accepted", b: "accepted", e: "accepted" });
    expect(decideSchedule(plan, buildDone, all, phaseStates(passed("build")))).toEqual({
      start: ["c"],
      block: [],
      checkPhases: [],
    });
    const polishDone = states({ a: "accepted", b: "accepted", c: "accepted", e: "accepted" });
    expect(decideSchedule(plan, polishDone, all, phaseStates(passed("build")))).toEqual({
      start: ["d"],
      block: [],
      checkPhases: [],
    });
  });

  it("never names gates that already passed again (a resumed run does not re-run them)", () => {
    const everything = states({ a: "accepted", b: "accepted", c: "accepted", d: "accepted", e: "accepted" });
    expect(decideSchedule(plan, everything, all, phaseStates(passed("build"), passed("ship")))).toEqual({
      start: [],
      block: [],
      checkPhases: [],
    });
    expect(decideSchedule(plan, everything, all, phaseStates(passed("build")))).toEqual({
      start: [],
      block: [],
      checkPhases: ["ship"],
    });
  });

  it("holds the next phase while a human decides a red check; approve opens it, reply makes the gates due again", () => {
    const buildDone = states({ a: "accepted", b: "accepted", e: "accepted" });
    const red = phaseStates(failed("build", "phase-build-1"));
    expect(decideSchedule(plan, buildDone, all, red)).toEqual({ start: [], block: [], checkPhases: [] });
    const waived = phaseStates(
      failed("build", "phase-build-1"),
      decided("build", "phase-build-1", "approve"),
    );
    expect(waived.get("build")?.status).toBe("waived");
    expect(decideSchedule(plan, buildDone, all, waived).start).toEqual(["c"]);
    const replied = phaseStates(failed("build", "phase-build-1"), decided("build", "phase-build-1", "reply"));
    expect(decideSchedule(plan, buildDone, all, replied)).toEqual({
      start: [],
      block: [],
      checkPhases: ["build"],
    });
  });

  it("blocks every later phase when a human denies going on", () => {
    const buildDone = states({ a: "accepted", b: "accepted", e: "accepted" });
    const denied = phaseStates(failed("build", "phase-build-1"), decided("build", "phase-build-1", "deny"));
    const reason =
      "phase build's gates failed on the integrated base and ana denied going on (escalation phase-build-1)";
    expect(decideSchedule(plan, buildDone, all, denied)).toEqual({
      start: [],
      block: [
        { workstream: "c", reason },
        { workstream: "d", reason },
      ],
      checkPhases: [],
    });
  });

  it("blocks later phases when a workstream of an earlier one ended without acceptance", () => {
    const decision = decideSchedule(plan, states({ a: "accepted", b: "rejected", e: "running" }), all);
    const reason = "phase build cannot pass: its workstream b ended rejected";
    expect(decision).toEqual({
      start: [],
      block: [
        { workstream: "c", reason },
        { workstream: "d", reason },
      ],
      checkPhases: [],
    });
  });

  it("blocks later phases when --only leaves out an unaccepted workstream of an earlier phase", () => {
    const decision = decideSchedule(plan, states({}), { only: new Set(["b", "c"]), concurrency: 2 });
    expect(decision).toEqual({
      start: [],
      block: [
        {
          workstream: "c",
          reason: "phase build cannot pass: its workstream a is not in --only and not accepted",
        },
        { workstream: "b", reason: "depends on a, which is not in --only and not accepted" },
      ],
      checkPhases: [],
    });
  });
});

describe("dependencyWaves with phases", () => {
  it("puts a phase's first wave after every wave of the phases before it", () => {
    expect(dependencyWaves(plan, { only: undefined })).toEqual([["a", "e"], ["b"], ["c"], ["d"]]);
  });
});
