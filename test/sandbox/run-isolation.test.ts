import { describe, expect, it } from "vitest";
import { planReadablePaths } from "../../src/sandbox/run-isolation.ts";

describe("planReadablePaths", () => {
  it("makes the plan's folder and every absolute path the agent command names readable, file and folder", () => {
    const existing = new Set(["/work/repo/worker.sh", "/opt/agents/run"]);
    expect(
      planReadablePaths(
        "/work/repo/plan.yaml",
        ["bash /work/repo/worker.sh --fast", "'/opt/agents/run' x", "bash ./relative.sh /does/not/exist"],
        (path) => existing.has(path),
      ),
    ).toEqual(["/work/repo", "/work/repo/worker.sh", "/opt/agents", "/opt/agents/run"]);
  });
});
