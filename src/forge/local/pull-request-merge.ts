/**
 * Builds what the base would be once pull requests land, the way GitHub's merge button (and its
 * merge queue) does: in a throwaway clone of origin, one squash commit (or merge commit) per pull
 * request, stacked on the base tip in queue order. The result goes into origin under a queue
 * branch for CI to test; the base moves to it only by compare-and-swap, so a base that moved
 * meanwhile is noticed, never overwritten.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Clock } from "../../clock.ts";
import {
  baseCountingCeiling,
  countingCeiling,
  GitCommandError,
  measureTree,
  supervisorIdentity,
  treeLimitProblem,
  treeLimitsAbove,
} from "../../workspace/index.ts";
import { type Git, treeReaderOf } from "./git.ts";
import { pullRequestTrailer } from "./origin-repository.ts";

export interface LandRequest {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  method: "squash" | "merge";
}

/** What became of one pull request when the merge result was built. */
export type AppliedOutcome =
  | { kind: "applied"; commitSha: string }
  | { kind: "conflict"; message: string; files: string[] }
  | { kind: "not_mergeable"; message: string };

export interface MergeResultBuild {
  /** The base tip the result was built on. */
  baseBefore: string;
  /** The last applied commit: what the base becomes; null when nothing applied. */
  topSha: string | null;
  /** The queue branch on origin holding `topSha` for CI; null when nothing applied. */
  queueBranch: string | null;
  outcomes: Map<number, AppliedOutcome>;
}

export interface LandOptions {
  git: Git;
  originPath: string;
  temporaryDirectory: string;
  clock: Clock;
}

/** GitHub keeps a merge group's commit on `gh-readonly-queue/<base>/…`; the local forge alike. */
export function queueBranchName(base: string, topSha: string): string {
  return `supervise-queue/${base}/${topSha.slice(0, 12)}`;
}

/**
 * Applies `requests` in order on `base`'s tip. A request that conflicts with the base or with the
 * ones before it is left out, its conflicting files named; the others still stack.
 */
export async function buildMergeResult(
  options: LandOptions,
  base: string,
  requests: readonly LandRequest[],
): Promise<MergeResultBuild> {
  const { git } = options;
  const workDirectory = await mkdtemp(join(options.temporaryDirectory, "supervise-merge-"));
  try {
    const work = join(workDirectory, "work");
    await git.run(["clone", "--quiet", "--branch", base, options.originPath, work]);
    const inWork = { cwd: work };
    const baseBefore = await git.run(["rev-parse", "HEAD"], inWork);
    const outcomes = new Map<number, AppliedOutcome>();
    for (const request of requests) {
      const outcome = await applyOne(options, work, request);
      outcomes.set(request.number, outcome);
      if (outcome.kind !== "applied") await git.run(["reset", "--quiet", "--hard", "HEAD"], inWork);
    }
    const topSha = await git.run(["rev-parse", "HEAD"], inWork);
    if (topSha === baseBefore) return { baseBefore, topSha: null, queueBranch: null, outcomes };
    // Not `git push`: receive-pack runs without our `-c` settings (git clears them for local
    // transports), so origin's hooks would run. Origin fetches the result instead.
    const queueBranch = queueBranchName(base, topSha);
    await git.run(
      ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", work, `+HEAD:refs/heads/${queueBranch}`],
      { gitDirectory: options.originPath },
    );
    return { baseBefore, topSha, queueBranch, outcomes };
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}

async function applyOne(options: LandOptions, work: string, request: LandRequest): Promise<AppliedOutcome> {
  const { git } = options;
  const inWork = { cwd: work };
  const tooLarge = await headTreeProblem(git, work, request.headSha);
  if (tooLarge !== null)
    return { kind: "not_mergeable", message: `The forge did not merge the head: ${tooLarge}.` };
  const mergeArguments =
    request.method === "squash"
      ? ["merge", "--quiet", "--squash", request.headSha]
      : ["merge", "--quiet", "--no-ff", "--no-commit", request.headSha];
  const merged = await git.attempt(mergeArguments, inWork);
  if (merged.exitCode !== 0) {
    const conflicted = await git.run(["diff", "--name-only", "--diff-filter=U"], inWork);
    if (conflicted) {
      const files = conflicted.split("\n");
      return {
        kind: "conflict",
        message: `The head does not apply cleanly on \`${request.base}\`: conflicts in ${files.join(", ")}.`,
        files,
      };
    }
    return { kind: "not_mergeable", message: `git could not merge the head: ${merged.stderr.trim()}` };
  }
  if ((await git.attempt(["diff", "--cached", "--quiet"], inWork)).exitCode === 0) {
    return { kind: "not_mergeable", message: `The head changes nothing on \`${request.base}\`.` };
  }
  await git.run(["commit", "--quiet", "--no-verify", "--cleanup=whitespace", "-F", "-"], {
    ...inWork,
    input: mergeCommitMessage(request),
    environment: await commitIdentity(git, work, request, options.clock),
  });
  return { kind: "applied", commitSha: await git.run(["rev-parse", "HEAD"], inWork) };
}

/** Moves `base` from `baseBefore` to `topSha` unless it moved meanwhile. */
export async function advanceBase(
  options: Pick<LandOptions, "git" | "originPath">,
  move: { base: string; baseBefore: string; topSha: string; message: string },
): Promise<"advanced" | "base_moved"> {
  const inOrigin = { gitDirectory: options.originPath };
  const baseRef = `refs/heads/${move.base}`;
  const updated = await options.git.attempt(
    ["update-ref", "-m", move.message, baseRef, move.topSha, move.baseBefore],
    inOrigin,
  );
  if (updated.exitCode === 0) return "advanced";
  if ((await options.git.run(["rev-parse", baseRef], inOrigin)) !== move.baseBefore) return "base_moved";
  throw new GitCommandError({
    directory: options.originPath,
    args: ["update-ref", baseRef, move.topSha, move.baseBefore],
    gitExitCode: updated.exitCode,
    stderr: updated.stderr,
  });
}

/** The queue branch has done its work once the base moved or the batch was refused. */
export async function deleteQueueBranch(
  options: Pick<LandOptions, "git" | "originPath">,
  branch: string,
): Promise<void> {
  await options.git.attempt(["update-ref", "-d", `refs/heads/${branch}`], {
    gitDirectory: options.originPath,
  });
}

/**
 * The merge writes the head's files into the clone, outside any sandbox: its tree is measured
 * first, against limits grown from the base's (workspace/tree-limits.ts).
 */
async function headTreeProblem(git: Git, work: string, headSha: string): Promise<string | null> {
  const tree = treeReaderOf(git, { cwd: work });
  const limits = treeLimitsAbove(await measureTree(tree, "HEAD", { stopAfterFiles: baseCountingCeiling }));
  const head = await measureTree(tree, headSha, { stopAfterFiles: countingCeiling(limits) });
  return treeLimitProblem(head, {
    subject: "the head's tree",
    action: "the forge checks out to merge",
    limits,
  });
}

/** Squash commits keep the head's author, as GitHub does; the supervisor commits (and merges). */
async function commitIdentity(
  git: Git,
  work: string,
  request: LandRequest,
  clock: Clock,
): Promise<Record<string, string>> {
  const date = `@${Math.floor(clock.now() / 1000)} +0000`;
  const identity = { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  if (request.method !== "squash") return identity;
  const [name, email] = (
    await git.run(["log", "-1", "--format=%an%x00%ae", request.headSha], { cwd: work })
  ).split("\0");
  return {
    ...identity,
    GIT_AUTHOR_NAME: name ?? supervisorIdentity.name,
    GIT_AUTHOR_EMAIL: email ?? supervisorIdentity.email,
  };
}

/**
 * The message of the commit that lands a pull request. The trailer lets a later call find the
 * commit on the base when a crash came between pushing it and recording the merge.
 */
export function mergeCommitMessage(
  request: Pick<LandRequest, "method" | "number" | "title" | "body" | "head">,
): string {
  const subject =
    request.method === "squash"
      ? `${request.title} (#${request.number})`
      : `Merge pull request #${request.number} from ${request.head}\n\n${request.title}`;
  const body = request.body.trim();
  return `${subject}\n\n${body ? `${body}\n\n` : ""}${pullRequestTrailer}: ${request.number}\n`;
}
