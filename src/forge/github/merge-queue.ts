/**
 * Landing through the base branch's GitHub merge queue: the pull request is enqueued with its head
 * pinned (expectedHeadOid), GitHub tests the merge group (`gh-readonly-queue/<base>/pr-<n>-<sha>`,
 * the base plus every entry ahead plus this one) with the `merge_group` checks, and merges it only
 * when they pass. The wait is polled, bounded by the caller, and ends merged or dequeued; a
 * dequeue is told apart (a conflict, failing checks) by GitHub's RemovedFromMergeQueueEvent.
 * GraphQL only: REST has no merge queue.
 */
import type { CiStatus, Landing, MergeResult } from "../forge.ts";
import { type GraphqlError, graphql, graphqlMessages } from "./github-graphql.ts";
import type { PullRequestContext } from "./pull-requests.ts";

type Refusal = Extract<MergeResult, { isMerged: false }>;

const mergeQueueQuery = `query MergeQueueOfBranch($owner: String!, $name: String!, $branch: String!) {
  repository(owner: $owner, name: $name) { mergeQueue(branch: $branch) { id } }
}`;

/** GitHub's view of one pull request in (or out of) the queue. */
const queuedPullRequestQuery = `query QueuedPullRequest($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      id
      number
      state
      merged
      headRefOid
      mergeCommit { oid }
      mergeQueueEntry {
        id
        state
        position
        headCommit { oid }
        mergeQueue { entries(first: 100) { nodes { position pullRequest { number } } } }
      }
      removals: timelineItems(last: 1, itemTypes: [REMOVED_FROM_MERGE_QUEUE_EVENT]) {
        totalCount
        nodes { __typename ... on RemovedFromMergeQueueEvent { reason createdAt } }
      }
      additions: timelineItems(itemTypes: [ADDED_TO_MERGE_QUEUE_EVENT]) { totalCount }
    }
  }
}`;

const enqueueMutation = `mutation EnqueuePullRequest($pullRequestId: ID!, $expectedHeadOid: GitObjectID!) {
  enqueuePullRequest(input: { pullRequestId: $pullRequestId, expectedHeadOid: $expectedHeadOid }) {
    mergeQueueEntry { id state position headCommit { oid } }
  }
}`;

const dequeueMutation = `mutation DequeuePullRequest($id: ID!) {
  dequeuePullRequest(input: { id: $id }) { mergeQueueEntry { id } }
}`;

export interface QueuedPullRequest {
  id: string;
  number: number;
  state: "OPEN" | "CLOSED" | "MERGED";
  merged: boolean;
  headRefOid: string;
  mergeCommit: { oid: string } | null;
  mergeQueueEntry: {
    id: string;
    state: "QUEUED" | "AWAITING_CHECKS" | "MERGEABLE" | "UNMERGEABLE" | "LOCKED";
    position: number;
    headCommit: { oid: string } | null;
    mergeQueue: { entries: { nodes: { position: number; pullRequest: { number: number } | null }[] } } | null;
  } | null;
  removals: {
    totalCount: number;
    nodes: ({ __typename: "RemovedFromMergeQueueEvent"; reason: string | null; createdAt: string } | null)[];
  };
  additions: { totalCount: number };
}

export interface MergeQueueContext extends PullRequestContext {
  base: string;
  /** CI on a commit now: the merge group's checks. */
  ciStatus(sha: string): Promise<CiStatus>;
  now(): number;
  /** Pause between looks at the queue, growing while nothing changes. */
  pollIntervalMs: { initial: number; max: number };
}

/** Does `branch` land changes only through a merge queue? False where GitHub has no merge queues. */
export async function hasMergeQueue(context: PullRequestContext, branch: string): Promise<boolean> {
  const answer = await graphql<{ repository: { mergeQueue: { id: string } | null } | null }>(
    context.client,
    mergeQueueQuery,
    { owner: context.repository.owner, name: context.repository.repo, branch },
    `read the merge queue of ${branch}`,
  );
  // A GitHub Enterprise Server without merge queues refuses the field itself.
  return answer.errors.length === 0 && answer.data?.repository?.mergeQueue != null;
}

export async function readQueuedPullRequest(
  context: PullRequestContext,
  number: number,
): Promise<QueuedPullRequest> {
  const answer = await graphql<{ repository: { pullRequest: QueuedPullRequest | null } | null }>(
    context.client,
    queuedPullRequestQuery,
    { owner: context.repository.owner, name: context.repository.repo, number },
    `read pull request #${number} in the merge queue`,
  );
  const pull = answer.data?.repository?.pullRequest;
  if (!pull) {
    throw new Error(
      `GitHub's GraphQL API did not return pull request #${number}: ${graphqlMessages(answer.errors)}`,
    );
  }
  return pull;
}

/**
 * Enqueues pull request `number` at `expectedHeadSha` (unless it already waits in the queue) and
 * waits at most `maxWaitMs` for the queue to merge or drop it. Still queued at the bound, it is
 * taken out again: a refusal must not land later behind the supervisor's back.
 */
export async function mergeThroughQueue(
  context: MergeQueueContext,
  request: {
    number: number;
    /** The head to enqueue, pinned. */
    expectedHeadSha: string;
    /** The head the caller asked to land, when the forge updated it with the base before. */
    requestedHeadSha?: string;
    maxWaitMs: number;
  },
): Promise<{ result: MergeResult; landing: Landing | null }> {
  const { number, expectedHeadSha } = request;
  const refuse = (reason: Refusal["reason"], message: string, extra: Partial<Refusal> = {}) => ({
    result: { isMerged: false as const, reason, message, ...extra },
    landing: null,
  });
  let pull = await readQueuedPullRequest(context, number);
  const removalsBefore = pull.removals.totalCount;
  if (!pull.mergeQueueEntry) {
    const enqueued = await graphql<{
      enqueuePullRequest: {
        mergeQueueEntry: NonNullable<QueuedPullRequest["mergeQueueEntry"]> | null;
      } | null;
    }>(
      context.client,
      enqueueMutation,
      { pullRequestId: pull.id, expectedHeadOid: expectedHeadSha },
      `add pull request #${number} to the merge queue`,
    );
    if (enqueued.errors.length > 0)
      return refuse(...enqueueRefusal(number, expectedHeadSha, enqueued.errors));
  } else if (pull.headRefOid !== expectedHeadSha) {
    return refuse(
      "head_moved",
      `The head of #${number} is ${pull.headRefOid}, not the expected ${expectedHeadSha}.`,
    );
  }

  const startedMs = context.now();
  let intervalMs = context.pollIntervalMs.initial;
  let lastEntry: QueuedPullRequest["mergeQueueEntry"] = null;
  for (;;) {
    pull = await readQueuedPullRequest(context, number);
    if (pull.mergeQueueEntry) {
      const changed =
        pull.mergeQueueEntry.state !== lastEntry?.state ||
        pull.mergeQueueEntry.headCommit?.oid !== lastEntry?.headCommit?.oid;
      lastEntry = pull.mergeQueueEntry;
      if (changed) intervalMs = context.pollIntervalMs.initial;
    }
    if (pull.merged) {
      const testedSha = lastEntry?.headCommit?.oid ?? pull.mergeCommit?.oid ?? null;
      const mergeCommitSha = pull.mergeCommit?.oid ?? testedSha ?? "";
      context.memory.rememberMerge(number, mergeCommitSha);
      const landing = testedSha
        ? await queueLanding(context, {
            number,
            testedSha,
            requestedHeadSha: request.requestedHeadSha ?? expectedHeadSha,
            entry: lastEntry,
          })
        : null;
      return { result: { isMerged: true, mergeCommitSha, landing }, landing };
    }
    if (pull.state !== "OPEN")
      return refuse("not_mergeable", `Pull request #${number} was closed while in the merge queue.`);
    if (!pull.mergeQueueEntry && pull.removals.totalCount > removalsBefore) {
      return { result: await dequeueRefusal(context, number, pull, lastEntry), landing: null };
    }
    const waitedMs = context.now() - startedMs;
    if (waitedMs >= request.maxWaitMs) {
      if (pull.mergeQueueEntry) {
        await graphql(
          context.client,
          dequeueMutation,
          { id: pull.mergeQueueEntry.id },
          `take #${number} out of the merge queue`,
        );
      }
      const tested = lastEntry?.headCommit?.oid;
      return refuse(
        "ci_not_green",
        `The merge queue had not merged #${number} after ${Math.round(waitedMs / 60_000)} minutes${tested ? ` (its merge group ${tested} was still being checked)` : ""}; it was taken out of the queue.`,
      );
    }
    await context.sleep(Math.min(intervalMs, request.maxWaitMs - waitedMs));
    intervalMs = Math.min(intervalMs * 2, context.pollIntervalMs.max);
  }
}

function enqueueRefusal(
  number: number,
  expectedHeadSha: string,
  errors: readonly GraphqlError[],
): [Refusal["reason"], string] {
  const said = `GitHub refused to add #${number} to the merge queue: ${graphqlMessages(errors)}`;
  const text = graphqlMessages(errors);
  if (/expected head|head (sha|oid)|head.*match/i.test(text)) {
    return ["head_moved", `${said} (its head is no longer ${expectedHeadSha}).`];
  }
  if (/conflict/i.test(text)) return ["conflict", `${said} (it conflicts with the base branch).`];
  return ["not_mergeable", said];
}

/** Why the queue dropped the pull request, with the merge group's failing checks when there are any. */
async function dequeueRefusal(
  context: MergeQueueContext,
  number: number,
  pull: QueuedPullRequest,
  lastEntry: QueuedPullRequest["mergeQueueEntry"],
): Promise<Refusal> {
  const reason = pull.removals.nodes.at(-1)?.reason ?? "no reason given";
  const said = `The merge queue removed #${number}: ${reason}`;
  if (/conflict/i.test(reason)) {
    return {
      isMerged: false,
      reason: "conflict",
      message: `${said}. It no longer applies to ${context.base}; merge ${context.base} into it and resolve the conflicts (GitHub does not list the files).`,
      conflictingFiles: [],
    };
  }
  const testedSha = lastEntry?.headCommit?.oid;
  if (!testedSha) return { isMerged: false, reason: "not_mergeable", message: `${said}.` };
  const ci = await context.ciStatus(testedSha);
  const failing = ci.checks.filter(
    (check) =>
      check.status === "completed" && !["success", "neutral", "skipped"].includes(check.conclusion ?? ""),
  );
  const tails = failing.map(
    (check) =>
      `${check.name} (${check.conclusion})${check.summary ? `:\n${check.summary.slice(-1500)}` : ""}`,
  );
  return {
    isMerged: false,
    reason: "merge_result_failed",
    message: `${said}. The merge group ${testedSha} (${context.base} with ${batchOf(number, lastEntry)
      .map((each) => `#${each}`)
      .join(", ")}) failed: ${tails.join("\n") || `CI is ${ci.state}`}`,
    mergeResult: {
      testedSha,
      ciDetailsUrl: failing[0]?.detailsUrl ?? ci.checks[0]?.detailsUrl ?? null,
      batch: batchOf(number, lastEntry),
    },
  };
}

/** This pull request and every entry ahead of it: GitHub builds a merge group on the ones ahead. */
function batchOf(number: number, entry: QueuedPullRequest["mergeQueueEntry"]): number[] {
  const ahead = (entry?.mergeQueue?.entries.nodes ?? [])
    .filter((node) => node.position < entry!.position && node.pullRequest)
    .sort((left, right) => left.position - right.position)
    .map((node) => node.pullRequest!.number);
  return [...ahead.filter((each) => each !== number), number];
}

async function queueLanding(
  context: MergeQueueContext,
  landed: {
    number: number;
    testedSha: string;
    requestedHeadSha: string;
    entry: QueuedPullRequest["mergeQueueEntry"];
  },
): Promise<Landing | null> {
  const ci = await context.ciStatus(landed.testedSha);
  if (ci.state !== "success" && ci.state !== "none") return null;
  return {
    via: "merge_queue",
    testedSha: landed.testedSha,
    ciState: ci.state,
    ciDetailsUrl: ci.checks[0]?.detailsUrl ?? null,
    batch: batchOf(landed.number, landed.entry),
    requestedHeadSha: landed.requestedHeadSha,
  };
}
