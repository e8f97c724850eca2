/**
 * Real repositories for the local forge tests: the plan's repository (`widget`), the supervisor's
 * private mirror a worker commits in, and a forge over a state dir, all in one temp folder.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { ManualClock } from "../../src/clock.ts";
import { createLocalForge, type LocalForge, type LocalForgeOptions } from "../../src/forge/index.ts";
import { createCommandRunner } from "../../src/sandbox/run-command.ts";

const gitEnvironment = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Worker",
  GIT_AUTHOR_EMAIL: "worker@example.com",
  GIT_COMMITTER_NAME: "Worker",
  GIT_COMMITTER_EMAIL: "worker@example.com",
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa(
    "git",
    ["-c", "init.defaultBranch=main", "-c", "advice.detachedHead=false", ...args],
    {
      cwd,
      env: gitEnvironment,
      extendEnv: false,
    },
  );
  return result.stdout.trim();
}

export async function commitFile(
  repository: string,
  path: string,
  content: string,
  message: string,
): Promise<string> {
  await mkdir(join(repository, path, ".."), { recursive: true });
  await writeFile(join(repository, path), content);
  await git(repository, "add", path);
  await git(repository, "commit", "--quiet", "-m", message);
  return git(repository, "rev-parse", "HEAD");
}

export interface ForgeFixture {
  root: string;
  userRepository: string;
  mirror: string;
  stateDir: string;
  temporaryDirectory: string;
  /** `commands.ci` by branch; tests set entries before pushing. */
  ciCommands: Record<string, string>;
  /** The first forge; `openForge` makes more over the same state dir (a restarted supervisor). */
  forge: LocalForge;
  openForge(overrides?: Partial<LocalForgeOptions>): LocalForge;
  /** Starts `branch` in the mirror from the forge's current main. */
  startBranch(branch: string): Promise<void>;
  cleanup(): Promise<void>;
}

export async function createForgeFixture(): Promise<ForgeFixture> {
  const root = await mkdtemp(join(tmpdir(), "supervise-local-forge-"));
  const userRepository = join(root, "widget");
  const mirror = join(root, "mirror");
  const stateDir = join(root, "widget-state");
  const temporaryDirectory = join(root, "tmp");
  const home = join(root, "home");
  await Promise.all([mkdir(userRepository), mkdir(temporaryDirectory), mkdir(home)]);

  await git(userRepository, "init", "--quiet");
  await writeFile(join(userRepository, ".gitignore"), "local-secret.txt\n");
  await git(userRepository, "add", ".gitignore");
  await commitFile(userRepository, "README.md", "line one\nline two\nline three\n", "Initial commit");
  await git(root, "clone", "--quiet", userRepository, mirror);

  const ciCommands: Record<string, string> = {};
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12));
  const forges: LocalForge[] = [];
  const openForge = (overrides: Partial<LocalForgeOptions> = {}) => {
    const forge = createLocalForge({
      stateDir,
      userRepository,
      base: "main",
      ciCommandFor: (branch) => ciCommands[branch],
      runner: createCommandRunner(),
      // What the composition root would build: a PATH to find tools, a private HOME, nothing else.
      environment: { PATH: gitEnvironment.PATH, HOME: home },
      clock,
      temporaryDirectory,
      ...overrides,
    });
    forges.push(forge);
    return forge;
  };
  const forge = openForge();

  return {
    root,
    userRepository,
    mirror,
    stateDir,
    temporaryDirectory,
    ciCommands,
    forge,
    openForge,
    async startBranch(branch) {
      await git(mirror, "fetch", "--quiet", forge.originPath, "main");
      await git(mirror, "checkout", "--quiet", "-B", branch, "FETCH_HEAD");
    },
    async cleanup() {
      await Promise.all(forges.map((each) => each.close()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
