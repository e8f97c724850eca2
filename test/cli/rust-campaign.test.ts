/**
 * The seeds' campaigns were Rust projects: rustup's cargo lives in ~/.cargo/bin, under the HOME the
 * sandbox hides. A plan whose check is `cargo test` must run it there, and judge the worker, not
 * the sandbox. Real cargo, real bwrap; skipped outside CI where cargo is not installed.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

function findCargo(): string | null {
  try {
    return execFileSync("bash", ["-c", "command -v cargo"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}
const cargo = findCargo();

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "Cargo.toml": '[package]\nname = "widget"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
    "src/lib.rs":
      "pub fn double(x: i32) -> i32 {\n    x + 2\n}\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n\n    #[test]\n    fn doubles() {\n        assert_eq!(double(3), 6);\n    }\n}\n",
    ".gitignore": "target/\nCargo.lock\n",
  });
});
afterEach(() => workspace.cleanup());

describe.skipIf(cargo === null && !process.env.CI)("a Rust workstream with rustup's cargo under HOME", () => {
  it("runs cargo in the sandbox and accepts the honest fix", async () => {
    const worker = workspace.writeWorker(
      "fix.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
sed -i 's/x + 2/x * 2/' src/lib.rs
git commit -qam "double multiplies"
supervise tool claim_done --input '{"summary": "double multiplies by two"}'
`,
    );
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "defaults:",
        "  done: [local_check, diff_scope]",
        "  commands: { check: cargo test }",
        "  stall: { max_restarts: 0, max_rejections: 1 }",
        "workstreams:",
        `  - { id: fix, goal: "double multiplies", agent: { provider: command, command: "bash ${worker}" } }`,
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml"]);
    const runs = join(workspace.directory, ".supervise", "runs");
    const bundle = JSON.parse(
      readFileSync(join(runs, readdirSync(runs)[0]!, "evidence", "fix", "bundle.json"), "utf8"),
    );
    expect(
      bundle.gates.map((gate: { id: string; status: string }) => `${gate.id}:${gate.status}`),
      JSON.stringify(bundle.gates, null, 2),
    ).toEqual(["local_check:pass", "diff_scope:pass"]);
    expect(result.exitCode).toBe(0);
  });
});
