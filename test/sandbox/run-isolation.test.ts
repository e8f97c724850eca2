import { describe, expect, it } from "vitest";
import { agentCommandPaths } from "../../src/sandbox/run-isolation.ts";

describe("agentCommandPaths", () => {
  it("names every existing absolute path of the agent command, and nothing beside it", () => {
    const existing = new Set(["/work/repo/worker.sh", "/opt/agents/run"]);
    expect(
      agentCommandPaths(
        "bash /work/repo/worker.sh --fast '/opt/agents/run' ./relative.sh /does/not/exist",
        (path) => existing.has(path),
      ),
    ).toEqual(["/work/repo/worker.sh", "/opt/agents/run"]);
  });
});
