/**
 * Issues on GitHub, and what closed them. GitHub records a close as a `closed` event on the
 * issue's timeline; when a merged pull request closed it ("Fixes #12"), the event's commit_id is
 * that pull request's merge commit. Anything else (a person, an API call, a commit pushed straight
 * to the base) is a manual close for the gates.
 */
import type { Issue } from "../forge.ts";
import type { Repository } from "./ci-reader.ts";
import { createOnce } from "./create-once.ts";
import type { GithubClient } from "./github-client.ts";
import { describeRequestFailure, GithubForgeError, hasStatus } from "./github-forge-error.ts";
import type { PullRequestMemory } from "./pull-request-memory.ts";

export interface IssueContext {
  client: GithubClient;
  repository: Repository;
  sleep: (ms: number) => Promise<void>;
  retryAfterBaseValueMs: number;
  memory: PullRequestMemory;
}

/** A timeline entry as far as this reads it; the timeline mixes many event shapes. */
export interface TimelineEntry {
  event?: string;
  commit_id?: string | null;
}

export interface AssociatedPullRequest {
  number: number;
  merged_at: string | null;
  merge_commit_sha: string | null;
}

/** The commit the last close names, or null for a close without one; undefined when there is no close at all. */
export function lastCloseCommit(timeline: readonly TimelineEntry[]): string | null | undefined {
  const closes = timeline.filter((entry) => entry.event === "closed");
  const last = closes.at(-1);
  return last === undefined ? undefined : (last.commit_id ?? null);
}

/** Pure: who closed the issue, from the last close's commit and the pull requests associated with it. */
export function closedByFrom(
  commitSha: string | null | undefined,
  associated: readonly AssociatedPullRequest[],
): Issue["closedBy"] {
  if (!commitSha) return { kind: "manual" };
  const closer = associated.find((pull) => pull.merged_at !== null && pull.merge_commit_sha === commitSha);
  return closer ? { kind: "pull_request", pullRequest: closer.number, commitSha } : { kind: "manual" };
}

export async function getIssue(context: IssueContext, number: number): Promise<Issue> {
  const { client, repository } = context;
  try {
    const { data: issue } = await client.rest.issues.get({ ...repository, issue_number: number });
    if (issue.pull_request) {
      throw new GithubForgeError(
        `#${number} on ${repository.owner}/${repository.repo} is a pull request, not an issue.`,
        {
          hint: "Set the workstream's `issue` to the number of an issue.",
        },
      );
    }
    const isClosed = issue.state === "closed";
    return {
      number: issue.number,
      title: issue.title,
      state: isClosed ? "closed" : "open",
      closedAt: issue.closed_at,
      closedBy: isClosed ? await readClosedBy(context, number) : null,
    };
  } catch (error) {
    throw describeRequestFailure(error, `read issue #${number}`);
  }
}

async function readClosedBy(context: IssueContext, number: number): Promise<Issue["closedBy"]> {
  const { client, repository } = context;
  const timeline: TimelineEntry[] = await client.paginate(client.rest.issues.listEventsForTimeline, {
    ...repository,
    issue_number: number,
    per_page: 100,
  });
  const commitSha = lastCloseCommit(timeline);
  if (!commitSha) return { kind: "manual" };
  // A merge commit belongs to one merge forever, so a merge this process has seen needs no lookup.
  const mergedPull = context.memory.mergedAs(commitSha);
  if (mergedPull !== undefined) return { kind: "pull_request", pullRequest: mergedPull, commitSha };
  const { data: associated } = await client.rest.repos.listPullRequestsAssociatedWithCommit({
    ...repository,
    commit_sha: commitSha,
  });
  return closedByFrom(commitSha, associated);
}

/** Why `number` cannot be a workstream's issue (none there, or a pull request), or null when it can. */
export async function issueProblem(context: IssueContext, number: number): Promise<string | null> {
  try {
    const { data } = await context.client.rest.issues.get({ ...context.repository, issue_number: number });
    return data.pull_request ? "it is a pull request, not an issue" : null;
  } catch (error) {
    if (hasStatus(error, 404)) return "GitHub has no such issue";
    if (hasStatus(error, 410)) return "the issue was deleted";
    throw describeRequestFailure(error, `read issue #${number}`);
  }
}

/** Closes the issue (with a comment first, when given); an issue already closed is left as it is. */
export async function closeIssue(
  context: IssueContext,
  request: { number: number; comment?: string },
): Promise<Issue> {
  const { client, repository } = context;
  const current = await getIssue(context, request.number);
  if (current.state === "closed") return current;
  try {
    const { comment } = request;
    if (comment !== undefined && comment.trim() !== "") {
      await createOnce({
        find: async () => {
          const comments = await client.paginate(client.rest.issues.listComments, {
            ...repository,
            issue_number: request.number,
            per_page: 100,
          });
          return comments.find((existing) => existing.body === comment) ?? null;
        },
        create: async () =>
          (
            await client.rest.issues.createComment({
              ...repository,
              issue_number: request.number,
              body: comment,
              request: { retries: 0 },
            })
          ).data,
        sleep: context.sleep,
        retryAfterBaseValueMs: context.retryAfterBaseValueMs,
      });
    }
    await client.rest.issues.update({
      ...repository,
      issue_number: request.number,
      state: "closed",
      state_reason: "completed",
    });
  } catch (error) {
    throw describeRequestFailure(error, `close issue #${request.number}`);
  }
  return getIssue(context, request.number);
}
