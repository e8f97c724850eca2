import { describe, expect, it } from "vitest";
import { agentCommandPaths, agentInstallPaths, toolchainPaths } from "../../src/sandbox/run-isolation.ts";

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

describe("agentInstallPaths", () => {
  const files = {
    exists: (path: string) =>
      ["/home/alice/.local/bin/claude", "/opt/tools/node_modules/.bin/codex"].includes(path),
    realPath: (path: string) =>
      ({
        "/home/alice/.local/bin/claude": "/home/alice/.local/share/claude/versions/2.1.197",
        "/opt/tools/node_modules/.bin/codex": "/opt/tools/node_modules/@openai/codex/bin/codex.js",
      })[path] ?? path,
  };

  it("finds the agent on PATH and mounts where it really lives: its folder, or the node_modules it runs from", () => {
    expect(agentInstallPaths("claude", "/usr/bin:/home/alice/.local/bin", files)).toEqual([
      "/home/alice/.local/bin/claude",
      "/home/alice/.local/share/claude/versions",
    ]);
    expect(agentInstallPaths("/opt/tools/node_modules/.bin/codex", undefined, files)).toEqual([
      "/opt/tools/node_modules/.bin/codex",
      "/opt/tools/node_modules",
    ]);
    expect(agentInstallPaths("codex", "/usr/bin", files)).toEqual([]);
  });
});
