/** Real repositories in a temp dir: the user's repository on `main`, the bare origin it pushes to. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";

/** Git as a worker or the user would run it: no machine config, nothing from the test runner. */
export function plainGitEnvironment(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    LC_ALL: "C",
  };
}

export interface Fixture {
  root: string;
  userRepository: string;
  origin: string;
  stateDir: string;
  /** Plain git, like a worker's; identity only when `asUser` (a worker's comes from its checkout). */
  git(
    cwd: string,
    args: string[],
    options?: { asUser?: boolean },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** Same, throwing on a non-zero exit; resolves with the trimmed stdout. */
  gitOk(cwd: string, args: string[], options?: { asUser?: boolean }): Promise<string>;
  /** Every ref and HEAD of a repository, as `sha ref` lines: to prove nothing moved. */
  refs(repository: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function createFixture(): Promise<Fixture> {
  const root = await mkdtemp(join(tmpdir(), "supervise-workspace-"));
  const home = join(root, "home");
  await mkdir(home);
  const environment = plainGitEnvironment(home);
  const userIdentity = {
    GIT_AUTHOR_NAME: "User",
    GIT_AUTHOR_EMAIL: "user@example.invalid",
    GIT_COMMITTER_NAME: "User",
    GIT_COMMITTER_EMAIL: "user@example.invalid",
  };

  const git: Fixture["git"] = async (cwd, args, options = {}) => {
    const result = await execa("git", args, {
      cwd,
      env: options.asUser ? { ...environment, ...userIdentity } : environment,
      extendEnv: false,
      reject: false,
    });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  const gitOk: Fixture["gitOk"] = async (cwd, args, options) => {
    const result = await git(cwd, args, options);
    if (result.exitCode !== 0) throw new Error(`git ${args.join(" ")} in ${cwd} failed: ${result.stderr}`);
    return result.stdout.trim();
  };

  const origin = join(root, "origin.git");
  const userRepository = join(root, "user");
  await gitOk(root, ["init", "--quiet", "--bare", "--initial-branch=main", origin]);
  await gitOk(root, ["init", "--quiet", "--initial-branch=main", userRepository]);
  await writeFile(join(userRepository, "README.md"), "# widget\n");
  await gitOk(userRepository, ["add", "README.md"]);
  await gitOk(userRepository, ["commit", "--quiet", "-m", "initial"], { asUser: true });
  await writeFile(join(userRepository, "widget.txt"), "one\n");
  await gitOk(userRepository, ["add", "widget.txt"]);
  await gitOk(userRepository, ["commit", "--quiet", "-m", "widget"], { asUser: true });
  await gitOk(userRepository, ["remote", "add", "origin", origin]);
  await gitOk(userRepository, ["push", "--quiet", "origin", "main"]);

  return {
    root,
    userRepository,
    origin,
    stateDir: join(root, "state"),
    git,
    gitOk,
    refs: async (repository) =>
      `${await gitOk(repository, ["for-each-ref", "--format=%(objectname) %(refname)"])}\nHEAD ${await gitOk(repository, ["symbolic-ref", "HEAD"])}`,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
