/**
 * The github forge: pull requests, CI, merges and issues of one GitHub (or GitHub Enterprise)
 * repository through its REST API, and branch pushes to a git remote of the plan's repository.
 * It behaves like the local forge where the supervisor relies on it: pull requests are found
 * before they are created, a merge names the head it expects and waits for green CI, and closes
 * are told apart by what closed them.
 */
import { setTimeout as sleepFor } from "node:timers/promises";
import type { Clock } from "../../clock.ts";
import { createSerialQueue } from "../../serial-queue.ts";
import type { CiStatus, Forge, MergeResult, PullRequest, PullRequestComment } from "../forge.ts";
import { createCiPoller } from "./ci-poller.ts";
import { type Repository, readCiStatus } from "./ci-reader.ts";
import { type CiSettleTiming, defaultCiSettleTiming, waitForCiSettled } from "./ci-settle.ts";
import { createGitPusher } from "./git-push.ts";
import { createGithubClient, type GithubRequestInfo } from "./github-client.ts";
import { describeRequestFailure, GithubForgeError, hasStatus } from "./github-forge-error.ts";
import { closeIssue, getIssue, issueProblem } from "./issues.ts";
import { withLanding } from "./landing.ts";
import { hasMergeQueue } from "./merge-queue.ts";
import { upsertPullRequestComment } from "./pull-request-comment.ts";
import { createPullRequestMemory } from "./pull-request-memory.ts";
import { mergePullRequest } from "./pull-request-merge.ts";
import {
  closePullRequest,
  findPullRequest,
  getPullRequest,
  openOrUpdatePullRequest,
} from "./pull-requests.ts";
import { createRevertBranch } from "./revert-branch.ts";
import { commitsBehindBase } from "./updated-head.ts";

export interface GithubForgeOptions {
  owner: string;
  repo: string;
  /** GITHUB_API_URL, or https://api.github.com; GitHub Enterprise: https://HOST/api/v3. */
  apiUrl: string;
  /** GITHUB_TOKEN; it goes only to GitHub's API and to the one git process that pushes. */
  token: string;
  /** The plan's repository; pushes go to the URL of its remote `remote`. */
  userRepository: string;
  /** forge.remote of the plan, default origin. */
  remote: string;
  /** The plan's base branch: never pushed to, it changes only by merging a pull request. */
  base: string;
  /** Injectable transport; by default the global fetch, looked up per request (msw intercepts it). */
  fetch?: typeof fetch;
  clock: Clock;
  /** Scales the retry waits of plugin-retry and plugin-throttling; tests pass 10. Default 1000. */
  retryAfterBaseValueMs?: number;
  /** Waits between CI polls and mutations; tests pass a fake that advances their clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Called for every HTTP exchange with GitHub (304 included); the run counts them. */
  onRequest?: (info: GithubRequestInfo) => void;
  /** Where git's PATH comes from (and HOME, SSH_AUTH_SOCK for an ssh remote); nothing else is read. */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Pause between mutations; default 1000 ms, GitHub's guidance. Tests pass 0. */
  writeSpacingMs?: number;
  ciSettleTiming?: Partial<CiSettleTiming>;
  /**
   * How long a merge waits for CI on its merge result (the merge queue's merge group, or the head
   * updated with the base) when the caller gives no bound; default an hour, forge.ci_wait_minutes'.
   */
  mergeWaitMs?: number;
}

export interface GithubMergeRequest {
  number: number;
  expectedHeadSha: string;
  method?: "squash" | "merge" | "rebase";
  /** The caller's CI wait (the workstream's ci_wait_minutes) for the merge result's CI. */
  maxWaitMs?: number;
}

export interface GithubForge extends Forge {
  readonly kind: "github";
  mergePullRequest(options: GithubMergeRequest): Promise<MergeResult>;
  commentOnPullRequest(options: {
    number: number;
    marker: string;
    body: string;
  }): Promise<PullRequestComment>;
}

export function createGithubForge(options: GithubForgeOptions): GithubForge {
  const repository: Repository = { owner: options.owner, repo: options.repo };
  const slug = `${options.owner}/${options.repo}`;
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  const retryAfterBaseValueMs = options.retryAfterBaseValueMs ?? 1000;
  const client = createGithubClient({
    apiUrl: options.apiUrl,
    token: options.token,
    fetch: options.fetch,
    clock: options.clock,
    sleep,
    retryAfterBaseValueMs,
    writeSpacingMs: options.writeSpacingMs,
    onRequest: options.onRequest,
  });
  const pusher = createGitPusher({
    userRepository: options.userRepository,
    remote: options.remote,
    token: options.token,
    environment: options.environment ?? {},
  });
  const memory = createPullRequestMemory();
  /** The repository each head this process pushed came from. */
  const pushedFrom = new Map<string, string>();
  const context = { client, repository, sleep, retryAfterBaseValueMs, memory };
  const timing = { ...defaultCiSettleTiming, ...options.ciSettleTiming };
  // Forge operations that read, then write (find-or-create, merge after a CI check) run one at a
  // time: two interleaved would create a pull request twice. The supervisor holds the state dir's
  // lock, so this process is the only writer.
  const exclusive = createSerialQueue();

  const ciPoller = createCiPoller({
    read: (sha) => readCiStatus(client, repository, sha, () => options.clock.now()),
    clock: options.clock,
    timing,
  });
  const ciStatus = (sha: string, request?: { isPolling?: boolean }): Promise<CiStatus> =>
    request?.isPolling ? ciPoller.poll(sha) : ciPoller.read(sha);

  // Whether a branch has a merge queue is a repository setting, read once per process; a merge
  // refused "through the merge queue" asks again.
  const mergeQueues = new Map<string, Promise<boolean>>();
  function branchHasMergeQueue(branch: string, request?: { isFresh?: boolean }): Promise<boolean> {
    let known = mergeQueues.get(branch);
    if (!known || request?.isFresh) {
      known = hasMergeQueue(context, branch);
      mergeQueues.set(branch, known);
      known.catch(() => mergeQueues.delete(branch));
    }
    return known;
  }

  async function baseSha(base: string): Promise<string> {
    try {
      const { data } = await client.rest.git.getRef({ ...repository, ref: `heads/${base}` });
      return data.object.sha;
    } catch (error) {
      if (hasStatus(error, 404)) {
        throw new GithubForgeError(`GitHub has no branch \`${base}\` in ${slug}.`, {
          hint: "Push the base branch to GitHub, or set `base` in the plan to a branch that exists there.",
          status: 404,
          cause: error,
        });
      }
      throw describeRequestFailure(error, `read the branch ${base} of ${slug}`);
    }
  }

  async function isAncestorOfBase(request: { sha: string; base: string }): Promise<boolean> {
    try {
      // base...sha is "behind" when every commit of sha is already in base.
      const { data } = await client.rest.repos.compareCommitsWithBasehead({
        ...repository,
        basehead: `${request.base}...${request.sha}`,
        per_page: 1,
      });
      return data.status === "behind" || data.status === "identical";
    } catch (error) {
      if (!hasStatus(error, 404))
        throw describeRequestFailure(error, `compare ${request.sha} with ${request.base}`);
      await baseSha(request.base); // throws when it is the base that is missing
      return false; // GitHub knows no commit `sha`, so it is not on the base either
    }
  }

  async function prepare(request: { issues: { number: number; title: string }[] }): Promise<void> {
    try {
      await client.rest.repos.get({ ...repository });
    } catch (error) {
      throw describeRequestFailure(error, `reach the repository ${slug}`);
    }
    await baseSha(options.base);
    // Read once here rather than by the first merge: how every merge of the run lands.
    await branchHasMergeQueue(options.base);
    await pusher.remoteUrl();
    const problems: string[] = [];
    for (const issue of request.issues) {
      const problem = await issueProblem(context, issue.number);
      if (problem) problems.push(`#${issue.number} (${issue.title}): ${problem}`);
    }
    if (problems.length > 0) {
      throw new GithubForgeError(`The plan names issues ${slug} does not have:\n  ${problems.join("\n  ")}`, {
        hint: "Open them on GitHub first, or correct the workstreams' `issue` numbers.",
      });
    }
  }

  async function push(request: { fromRepository: string; sha: string; branch: string }): Promise<void> {
    if (request.branch === options.base) {
      throw new GithubForgeError(
        `\`${options.base}\` is protected: changes reach it only through a merged pull request.`,
      );
    }
    await pusher.push(request);
    memory.rememberPush(request.branch, request.sha);
    pushedFrom.set(request.sha, request.fromRepository);
    if (pushedFrom.size > 1000) pushedFrom.delete(pushedFrom.keys().next().value as string);
  }

  /**
   * A head this process pushed is checked against the base's tip in the repository it came from
   * (the tip's read is a free 304 while the base stands still); a tip that repository lacks, or a
   * head pushed by someone else, is compared on GitHub.
   */
  async function isUpToDateWithBase(sha: string): Promise<boolean> {
    const repository = pushedFrom.get(sha);
    if (repository) {
      const tip = await baseSha(options.base);
      const isAncestor = await pusher.isAncestor({ repository, ancestor: tip, descendant: sha });
      if (isAncestor !== null) return isAncestor;
    }
    return (await commitsBehindBase(context, options.base, sha)) === 0;
  }

  const waitForCi = (sha: string, maxWaitMs: number): Promise<CiStatus> =>
    waitForCiSettled({ sha, poller: ciPoller, clock: options.clock, sleep, timing, maxWaitMs });
  const landingContext = {
    ...context,
    ciStatus: (sha: string) => ciPoller.read(sha),
    hasMergeQueue: (branch: string) => branchHasMergeQueue(branch),
  };
  const landed = (pull: PullRequest): Promise<PullRequest> => withLanding(landingContext, pull);

  async function merge(request: GithubMergeRequest): Promise<MergeResult> {
    return mergePullRequest(
      {
        ...context,
        base: options.base,
        now: () => options.clock.now(),
        ciStatus: (sha) => ciPoller.read(sha),
        waitForCi,
        isUpToDateWithBase,
        hasMergeQueue: branchHasMergeQueue,
        pollIntervalMs: { initial: timing.initialIntervalMs, max: timing.maxIntervalMs },
      },
      { ...request, maxWaitMs: request.maxWaitMs ?? options.mergeWaitMs ?? 60 * 60_000 },
    );
  }

  return {
    kind: "github",
    prepare,
    push: (request) => exclusive(() => push(request)),
    findPullRequest: async (request) => {
      const pull = await findPullRequest(context, request);
      return pull && !request.mayReuseKnown ? landed(pull) : pull;
    },
    openOrUpdatePullRequest: (request) => exclusive(() => openOrUpdatePullRequest(context, request)),
    getPullRequest: async (number) => landed(await getPullRequest(context, number)),
    ciStatus,
    mergePullRequest: (request) => exclusive(() => merge(request)),
    createRevertBranch: (request) =>
      exclusive(() => createRevertBranch({ ...context, base: options.base }, request)),
    closePullRequest: (number) => exclusive(() => closePullRequest(context, number)),
    getIssue: (number) => getIssue(context, number),
    closeIssue: (request) => exclusive(() => closeIssue(context, request)),
    baseSha,
    fetchBase: (request) =>
      pusher.fetch({ intoRepository: request.intoRepository, branch: request.base, ref: request.ref }),
    whenCiSettled: (sha, settleOptions) =>
      waitForCiSettled({
        sha,
        poller: ciPoller,
        clock: options.clock,
        sleep,
        timing,
        signal: settleOptions?.signal,
        maxWaitMs: settleOptions?.maxWaitMs,
      }),
    isAncestorOfBase,
    commentOnPullRequest: (request) => exclusive(() => upsertPullRequestComment(context, request)),
  };
}
