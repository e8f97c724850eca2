import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const validate = (plan: string, cwd = root) =>
  execa(process.execPath, [join(root, "src", "cli.ts"), "validate", plan], { cwd, reject: false });

describe("the example plans", () => {
  it.each(["parallel-test-campaign.yaml", "phased-build.yaml"])(
    "sandbox/examples/%s validates beside its rust-target repository",
    async (plan) => {
      const workspace = mkdtempSync(join(tmpdir(), "supervise-examples-"));
      try {
        cpSync(join(root, "sandbox", "examples", plan), join(workspace, plan));
        cpSync(join(root, "sandbox", "examples", "rust-target"), join(workspace, "rust-target"), {
          recursive: true,
        });
        const git = (args: string[]) =>
          execa("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
            cwd: join(workspace, "rust-target"),
          });
        await git(["init", "-q", "-b", "main"]);
        await git(["add", "-A"]);
        await git(["commit", "-qm", "rust-target"]);
        const result = await validate(plan, workspace);
        expect(result.exitCode, result.stderr).toBe(0);
      } finally {
        rmSync(workspace, { recursive: true, force: true });
      }
    },
  );

  it.each(["week2.yaml", "week2.live.yaml", "week2.claude.yaml"])(
    "sandbox/%s validates beside a widget repository",
    async (plan) => {
      const workspace = mkdtempSync(join(tmpdir(), "supervise-examples-"));
      try {
        cpSync(join(root, "sandbox", plan), join(workspace, plan));
        cpSync(join(root, "sandbox", "target"), join(workspace, "widget"), { recursive: true });
        const git = (args: string[]) =>
          execa("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
            cwd: join(workspace, "widget"),
          });
        await git(["init", "-q", "-b", "main"]);
        await git(["add", "-A"]);
        await git(["commit", "-qm", "widget"]);
        const result = await validate(plan, workspace);
        expect(result.exitCode, result.stderr).toBe(0);
      } finally {
        rmSync(workspace, { recursive: true, force: true });
      }
    },
  );
});
