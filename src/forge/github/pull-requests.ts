/**
 * Pull requests on GitHub: found by head and base before anything is created (a supervisor that
 * crashed after creating one finds it again), created at most once, updated in place.
 */
import type { PullRequest } from "../forge.ts";
import type { Repository } from "./ci-reader.ts";
import { createOnce } from "./create-once.ts";
import type { GithubClient } from "./github-client.ts";
import { describeRequestFailure, githubMessage, hasStatus } from "./github-forge-error.ts";
import type { PullRequestMemory } from "./pull-request-memory.ts";

/** The fields read from GitHub's pull request, present in both its full and its list ("simple") shape. */
export interface GithubPullRequest {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  state: string;
  head: { ref: string; sha: string };
  base: { ref: string };
  merged_at: string | null;
  merge_commit_sha: string | null;
}

export function pullRequestView(pull: GithubPullRequest): PullRequest {
  const isMerged = pull.merged_at !== null;
  return {
    number: pull.number,
    url: pull.html_url,
    title: pull.title,
    body: pull.body ?? "",
    head: pull.head.ref,
    headSha: pull.head.sha,
    base: pull.base.ref,
    state: pull.state === "open" ? "open" : "closed",
    isMerged,
    // On an open pull request GitHub's merge_commit_sha is its test merge, not a merge into the base.
    mergeCommitSha: isMerged ? pull.merge_commit_sha : null,
    mergedAt: pull.merged_at,
  };
}

export interface PullRequestContext {
  client: GithubClient;
  repository: Repository;
  sleep: (ms: number) => Promise<void>;
  retryAfterBaseValueMs: number;
  memory: PullRequestMemory;
}

/** The view of an answer from GitHub, remembered on the way out. */
function seen(context: PullRequestContext, pull: GithubPullRequest): PullRequest {
  const view = pullRequestView(pull);
  context.memory.remember(view);
  return view;
}

/** Every pull request from `head` into `base`, newest first. */
async function listPullRequests(
  context: PullRequestContext,
  request: { head: string; base: string },
): Promise<GithubPullRequest[]> {
  const { client, repository } = context;
  const pulls = await client.paginate(client.rest.pulls.list, {
    ...repository,
    // The filter wants `owner:branch`; a bare branch name is ignored and lists every pull request.
    head: `${repository.owner}:${request.head}`,
    base: request.base,
    state: "all",
    per_page: 100,
  });
  return pulls
    .filter((pull) => pull.head.ref === request.head && pull.base.ref === request.base)
    .sort((left, right) => right.number - left.number);
}

/** The open pull request for head→base, else the newest closed one, else null. */
export async function findPullRequest(
  context: PullRequestContext,
  request: { head: string; base: string; mayReuseKnown?: boolean | undefined },
): Promise<PullRequest | null> {
  if (request.mayReuseKnown) {
    const known = context.memory.known(request.head, request.base);
    if (known) return known;
  }
  try {
    const pulls = await listPullRequests(context, request);
    const chosen = pulls.find((pull) => pull.state === "open") ?? pulls[0];
    return chosen ? seen(context, chosen) : null;
  } catch (error) {
    throw describeRequestFailure(error, `look up the pull request from ${request.head} into ${request.base}`);
  }
}

export async function getPullRequest(context: PullRequestContext, number: number): Promise<PullRequest> {
  try {
    const { data } = await context.client.rest.pulls.get({ ...context.repository, pull_number: number });
    return seen(context, data);
  } catch (error) {
    throw describeRequestFailure(error, `read pull request #${number}`);
  }
}

export async function openOrUpdatePullRequest(
  context: PullRequestContext,
  request: { head: string; base: string; title: string; body: string },
): Promise<PullRequest> {
  const { client, repository } = context;
  const findOpen = async (): Promise<GithubPullRequest | null> =>
    (await listPullRequests(context, request)).find((pull) => pull.state === "open") ?? null;

  async function update(pull: GithubPullRequest): Promise<PullRequest> {
    if (pull.title === request.title && (pull.body ?? "") === request.body) return seen(context, pull);
    const { data } = await client.rest.pulls.update({
      ...repository,
      pull_number: pull.number,
      title: request.title,
      body: request.body,
    });
    return seen(context, data);
  }

  try {
    const existing = await findOpen();
    if (existing) return await update(existing);
    let isCreated = false;
    const pull = await createOnce<GithubPullRequest>({
      find: findOpen,
      create: async () => {
        const { data } = await client.rest.pulls.create({
          ...repository,
          head: request.head,
          base: request.base,
          title: request.title,
          body: request.body,
          request: { retries: 0 },
        });
        isCreated = true;
        return data;
      },
      isAlreadyThere: (error) => hasStatus(error, 422) && /already exists/i.test(githubMessage(error)),
      sleep: context.sleep,
      retryAfterBaseValueMs: context.retryAfterBaseValueMs,
    });
    if (!isCreated) {
      // Found rather than created: an earlier attempt made it, perhaps with an older title or body.
      return await update(pull);
    }
    context.memory.rememberCreated(pull.number);
    return seen(context, pull);
  } catch (error) {
    throw describeRequestFailure(error, `open the pull request from ${request.head} into ${request.base}`);
  }
}

/** Closes an open pull request without merging it; one already closed or merged is left as it is. */
export async function closePullRequest(context: PullRequestContext, number: number): Promise<PullRequest> {
  const current = await getPullRequest(context, number);
  if (current.state !== "open") return current;
  try {
    const { data } = await context.client.rest.pulls.update({
      ...context.repository,
      pull_number: number,
      state: "closed",
    });
    return seen(context, data);
  } catch (error) {
    throw describeRequestFailure(error, `close pull request #${number}`);
  }
}
