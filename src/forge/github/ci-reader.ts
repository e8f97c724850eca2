/**
 * Reads everything CI reported on a commit: every page of its check runs and of its combined
 * status, then hands them to ci-state.ts. Also reads what GitHub says about polling again
 * (`x-poll-interval`, `retry-after`), for whenCiSettled.
 */
import type { CiStatus } from "../forge.ts";
import { computeCiStatus, type GithubCheckRun, type GithubCommitStatus } from "./ci-state.ts";
import type { GithubClient } from "./github-client.ts";
import { describeRequestFailure } from "./github-forge-error.ts";

export interface Repository {
  owner: string;
  repo: string;
}

export interface CiObservation {
  status: CiStatus;
  /** The longest wait any response asked for before polling again; 0 when none did. */
  pollAfterMs: number;
}

type Headers = Record<string, string | number | undefined>;

/** GitHub's maximum page size: a commit with many checks still costs few requests. */
const pageSize = 100;

export async function readCiStatus(
  client: GithubClient,
  repository: Repository,
  sha: string,
  now: () => number,
): Promise<CiObservation> {
  try {
    const [checks, statuses] = await Promise.all([
      readCheckRuns(client, repository, sha),
      readCommitStatuses(client, repository, sha),
    ]);
    const pollAfterMs = Math.max(
      0,
      ...[...checks.headers, ...statuses.headers].map((h) => pollAfter(h, now)),
    );
    return {
      status: computeCiStatus({ sha, checkRuns: checks.items, statuses: statuses.items }),
      pollAfterMs,
    };
  } catch (error) {
    throw describeRequestFailure(error, `read the CI status of ${sha}`);
  }
}

async function readCheckRuns(
  client: GithubClient,
  repository: Repository,
  sha: string,
): Promise<{ items: GithubCheckRun[]; headers: Headers[] }> {
  const items: GithubCheckRun[] = [];
  const headers: Headers[] = [];
  // filter=all: every attempt, so choosing the latest run per name is ci-state's rule, not GitHub's.
  const pages = client.paginate.iterator(client.rest.checks.listForRef, {
    ...repository,
    ref: sha,
    filter: "all",
    per_page: pageSize,
  });
  for await (const page of pages) {
    items.push(...page.data);
    headers.push(page.headers);
  }
  return { items, headers };
}

/**
 * The combined status pages over its `statuses`; Octokit's paginate cannot follow it (it expects
 * one array beside total_count), so the Link header is followed here.
 */
async function readCommitStatuses(
  client: GithubClient,
  repository: Repository,
  sha: string,
): Promise<{ items: GithubCommitStatus[]; headers: Headers[] }> {
  let page = await client.rest.repos.getCombinedStatusForRef({ ...repository, ref: sha, per_page: pageSize });
  const items: GithubCommitStatus[] = [...page.data.statuses];
  const headers: Headers[] = [page.headers];
  for (let next = nextPageUrl(page.headers); next !== null; next = nextPageUrl(page.headers)) {
    page = (await client.request({ method: "GET", url: next })) as typeof page;
    items.push(...page.data.statuses);
    headers.push(page.headers);
  }
  return { items, headers };
}

export function nextPageUrl(headers: Headers): string | null {
  const link = headers.link;
  if (typeof link !== "string") return null;
  return /<([^<>]+)>;\s*rel="next"/.exec(link)?.[1] ?? null;
}

/** `x-poll-interval` is seconds; `retry-after` is seconds or an HTTP date. */
function pollAfter(headers: Headers, now: () => number): number {
  const interval = Number(headers["x-poll-interval"]);
  const intervalMs = Number.isFinite(interval) && interval > 0 ? interval * 1000 : 0;
  const retryAfter = headers["retry-after"];
  let retryAfterMs = 0;
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    retryAfterMs = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(String(retryAfter)) - now();
  }
  return Math.max(intervalMs, Number.isFinite(retryAfterMs) ? retryAfterMs : 0);
}
