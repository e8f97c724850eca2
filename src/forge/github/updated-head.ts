/**
 * Without a merge queue, the merge result CI must have seen is made by hand: a pull request behind
 * its base is updated with it (GitHub's update-branch merges the base into the head), CI runs on
 * that updated head, and the merge is pinned to it. A head that already contains the base is its
 * own merge result. What is landed is then exactly what CI saw.
 */
import type { CiStatus, Landing, MergeResult } from "../forge.ts";
import { describeRequestFailure, githubMessage, hasStatus } from "./github-forge-error.ts";
import { type PullRequestContext, pullRequestView } from "./pull-requests.ts";

type Refusal = Extract<MergeResult, { isMerged: false }>;

export interface UpdatedHeadContext extends PullRequestContext {
  base: string;
  /** Does `sha` hold the base's tip (nothing to update)? */
  isUpToDateWithBase(sha: string): Promise<boolean>;
  now(): number;
  /** Waits at most `maxWaitMs` for CI on `sha` to settle (the forge's shared poll schedule). */
  waitForCi(sha: string, maxWaitMs: number): Promise<CiStatus>;
  /** Pause between looks at a pull request GitHub is still updating. */
  pollIntervalMs: { initial: number; max: number };
}

/** Commits of the base the head does not have; 0 when the head is up to date with it. */
export async function commitsBehindBase(
  context: PullRequestContext,
  base: string,
  headSha: string,
): Promise<number> {
  try {
    const { data } = await context.client.rest.repos.compareCommitsWithBasehead({
      ...context.repository,
      basehead: `${base}...${headSha}`,
      per_page: 1,
    });
    return data.behind_by;
  } catch (error) {
    throw describeRequestFailure(error, `compare ${headSha} with ${base}`);
  }
}

/**
 * Brings the head of pull request `number` (now `expectedHeadSha`) up to date with the base and
 * waits, at most `maxWaitMs`, for GitHub to show the new head; returns it, or why not.
 */
export async function updateWithBase(
  context: UpdatedHeadContext,
  request: { number: number; expectedHeadSha: string; maxWaitMs: number },
): Promise<{ updatedHeadSha: string } | Refusal> {
  const { number, expectedHeadSha } = request;
  try {
    await context.client.rest.pulls.updateBranch({
      ...context.repository,
      pull_number: number,
      expected_head_sha: expectedHeadSha,
    });
  } catch (error) {
    if (hasStatus(error, 422)) {
      const said = githubMessage(error);
      if (/conflict/i.test(said)) return conflict(number, context.base, said);
      if (/expected head sha|head sha/i.test(said)) {
        return {
          isMerged: false,
          reason: "head_moved",
          message: `GitHub refused to update #${number}: ${said}`,
        };
      }
      return {
        isMerged: false,
        reason: "not_mergeable",
        message: `GitHub refused to update #${number} with ${context.base}: ${said}`,
      };
    }
    throw describeRequestFailure(error, `update pull request #${number} with ${context.base}`);
  }
  // GitHub answers 202 and makes the merge commit afterwards; the pull request shows it when done.
  const startedMs = context.now();
  let intervalMs = context.pollIntervalMs.initial;
  for (;;) {
    const { data } = await context.client.rest.pulls
      .get({ ...context.repository, pull_number: number })
      .catch((error: unknown) => {
        throw describeRequestFailure(error, `read pull request #${number}`);
      });
    context.memory.remember(pullRequestView(data));
    if (data.head.sha !== expectedHeadSha) {
      if ((await headBeforeBaseMerge(context, context.base, data.head.sha)) !== expectedHeadSha) {
        return {
          isMerged: false,
          reason: "head_moved",
          message: `The head of #${number} moved to ${data.head.sha}, which is not ${expectedHeadSha} updated with ${context.base}.`,
        };
      }
      return { updatedHeadSha: data.head.sha };
    }
    const waitedMs = context.now() - startedMs;
    if (waitedMs >= request.maxWaitMs) {
      return {
        isMerged: false,
        reason: "not_mergeable",
        message: `GitHub had not updated #${number} with ${context.base} after ${Math.round(waitedMs / 1000)} s.`,
      };
    }
    await context.sleep(Math.min(intervalMs, request.maxWaitMs - waitedMs));
    intervalMs = Math.min(intervalMs * 2, context.pollIntervalMs.max);
  }
}

/**
 * The head `sha` was made from, when `sha` is the base merged into it (what update-branch makes:
 * first parent the old head, second parent a commit of the base); else null. Checked by shape,
 * not by message: a merge of anything else is not a merge result of the base.
 */
export async function headBeforeBaseMerge(
  context: PullRequestContext,
  base: string,
  sha: string,
): Promise<string | null> {
  let parents: { sha: string }[];
  try {
    ({ parents } = (
      await context.client.rest.git.getCommit({ ...context.repository, commit_sha: sha })
    ).data);
  } catch (error) {
    throw describeRequestFailure(error, `read the commit ${sha}`);
  }
  const [head, merged] = parents;
  if (parents.length !== 2 || !head || !merged) return null;
  try {
    const { data } = await context.client.rest.repos.compareCommitsWithBasehead({
      ...context.repository,
      basehead: `${base}...${merged.sha}`,
      per_page: 1,
    });
    return data.ahead_by === 0 ? head.sha : null;
  } catch (error) {
    throw describeRequestFailure(error, `compare ${merged.sha} with ${base}`);
  }
}

export function conflict(number: number, base: string, said: string): Refusal {
  return {
    isMerged: false,
    reason: "conflict",
    message: `Pull request #${number} no longer applies to ${base} (${said}); merge ${base} into it and resolve the conflicts. GitHub does not say which files conflict.`,
    conflictingFiles: [],
  };
}

/** CI on the tested head judged: the landing when green (or none), else the refusal. */
export function judgeTestedHead(
  request: { number: number; testedSha: string; requestedHeadSha: string; waitedMs: number },
  ci: CiStatus,
): { landing: Landing } | Refusal {
  const { number, testedSha } = request;
  const what =
    testedSha === request.requestedHeadSha
      ? `the head of #${number}, which holds the base`
      : `#${number} updated with the base`;
  const failing = ci.checks.filter(
    (check) =>
      check.status !== "completed" || !["success", "neutral", "skipped"].includes(check.conclusion ?? ""),
  );
  const ciDetailsUrl = failing[0]?.detailsUrl ?? ci.checks[0]?.detailsUrl ?? null;
  if (ci.state === "success" || ci.state === "none") {
    return {
      landing: {
        via: "updated_head",
        testedSha,
        ciState: ci.state,
        ciDetailsUrl,
        batch: [number],
        requestedHeadSha: request.requestedHeadSha,
      },
    };
  }
  const tails = failing.map(
    (check) =>
      `${check.name} (${check.conclusion ?? check.status})${check.summary ? `:\n${check.summary.slice(-1500)}` : ""}`,
  );
  if (ci.state === "pending") {
    return {
      isMerged: false,
      reason: "ci_not_green",
      message: `CI on ${testedSha}, ${what}, is still pending after ${Math.round(request.waitedMs / 60_000)} minutes: ${tails.join(", ")}.`,
    };
  }
  return {
    isMerged: false,
    reason: "merge_result_failed",
    message: `CI failed on ${testedSha}, ${what}: ${tails.join("\n")}`,
    mergeResult: { testedSha, ciDetailsUrl, batch: [number] },
  };
}
