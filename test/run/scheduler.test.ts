import { describe, expect, it } from "vitest";
import { decideSchedule, dependencyWaves } from "../../src/run/scheduler.ts";
import { initialWorkstreamState, type WorkstreamState } from "../../src/run/workstream-state.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";

function states(entries: Record<string, WorkstreamState["status"]>): Map<string, WorkstreamState> {
  return new Map(
    Object.entries(entries).map(([id, status]) => [id, { ...initialWorkstreamState(id), status }]),
  );
}

const diamond = testPlan([
  testWorkstream("a"),
  testWorkstream("b", { dependsOn: ["a"] }),
  testWorkstream("c", { dependsOn: ["a"] }),
  testWorkstream("d", { dependsOn: ["b", "c"] }),
  testWorkstream("e"),
]);

describe("decideSchedule", () => {
  it("starts only workstreams whose dependencies are accepted, up to the concurrency", () => {
    const decision = decideSchedule(
      diamond,
      states({ a: "pending", b: "pending", c: "pending", d: "pending", e: "pending" }),
      {
        only: undefined,
        concurrency: 2,
      },
    );
    expect(decision).toEqual({ checkPhases: [], start: ["a", "e"], block: [] });
  });

  it("counts running, verifying and escalated workstreams against the concurrency", () => {
    const decision = decideSchedule(
      diamond,
      states({ a: "accepted", b: "verifying", c: "pending", d: "pending", e: "escalated" }),
      {
        only: undefined,
        concurrency: 3,
      },
    );
    expect(decision).toEqual({ checkPhases: [], start: ["c"], block: [] });
  });

  it("blocks dependents of a workstream that ended without acceptance", () => {
    const decision = decideSchedule(
      diamond,
      states({ a: "accepted", b: "rejected", c: "accepted", d: "pending", e: "accepted" }),
      {
        only: undefined,
        concurrency: 2,
      },
    );
    expect(decision).toEqual({
      checkPhases: [],
      start: [],
      block: [{ workstream: "d", reason: "depends on b, which ended rejected" }],
    });
  });

  it("runs only the --only selection and blocks what depends on an unselected, unaccepted workstream", () => {
    const decision = decideSchedule(
      diamond,
      states({ a: "pending", b: "pending", c: "pending", d: "pending", e: "pending" }),
      {
        only: new Set(["b", "e"]),
        concurrency: 4,
      },
    );
    expect(decision).toEqual({
      checkPhases: [],
      start: ["e"],
      block: [{ workstream: "b", reason: "depends on a, which is not in --only and not accepted" }],
    });
  });

  describe("canary rollout", () => {
    const canary = testPlan([testWorkstream("a"), testWorkstream("b"), testWorkstream("c")], {
      rollout: "canary",
    });

    it("starts exactly one workstream first", () => {
      expect(
        decideSchedule(canary, states({ a: "pending", b: "pending", c: "pending" }), {
          only: undefined,
          concurrency: 3,
        }),
      ).toEqual({ checkPhases: [], start: ["a"], block: [] });
    });

    it("starts nothing else while the canary is in flight", () => {
      expect(
        decideSchedule(canary, states({ a: "verifying", b: "pending", c: "pending" }), {
          only: undefined,
          concurrency: 3,
        }),
      ).toEqual({ checkPhases: [], start: [], block: [] });
    });

    it("goes parallel once the canary is accepted", () => {
      expect(
        decideSchedule(canary, states({ a: "accepted", b: "pending", c: "pending" }), {
          only: undefined,
          concurrency: 3,
        }),
      ).toEqual({ checkPhases: [], start: ["b", "c"], block: [] });
    });

    it("stops the rollout when the canary fails", () => {
      expect(
        decideSchedule(canary, states({ a: "blocked", b: "pending", c: "pending" }), {
          only: undefined,
          concurrency: 3,
        }),
      ).toEqual({
        checkPhases: [],
        start: [],
        block: [
          { workstream: "b", reason: "canary a was not accepted (blocked), so the rollout stopped" },
          { workstream: "c", reason: "canary a was not accepted (blocked), so the rollout stopped" },
        ],
      });
    });
  });
});

describe("dependencyWaves", () => {
  it("groups workstreams by dependency depth", () => {
    expect(dependencyWaves(diamond, { only: undefined })).toEqual([["a", "e"], ["b", "c"], ["d"]]);
  });
});
