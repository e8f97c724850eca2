/**
 * Lands a pull request on its base the way GitHub's merge button does: in a throwaway clone of
 * origin, one squash commit (or a merge commit) on the base tip, which then replaces the base only
 * if the base is still where it was, so a base that moved meanwhile is noticed, never overwritten.
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

export type LandOutcome =
  | { kind: "landed"; commitSha: string }
  | { kind: "conflict"; message: string }
  | { kind: "not_mergeable"; message: string };

export interface LandOptions {
  git: Git;
  originPath: string;
  temporaryDirectory: string;
  clock: Clock;
}

/** One retry when the base moved between clone and push, as the task asks; a second move gives up. */
export async function landPullRequest(options: LandOptions, request: LandRequest): Promise<LandOutcome> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const outcome = await landOnce(options, request);
    if (outcome.kind !== "base_moved") return outcome;
  }
  return {
    kind: "not_mergeable",
    message: `\`${request.base}\` moved twice while pull request #${request.number} was being merged; try again.`,
  };
}

async function landOnce(
  options: LandOptions,
  request: LandRequest,
): Promise<LandOutcome | { kind: "base_moved" }> {
  const { git } = options;
  const workDirectory = await mkdtemp(join(options.temporaryDirectory, "supervise-merge-"));
  try {
    const work = join(workDirectory, "work");
    await git.run(["clone", "--quiet", "--branch", request.base, options.originPath, work]);
    const inWork = { cwd: work };
    const baseBefore = await git.run(["rev-parse", "HEAD"], inWork);
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
        const files = conflicted.split("\n").join(", ");
        return {
          kind: "conflict",
          message: `The head does not apply cleanly on \`${request.base}\`: conflicts in ${files}.`,
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
    const commitSha = await git.run(["rev-parse", "HEAD"], inWork);
    // Not `git push`: receive-pack runs without our `-c` settings (git clears them for local
    // transports), so origin's hooks would run. Fetch into origin, then compare-and-swap the base.
    const inOrigin = { gitDirectory: options.originPath };
    await git.run(["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", work, commitSha], inOrigin);
    const baseRef = `refs/heads/${request.base}`;
    const message = `merge pull request #${request.number}`;
    const updated = await git.attempt(
      ["update-ref", "-m", message, baseRef, commitSha, baseBefore],
      inOrigin,
    );
    if (updated.exitCode === 0) return { kind: "landed", commitSha };
    if ((await git.run(["rev-parse", baseRef], inOrigin)) !== baseBefore) return { kind: "base_moved" };
    throw new GitCommandError({
      directory: options.originPath,
      args: ["update-ref", baseRef, commitSha, baseBefore],
      gitExitCode: updated.exitCode,
      stderr: updated.stderr,
    });
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
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
