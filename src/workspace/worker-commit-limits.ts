/**
 * Whether the supervisor takes a worker's commit into its own repositories at all: the history a
 * fetch would copy into the mirror (incoming-objects.ts) and the tree every later checkout of it
 * would write (tree-limits.ts), both measured in the worker's checkout before anything moves. A
 * commit past them reaches neither the mirror nor the forge, and every gate of its claim fails.
 */
import { GitCommandError } from "./git-command-error.ts";
import {
  defaultIncomingLimits,
  type IncomingLimits,
  incomingLimitProblem,
  measureIncoming,
} from "./incoming-objects.ts";
import type { SafeGit } from "./safe-git.ts";
import {
  countingCeiling,
  defaultTreeLimits,
  type TreeLimits,
  treeLimitProblem,
  treeLimitsAbove,
} from "./tree-limits.ts";
import { measureTree, type TreeSize } from "./tree-size.ts";

export interface WorkerCommitLimits {
  tree: TreeLimits;
  incoming: IncomingLimits;
}

export const defaultWorkerCommitLimits: WorkerCommitLimits = {
  tree: defaultTreeLimits,
  incoming: defaultIncomingLimits,
};

/** Why the supervisor refuses the commit, and the figures, for the journal. */
export interface WorkerCommitRefusal {
  problem: string;
  observed: Record<string, unknown>;
}

export interface WorkerCommitCheck {
  /** The worker's checkout, which holds the commit. */
  checkout: SafeGit;
  /** The objects the mirror's refs name: what it holds already is not copied again. */
  known: readonly string[];
  sha: string;
  /** The tree of the workstream's base, measured in the mirror; the limits grow from it. */
  base: TreeSize;
  limits: WorkerCommitLimits;
}

export async function checkWorkerCommit(check: WorkerCommitCheck): Promise<WorkerCommitRefusal | null> {
  const treeLimits = treeLimitsAbove(check.base, check.limits.tree);
  try {
    const incoming = await measureIncoming(check.checkout, check.sha, check.known);
    const tree = await measureTree(check.checkout, check.sha, {
      stopAfterFiles: countingCeiling(treeLimits),
    });
    const problems = [
      incomingLimitProblem(incoming, check.limits.incoming),
      treeLimitProblem(tree, {
        subject: "the claimed commit's tree",
        action: "the supervisor checks out",
        limits: treeLimits,
      }),
    ].filter((problem) => problem !== null);
    if (problems.length === 0) return null;
    return {
      problem: problems.join("; "),
      observed: {
        commit: check.sha,
        incoming,
        tree,
        limits: { tree: treeLimits, incoming: check.limits.incoming },
      },
    };
  } catch (error) {
    // A git stopped at its limit while reading the worker's objects: they are what kept it busy.
    if (!(error instanceof GitCommandError) || error.limit === null) throw error;
    return {
      problem: `the supervisor could not measure the claimed commit: ${error.message}`,
      observed: { commit: check.sha, git_limit: error.limit },
    };
  }
}
