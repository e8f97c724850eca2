/**
 * Runs the real `supervise` CLI as a child process against a real temp repository, the way a user
 * (or a black-box test) would: for end-to-end tests of the contract.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa, type ResultPromise } from "execa";
import { checkIsolationAvailable } from "../../src/sandbox/index.ts";

export const cliPath = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

const isolationAvailable = (await checkIsolationAvailable()).available;

export interface Workspace {
  directory: string;
  repository: string;
  git(args: string[], cwd?: string): string;
  writeWorker(name: string, script: string): string;
  writePlan(name: string, yaml: string): string;
  supervise(
    args: string[],
    options?: { env?: Record<string, string>; timeoutMs?: number },
  ): ResultPromise<{ reject: false; cwd: string }>;
  cleanup(): void;
}

export function createWorkspace(files: Record<string, string> = { "README.md": "# demo\n" }): Workspace {
  const directory = mkdtempSync(join(tmpdir(), "supervise-e2e-"));
  const repository = join(directory, "repo");
  const git = (args: string[], cwd = repository) =>
    execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.invalid", ...args], {
      cwd,
      encoding: "utf8",
    }).trim();
  execFileSync("mkdir", ["-p", repository]);
  git(["init", "-q", "-b", "main"]);
  for (const [name, content] of Object.entries(files)) {
    execFileSync("mkdir", ["-p", join(repository, name, "..")]);
    writeFileSync(join(repository, name), content);
  }
  git(["add", "-A"]);
  git(["commit", "-qm", "initial"]);
  return {
    directory,
    repository,
    git,
    writeWorker(name, script) {
      const file = join(directory, name);
      writeFileSync(file, script);
      chmodSync(file, 0o755);
      return file;
    },
    writePlan(name, yaml) {
      const file = join(directory, name);
      // On a machine without a usable bubblewrap (a laptop, not CI) the run would refuse to start;
      // the tests then run without OS isolation, while CI, which installs it, tests the real thing.
      const needsFallback = !isolationAvailable && !process.env.CI && !/^sandbox:/m.test(yaml);
      writeFileSync(file, needsFallback ? `${yaml}\nsandbox: { isolation: none }\n` : yaml);
      return file;
    },
    supervise(args, options = {}) {
      return execa(process.execPath, [cliPath, ...args], {
        cwd: directory,
        reject: false,
        env: { ...options.env, NO_COLOR: "1" },
        extendEnv: true,
        ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
      });
    },
    cleanup() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
