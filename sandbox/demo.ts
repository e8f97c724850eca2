/**
 * The hermetic demo: copies the widget target into a fresh temp workspace (its own git repo),
 * writes the plan there and runs `supervise` on it, so it can be re-run any number of times.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/main.ts";

const sandbox = fileURLToPath(new URL(".", import.meta.url));
const workspace = mkdtempSync(join(tmpdir(), "supervise-demo-"));
const repository = join(workspace, "widget");
cpSync(join(sandbox, "target"), repository, { recursive: true });
cpSync(join(sandbox, "workers"), join(workspace, "workers"), { recursive: true });
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=demo", "-c", "user.email=demo@example.invalid", ...args], {
    cwd: repository,
    stdio: "ignore",
  });
git("init", "-q", "-b", "main");
git("add", "-A");
git("commit", "-qm", "widget: initial import");
const plan = readFileSync(join(sandbox, "hello.yaml"), "utf8").replaceAll(
  "__WORKERS__",
  join(workspace, "workers"),
);
writeFileSync(join(workspace, "hello.yaml"), plan);

process.stdout.write(`Demo workspace: ${workspace}\n\n`);
process.exitCode = await main([join(workspace, "hello.yaml"), ...process.argv.slice(2)]);
process.stdout.write(
  `\nLook around: cd ${workspace} && npx --prefix ${join(sandbox, "..")} supervise status\n`,
);
