/**
 * Whether a rejected claim's change is already on the base, landed some other way than the
 * supervisor's own merge (which runs the checkout gates first): a person's merge button, another
 * bot, a push straight to the base. Observing (two forge reads) is kept apart from judging (a
 * pure function of what was observed), so the judgment is tested on data.
 */
import type { Forge, PullRequest } from "../forge/index.ts";

export interface LandingObservation {
  /**
   * The workstream's pull requests as the forge has them after the gates: the open (else newest)
   * one, and every other the supervisor opened for it, since an older one may be the one merged.
   */
  pullRequests: PullRequest[];
  /** Whether the claimed commit is reachable from the base (asked only when no merged PR explains it). */
  isClaimOnBase: boolean;
}

/** A change on the base that no gate passed, and how to undo it. */
export interface LandingFinding {
  /** The merged pull request; with a commit on the base and no merge, the open one if any. */
  pullRequest: PullRequest | null;
  /** The commit on the base that carries the change. */
  mergeCommit: string;
  /** The head the merge took (the claimed commit when it reached the base itself). */
  landedHead: string | null;
  /** The commit whose tree the revert restores; undefined: the merge commit's first parent. */
  restoreSha: string | undefined;
  failedGates: string[];
}

/**
 * Gates about the forge's state, not the change: with only these failing, a change that landed as
 * the claimed commit passed everything about its content, and the worker can still finish them.
 */
const processGates: ReadonlySet<string> = new Set(["pr_merged", "issue_closed"]);

export async function observeLanding(
  forge: Forge,
  request: {
    branch: string;
    base: string;
    commit: string | null;
    baseSha: string;
    /** The numbers of the pull requests the supervisor opened for the workstream. */
    knownPullRequests: readonly number[];
  },
): Promise<LandingObservation> {
  // Asked anew after the gates: a merge made while they ran counts as much as one made before.
  const current = await forge.findPullRequest({ head: request.branch, base: request.base });
  const pullRequests = current ? [current] : [];
  for (const number of new Set(request.knownPullRequests)) {
    if (number !== current?.number) pullRequests.push(await forge.getPullRequest(number));
  }
  if (pullRequests.some(isMergedPullRequest)) return { pullRequests, isClaimOnBase: false };
  const isClaimOnBase =
    request.commit !== null && request.commit !== request.baseSha
      ? await forge.isAncestorOfBase({ sha: request.commit, base: request.base })
      : false;
  return { pullRequests, isClaimOnBase };
}

function isMergedPullRequest(pullRequest: PullRequest): boolean {
  return pullRequest.isMerged && pullRequest.mergeCommitSha !== null;
}

/** Pure: the unverified landing the observation shows for a claim with these failing gates, if any. */
export function judgeLanding(input: {
  failedGates: readonly string[];
  claimCommit: string | null;
  /** The commit the workstream's checkout started from. */
  baseSha: string;
  /** Merge commits of the pull requests the supervisor merged itself, through its gates. */
  mergedBySupervisor: readonly string[];
  observation: LandingObservation;
}): LandingFinding | null {
  const { failedGates, claimCommit, observation } = input;
  if (failedGates.length === 0) return null;
  const aboutTheChange = failedGates.filter((gate) => !processGates.has(gate));
  const mergedElsewhere = observation.pullRequests
    .filter(isMergedPullRequest)
    .filter((pullRequest) => !input.mergedBySupervisor.includes(pullRequest.mergeCommitSha!))
    .sort((left, right) => right.number - left.number);
  // The newest merge no gate passed is the one undone.
  const pullRequest = mergedElsewhere[0];
  if (pullRequest) {
    if (aboutTheChange.length === 0 && pullRequest.headSha === claimCommit) return null;
    return {
      pullRequest,
      mergeCommit: pullRequest.mergeCommitSha!,
      landedHead: pullRequest.headSha,
      restoreSha: undefined,
      failedGates: [...failedGates],
    };
  }
  if (observation.pullRequests.some(isMergedPullRequest)) return null;
  if (observation.isClaimOnBase && claimCommit !== null && aboutTheChange.length > 0) {
    return {
      pullRequest: observation.pullRequests[0] ?? null,
      mergeCommit: claimCommit,
      landedHead: claimCommit,
      // Every commit since the checkout's base is the workstream's own: undo them all.
      restoreSha: input.baseSha,
      failedGates: [...failedGates],
    };
  }
  return null;
}
