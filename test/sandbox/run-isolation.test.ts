import { describe, expect, it } from "vitest";
import { agentCommandPaths, toolchainPaths } from "../../src/sandbox/run-isolation.ts";

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

describe("toolchainPaths", () => {
  it("mounts the install roots of toolchains on PATH under HOME, and nothing else of HOME", () => {
    const existing = new Set([
      "/home/alice/.cargo/bin",
      "/home/alice/.rustup",
      "/home/alice/.pyenv/shims",
      "/home/alice/.local/bin",
      "/home/alice/.nvm/versions/node/v22.0.0/bin",
      "/home/alice/work/app/node_modules/.bin",
    ]);
    expect(
      toolchainPaths(
        "/home/alice",
        "/home/alice/.cargo/bin:/home/alice/.pyenv/shims:/home/alice/.local/bin:/home/alice/.nvm/versions/node/v22.0.0/bin:/home/alice/work/app/node_modules/.bin:/home/alice/missing/bin:/usr/bin:/bin",
        (path) => existing.has(path),
      ),
    ).toEqual([
      "/home/alice/.cargo",
      "/home/alice/.rustup",
      "/home/alice/.pyenv",
      "/home/alice/.local/bin",
      "/home/alice/.nvm",
      "/home/alice/work/app/node_modules/.bin",
    ]);
    expect(toolchainPaths(undefined, "/usr/bin", () => true)).toEqual([]);
  });
});
