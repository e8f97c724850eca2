/**
 * The bare origin under `<stateDir>/forge/origin.git`: made once from the plan's repository,
 * written only by the supervisor (branch pushes, merges), and named `supervise` in the plan's
 * repository so `git pull supervise main` brings merged work home.
 */
import { mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ExitCode } from "../../errors.ts";
import type { Git } from "./git.ts";
import { LocalForgeError } from "./local-forge-error.ts";

export const superviseRemoteName = "supervise";
export const pullRequestTrailer = "Supervise-Pull-Request";

export interface OriginRepository {
  readonly path: string;
  /** Creates origin from the user repository's base branch, or fast-forwards origin's base to it. */
  prepare(options: { userRepository: string; base: string }): Promise<void>;
  /** The commit `branch` points to on origin, or null when origin has no such branch. */
  branchSha(branch: string): Promise<string | null>;
  isAncestor(sha: string, branch: string): Promise<boolean>;
  /** Force-updates `branch` on origin to `sha`, fetched from a repository the supervisor owns. */
  receive(options: { fromRepository: string; sha: string; branch: string }): Promise<void>;
  /** The commit on `base` whose message carries the trailer of pull request `number`, if any. */
  findLandedPullRequest(number: number, base: string): Promise<string | null>;
  /** The pull requests whose commits reached `baseSha` since `headSha` branched from it, oldest first. */
  pullRequestsLandedSince(headSha: string, baseSha: string): Promise<number[]>;
}

export function createOriginRepository(git: Git, path: string): OriginRepository {
  const inOrigin = { gitDirectory: path };

  async function branchSha(branch: string): Promise<string | null> {
    const outcome = await git.attempt(
      ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`],
      inOrigin,
    );
    return outcome.exitCode === 0 ? outcome.stdout.trim() : null;
  }

  async function prepare(options: { userRepository: string; base: string }): Promise<void> {
    await requireBaseBranch(git, options.userRepository, options.base);
    if (!(await exists(path))) {
      await createFrom(options.userRepository, options.base);
    } else {
      // Commits the person added to the base since arrive as a fast-forward. Without the force
      // flag git refuses anything else, so a base that diverged keeps origin's history (merged
      // pull requests) until the person pulls it; that refusal is expected, not an error.
      await git.attempt(baseFetchArguments(options.userRepository, options.base), inOrigin);
      if ((await branchSha(options.base)) === null) throw missingBranch(options.base);
    }
    await ensureRemote(git, options.userRepository, path);
  }

  /** Built beside its final place and renamed in, so a crash never leaves a half-made origin. */
  async function createFrom(userRepository: string, base: string): Promise<void> {
    const parent = dirname(path);
    await removeLeftovers(parent);
    const partial = await mkdtemp(join(parent, partialPrefix));
    try {
      await git.run(["init", "--quiet", "--bare", partial]);
      // Never prune: CI may need a commit whose branch was force-pushed elsewhere since.
      await git.run(["config", "gc.auto", "0"], { gitDirectory: partial });
      // A bare repository keeps no reflog by default; this one keeps the history of every push.
      await git.run(["config", "core.logAllRefUpdates", "always"], { gitDirectory: partial });
      await git.run(baseFetchArguments(userRepository, base), { gitDirectory: partial });
      await git.run(["symbolic-ref", "HEAD", `refs/heads/${base}`], { gitDirectory: partial });
      await rename(partial, path);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      throw error;
    }
  }

  async function isAncestor(sha: string, branch: string): Promise<boolean> {
    const outcome = await git.attempt(["merge-base", "--is-ancestor", sha, `refs/heads/${branch}`], inOrigin);
    if (outcome.exitCode === 0) return true;
    if (outcome.exitCode === 1) return false;
    if ((await branchSha(branch)) === null) throw missingBranch(branch);
    return false; // git knows no commit `sha`, so it is not on the branch either
  }

  async function receive(options: { fromRepository: string; sha: string; branch: string }): Promise<void> {
    // Fetched by origin rather than pushed by the source repository: only origin's config, which
    // the supervisor wrote, decides where the objects go (a source repo could rewrite URLs).
    await git.run(
      [
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        options.fromRepository,
        `+${options.sha}:refs/heads/${options.branch}`,
      ],
      inOrigin,
    );
  }

  async function pullRequestsLandedSince(headSha: string, baseSha: string): Promise<number[]> {
    const forkPoint = await git.attempt(["merge-base", headSha, baseSha], inOrigin);
    const range = forkPoint.exitCode === 0 ? `${forkPoint.stdout.trim()}..${baseSha}` : baseSha;
    const trailers = await git.run(
      ["log", "--reverse", `--format=%(trailers:key=${pullRequestTrailer},valueonly)`, range],
      inOrigin,
    );
    return trailers
      .split("\n")
      .map((line) => Number.parseInt(line.trim(), 10))
      .filter((number) => Number.isInteger(number) && number > 0);
  }

  async function findLandedPullRequest(number: number, base: string): Promise<string | null> {
    const found = await git.run(
      [
        "log",
        "--format=%H",
        "-n",
        "1",
        "-E",
        `--grep=^${pullRequestTrailer}: ${number}$`,
        `refs/heads/${base}`,
      ],
      inOrigin,
    );
    return found || null;
  }

  return { path, prepare, branchSha, isAncestor, receive, findLandedPullRequest, pullRequestsLandedSince };
}

const partialPrefix = "origin.partial-";

function baseFetchArguments(userRepository: string, base: string): string[] {
  const refspec = `refs/heads/${base}:refs/heads/${base}`;
  return ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", userRepository, refspec];
}

async function removeLeftovers(parent: string): Promise<void> {
  const names = await readdir(parent).catch(() => []);
  for (const name of names) {
    if (name.startsWith(partialPrefix)) await rm(join(parent, name), { recursive: true, force: true });
  }
}

export function missingBranch(branch: string): LocalForgeError {
  return new LocalForgeError(`The local forge's origin has no branch \`${branch}\`.`, {
    hint: "The forge's prepare step copies the plan's base branch into origin; branches arrive by push.",
  });
}

async function requireBaseBranch(git: Git, userRepository: string, base: string): Promise<void> {
  const outcome = (await exists(userRepository))
    ? await git.attempt(["rev-parse", "--verify", "--quiet", `refs/heads/${base}^{commit}`], {
        cwd: userRepository,
      })
    : null;
  if (outcome?.exitCode !== 0) {
    throw new LocalForgeError(
      `The plan's repository ${userRepository} has no branch \`${base}\` to start the forge from.`,
      {
        exitCode: ExitCode.badInput,
        hint: "Check the plan's `repo` and `base` fields: `repo` must be a git repository with a commit on `base`.",
      },
    );
  }
}

/** Adds the `supervise` remote, or points it back at origin; no other remote or ref is touched. */
async function ensureRemote(git: Git, userRepository: string, originPath: string): Promise<void> {
  const current = await git.attempt(["remote", "get-url", superviseRemoteName], { cwd: userRepository });
  if (current.exitCode !== 0) {
    await git.run(["remote", "add", superviseRemoteName, originPath], { cwd: userRepository });
  } else if (current.stdout.trim() !== originPath) {
    await git.run(["remote", "set-url", superviseRemoteName, originPath], { cwd: userRepository });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
