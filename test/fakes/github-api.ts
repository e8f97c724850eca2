/**
 * A stateful fake of the part of GitHub's REST API the github forge uses: branches and commits,
 * pull requests (create, list, update, merge with its 405/409 refusals), check runs and commit
 * statuses, issues with their timelines and comments. Merging closes the issues a pull request's
 * body names, recording the merge commit on the `closed` event as GitHub does. Every answer is
 * built whole (github-objects.ts) and checked against GitHub's OpenAPI description (github-http.ts).
 */
import { createHash } from "node:crypto";
import type { Clock } from "../../src/clock.ts";
import {
  createGithubHttp,
  type FakeRequest,
  type FakeResponse,
  type Interception,
  pageOf,
  type Route,
} from "./github-http.ts";
import { type CiPlan, createMergeQueueFake } from "./github-merge-queue.ts";
import {
  basicError,
  type CheckRunRecord,
  type CommentRecord,
  type CommitRecord,
  checkRun,
  combinedStatus,
  commitComparison,
  fullRepository,
  gitCommit,
  gitRef,
  type IssueRecord,
  issue,
  issueComment,
  type PullRecord,
  pullNodeId,
  pullRequest,
  pullRequestSimple,
  type RepositoryRecord,
  type Site,
  type StateEventRecord,
  type StatusRecord,
  stateChangeEvent,
  type UserRecord,
  validationError,
} from "./github-objects.ts";

export interface GithubFakeOptions {
  apiUrl: string;
  webUrl: string;
  owner: string;
  repo: string;
  token: string;
  clock: Clock;
  defaultBranch?: string;
}

/** The token's user: what the supervisor's requests act as. */
export const botUser: UserRecord = { login: "supervise-bot", id: 4242, type: "Bot" };
/** A person closing issues by hand in the web UI. */
export const humanUser: UserRecord = { login: "octocat", id: 583231, type: "User" };

type MergeRefusal = { status: 405; message: string; mergeableState?: string; mergeable?: boolean | null };

const closingKeywords = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s+#(\d+)\b/gi;

export function createGithubFake(options: GithubFakeOptions) {
  const site: Site = { apiUrl: options.apiUrl.replace(/\/$/, ""), webUrl: options.webUrl.replace(/\/$/, "") };
  const timestamp = () => new Date(options.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  const repositoryRecord: RepositoryRecord = {
    id: 777001,
    owner: options.owner,
    ownerId: 9001,
    name: options.repo,
    defaultBranch: options.defaultBranch ?? "main",
    createdAt: "2025-06-01T08:00:00Z",
    pushedAt: "2026-01-01T00:00:00Z",
  };
  const linkBase = {
    apiUrl: site.apiUrl,
    repositoryId: repositoryRecord.id,
    owner: options.owner,
    repo: options.repo,
  };

  const commits = new Map<string, CommitRecord>();
  const branches = new Map<string, string>();
  const pulls = new Map<number, PullRecord>();
  const issues = new Map<number, IssueRecord>();
  const timelines = new Map<number, StateEventRecord[]>();
  const comments: CommentRecord[] = [];
  const checkRuns: CheckRunRecord[] = [];
  const statuses: StatusRecord[] = [];
  let nextId = 100_000;
  let lastNumber = 0;
  const newId = () => {
    nextId += 1;
    return nextId;
  };
  const state = {
    /** Decides a 405 for a merge that would otherwise land (branch protection, merge queue). */
    mergeRefusal: null as ((pull: PullRecord) => MergeRefusal | null) | null,
    /** Extra headers on check-run answers, e.g. x-poll-interval or retry-after. */
    checkRunHeaders: {} as Record<string, string>,
    /** The repository setting "Automatically delete head branches": a merge deletes the head branch. */
    deletesHeadBranchOnMerge: false,
    /**
     * CI on the commits GitHub makes itself (update-branch merges, merge groups): the check runs
     * it starts, queued, and how each ends when the test calls `runCi()`. None by default.
     */
    ci: null as CiPlan | null,
    /** A workflow `on: push` to the base: called with each commit a merge moves the base to. */
    onBaseMoved: null as ((branch: string, sha: string) => void) | null,
  };
  /** Pull requests that no longer apply to their base: GitHub shows them dirty. */
  const conflicting = new Set<number>();
  /** The conclusion each automated check run ends with at `runCi()`. */
  const plannedRuns = new Map<CheckRunRecord, { conclusion: "success" | "failure"; summary?: string }>();

  function addCommit(input: { parents: string[]; message: string; sha?: string; treeSha?: string }): string {
    const sha =
      input.sha ??
      createHash("sha1")
        .update(`${input.message}\n${input.parents.join(",")}\n${commits.size}`)
        .digest("hex");
    commits.set(sha, {
      sha,
      parents: input.parents,
      message: input.message,
      treeSha: input.treeSha ?? createHash("sha1").update(`tree ${sha}`).digest("hex"),
      date: timestamp(),
    });
    return sha;
  }

  function isAncestor(ancestor: string, descendant: string): boolean {
    const queue = [descendant];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const sha = queue.shift() as string;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(commits.get(sha)?.parents ?? []));
    }
    return false;
  }

  function reachable(from: string): Set<string> {
    const seen = new Set<string>();
    const queue = [from];
    while (queue.length > 0) {
      const sha = queue.shift() as string;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(commits.get(sha)?.parents ?? []));
    }
    return seen;
  }

  /** GitHub's mergeability of an open pull request: dirty on a conflict, behind when the base moved. */
  function refreshMergeState(pull: PullRecord): void {
    if (pull.state !== "open") return;
    pull.headSha = branches.get(pull.head) ?? pull.headSha;
    const baseSha = branches.get(pull.base) ?? pull.baseSha;
    pull.baseSha = baseSha;
    if (conflicting.has(pull.number)) {
      Object.assign(pull, { mergeable: false, mergeableState: "dirty" });
    } else if (!isAncestor(baseSha, pull.headSha)) {
      Object.assign(pull, { mergeable: true, mergeableState: "behind" });
    } else if (pull.mergeableState === "behind") {
      Object.assign(pull, { mergeable: true, mergeableState: "clean" });
    }
  }

  function startChecks(sha: string, kind: "updated_head" | "merge_group", pullRequest: number): void {
    for (const planned of state.ci?.({ sha, kind, pullRequest }) ?? []) {
      const run: CheckRunRecord = {
        id: newId(),
        sha,
        name: planned.name,
        status: "queued",
        conclusion: null,
        startedAt: null,
        completedAt: null,
        checkSuiteId: 5_000_002,
        outputTitle: null,
        outputSummary: null,
      };
      checkRuns.push(run);
      plannedRuns.set(run, planned);
    }
  }

  const mergeQueue = createMergeQueueFake({
    pulls,
    branches,
    botUser,
    timestamp,
    addCommit,
    startChecks,
    checkRunsOn: (sha) => checkRuns.filter((run) => run.sha === sha),
    isConflicting: (pull) => conflicting.has(pull.number),
    fastForward: (pull, landedSha, actor) => {
      land(pull, "merge", actor, undefined, landedSha);
    },
    nodeIdOf: pullNodeId,
  });

  const ok = (body: unknown, headers?: Record<string, string>): FakeResponse => ({
    status: 200,
    body,
    headers,
  });
  const notFound = (): FakeResponse => ({ status: 404, body: basicError("Not Found", 404) });
  const pullOf = (request: FakeRequest) => pulls.get(Number(request.params.pull_number));
  const bodyOf = (request: FakeRequest) => (request.body ?? {}) as Record<string, unknown>;

  function closeIssue(number: number, actor: UserRecord, commitId: string | null): void {
    const record = issues.get(number);
    if (!record || record.state === "closed") return;
    const now = timestamp();
    Object.assign(record, {
      state: "closed",
      stateReason: "completed",
      closedAt: now,
      closedBy: actor,
      updatedAt: now,
    });
    timelineOf(number).push({
      id: newId(),
      event: "closed",
      actor,
      commitId,
      createdAt: now,
      stateReason: "completed",
    });
  }

  function timelineOf(number: number): StateEventRecord[] {
    let timeline = timelines.get(number);
    if (!timeline) {
      timeline = [];
      timelines.set(number, timeline);
    }
    return timeline;
  }

  function latestStatuses(sha: string): StatusRecord[] {
    const latest = new Map<string, StatusRecord>();
    for (const status of statuses) if (status.sha === sha) latest.set(status.context, status);
    return [...latest.values()];
  }

  function issueView(number: number): FakeResponse {
    const pull = pulls.get(number);
    if (pull) {
      const asIssue: IssueRecord = {
        number,
        id: pull.id,
        title: pull.title,
        body: pull.body,
        state: pull.state,
        stateReason: null,
        closedAt: pull.closedAt,
        closedBy: pull.mergedBy,
        createdAt: pull.createdAt,
        updatedAt: pull.updatedAt,
        author: pull.author,
        commentCount: pull.commentCount,
      };
      return ok(issue(site, repositoryRecord, asIssue, pull));
    }
    const record = issues.get(number);
    return record ? ok(issue(site, repositoryRecord, record)) : notFound();
  }

  const routes: Route[] = [
    {
      method: "GET",
      template: "/repos/{owner}/{repo}",
      handle: () => ok(fullRepository(site, repositoryRecord)),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/git/ref/{ref}",
      handle: (request) => {
        const branch = request.params.ref?.replace(/^heads\//, "") ?? "";
        const sha = branches.get(branch);
        return sha ? ok(gitRef(site, repositoryRecord, branch, sha)) : notFound();
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/git/commits/{commit_sha}",
      handle: (request) => {
        const found = commits.get(request.params.commit_sha ?? "");
        return found ? ok(gitCommit(site, repositoryRecord, found, botUser)) : notFound();
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/git/commits",
      handle: (request) => {
        const body = bodyOf(request) as { message: string; tree: string; parents?: string[] };
        const parents = body.parents ?? [];
        const knownTree = [...commits.values()].some((each) => each.treeSha === body.tree);
        if (!knownTree || parents.some((parent) => !commits.has(parent))) {
          return {
            status: 422,
            body: validationError([
              { resource: "Commit", field: knownTree ? "parents" : "tree", code: "invalid" },
            ]),
          };
        }
        const sha = addCommit({ parents, message: body.message, treeSha: body.tree });
        return {
          status: 201,
          body: gitCommit(site, repositoryRecord, commits.get(sha) as CommitRecord, botUser),
          headers: { location: `${site.apiUrl}/repos/${options.owner}/${options.repo}/git/commits/${sha}` },
        };
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/git/refs",
      handle: (request) => {
        const body = bodyOf(request) as { ref: string; sha: string };
        const branch = body.ref.replace(/^refs\/heads\//, "");
        if (!commits.has(body.sha))
          return {
            status: 422,
            body: validationError([{ resource: "Reference", field: "sha", code: "invalid" }]),
          };
        if (branches.has(branch)) return { status: 422, body: basicError("Reference already exists", 422) };
        branches.set(branch, body.sha);
        return { status: 201, body: gitRef(site, repositoryRecord, branch, body.sha) };
      },
    },
    {
      method: "PATCH",
      template: "/repos/{owner}/{repo}/git/refs/{ref}",
      handle: (request) => {
        const branch = request.params.ref?.replace(/^heads\//, "") ?? "";
        const body = bodyOf(request) as { sha: string; force?: boolean };
        const current = branches.get(branch);
        if (!current) return { status: 422, body: basicError("Reference does not exist", 422) };
        if (!commits.has(body.sha))
          return {
            status: 422,
            body: validationError([{ resource: "Reference", field: "sha", code: "invalid" }]),
          };
        if (!body.force && !isAncestor(current, body.sha))
          return { status: 422, body: basicError("Update is not a fast forward", 422) };
        branches.set(branch, body.sha);
        return ok(gitRef(site, repositoryRecord, branch, body.sha));
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/compare/{basehead}",
      handle: (request) => {
        const [baseName = "", head = ""] = (request.params.basehead ?? "").split("...");
        const baseSha = branches.get(baseName) ?? baseName;
        const headSha = branches.get(head) ?? head;
        const baseCommit = commits.get(baseSha);
        const headCommit = commits.get(headSha);
        if (!baseCommit || !headCommit) return notFound();
        const fromBase = reachable(baseSha);
        const fromHead = reachable(headSha);
        const ahead = [...fromHead]
          .filter((sha) => !fromBase.has(sha))
          .map((sha) => commits.get(sha) as CommitRecord);
        const behindBy = [...fromBase].filter((sha) => !fromHead.has(sha)).length;
        const status =
          baseSha === headSha
            ? "identical"
            : ahead.length === 0
              ? "behind"
              : behindBy === 0
                ? "ahead"
                : "diverged";
        // The nearest common commit, walking back from the head.
        const mergeBase = [...fromHead].find((sha) => fromBase.has(sha));
        return ok(
          commitComparison(
            site,
            repositoryRecord,
            {
              base: baseName,
              head,
              baseCommit,
              mergeBaseCommit: commits.get(mergeBase ?? baseSha) as CommitRecord,
              status,
              aheadBy: ahead.length,
              behindBy,
              commits: ahead.reverse(),
            },
            botUser,
          ),
        );
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/pulls",
      handle: (request) => {
        const query = request.url.searchParams;
        const wanted = query.get("state") ?? "open";
        const head = query.get("head");
        const base = query.get("base");
        const matching = [...pulls.values()]
          .filter((pull) => wanted === "all" || pull.state === wanted)
          .filter((pull) => !head || `${options.owner}:${pull.head}` === head)
          .filter((pull) => !base || pull.base === base)
          .sort((left, right) => right.number - left.number);
        // An open pull request's head follows its branch, in the list as in GET /pulls/{n}.
        for (const pull of matching) refreshMergeState(pull);
        const page = pageOf(request, matching, linkBase);
        return ok(
          page.items.map((pull) => pullRequestSimple(site, repositoryRecord, pull)),
          page.headers,
        );
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/pulls",
      handle: (request) => {
        const body = bodyOf(request) as { head: string; base: string; title: string; body?: string };
        const headSha = branches.get(body.head);
        const baseSha = branches.get(body.base);
        if (!headSha)
          return {
            status: 422,
            body: validationError([{ resource: "PullRequest", field: "head", code: "invalid" }]),
          };
        if (!baseSha)
          return {
            status: 422,
            body: validationError([{ resource: "PullRequest", field: "base", code: "invalid" }]),
          };
        const open = [...pulls.values()].find(
          (pull) => pull.state === "open" && pull.head === body.head && pull.base === body.base,
        );
        if (open) {
          return {
            status: 422,
            body: validationError([
              {
                resource: "PullRequest",
                code: "custom",
                message: `A pull request already exists for ${options.owner}:${body.head}.`,
              },
            ]),
          };
        }
        if (isAncestor(headSha, baseSha)) {
          return {
            status: 422,
            body: validationError([
              {
                resource: "PullRequest",
                code: "custom",
                message: `No commits between ${body.base} and ${body.head}`,
              },
            ]),
          };
        }
        lastNumber = Math.max(lastNumber, ...issues.keys(), ...pulls.keys()) + 1;
        const now = timestamp();
        const pull: PullRecord = {
          number: lastNumber,
          id: newId(),
          title: body.title,
          body: body.body ?? null,
          head: body.head,
          headSha,
          base: body.base,
          baseSha,
          state: "open",
          isMerged: false,
          // GitHub's test merge commit of an open pull request.
          mergeCommitSha: createHash("sha1").update(`test-merge ${headSha}`).digest("hex"),
          mergedAt: null,
          mergedBy: null,
          closedAt: null,
          createdAt: now,
          updatedAt: now,
          mergeable: true,
          mergeableState: "clean",
          author: botUser,
          commentCount: 0,
        };
        pulls.set(pull.number, pull);
        return {
          status: 201,
          body: pullRequest(site, repositoryRecord, pull),
          headers: { location: `${site.apiUrl}/repos/${options.owner}/${options.repo}/pulls/${pull.number}` },
        };
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/pulls/{pull_number}",
      handle: (request) => {
        const pull = pullOf(request);
        if (!pull) return notFound();
        refreshMergeState(pull);
        return ok(pullRequest(site, repositoryRecord, pull));
      },
    },
    {
      method: "PATCH",
      template: "/repos/{owner}/{repo}/pulls/{pull_number}",
      handle: (request) => {
        const pull = pullOf(request);
        if (!pull) return notFound();
        const body = bodyOf(request) as { title?: string; body?: string; state?: string };
        if (body.title !== undefined) pull.title = body.title;
        if (body.body !== undefined) pull.body = body.body;
        pull.updatedAt = timestamp();
        if (body.state === "closed" && pull.state === "open") {
          Object.assign(pull, { state: "closed", closedAt: pull.updatedAt, mergeCommitSha: null });
        }
        return ok(pullRequest(site, repositoryRecord, pull));
      },
    },
    {
      method: "PUT",
      template: "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
      handle: (request) => mergeRoute(request),
    },
    {
      method: "PUT",
      template: "/repos/{owner}/{repo}/pulls/{pull_number}/update-branch",
      handle: (request) => updateBranchRoute(request),
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}/check-runs",
      handle: (request) => {
        const sha = branches.get(request.params.ref ?? "") ?? request.params.ref;
        const runs = checkRuns.filter((run) => run.sha === sha);
        const page = pageOf(request, runs, linkBase);
        const headers = { ...page.headers, ...state.checkRunHeaders };
        return ok(
          {
            total_count: runs.length,
            check_runs: page.items.map((run) => checkRun(site, repositoryRecord, run)),
          },
          headers,
        );
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{ref}/status",
      handle: (request) => {
        const sha = branches.get(request.params.ref ?? "") ?? request.params.ref ?? "";
        const latest = latestStatuses(sha);
        const page = pageOf(request, latest, linkBase);
        return ok(combinedStatus(site, repositoryRecord, sha, latest, page.items), page.headers);
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/commits/{commit_sha}/pulls",
      handle: (request) => {
        const sha = request.params.commit_sha;
        const associated = [...pulls.values()].filter(
          (pull) => (pull.isMerged && pull.mergeCommitSha === sha) || pull.headSha === sha,
        );
        return ok(associated.map((pull) => pullRequestSimple(site, repositoryRecord, pull)));
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/issues/{issue_number}",
      handle: (request) => issueView(Number(request.params.issue_number)),
    },
    {
      method: "PATCH",
      template: "/repos/{owner}/{repo}/issues/{issue_number}",
      handle: (request) => {
        const number = Number(request.params.issue_number);
        const record = issues.get(number);
        if (!record) return notFound();
        const body = bodyOf(request) as { state?: string; title?: string };
        if (body.title !== undefined) record.title = body.title;
        if (body.state === "closed") closeIssue(number, botUser, null);
        if (body.state === "open" && record.state === "closed") reopen(number, botUser);
        return issueView(number);
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/issues/{issue_number}/timeline",
      handle: (request) => {
        const number = Number(request.params.issue_number);
        if (!issues.has(number) && !pulls.has(number)) return notFound();
        const page = pageOf(request, timelineOf(number), linkBase);
        return ok(
          page.items.map((event) => stateChangeEvent(site, repositoryRecord, event)),
          page.headers,
        );
      },
    },
    {
      method: "GET",
      template: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      handle: (request) => {
        const number = Number(request.params.issue_number);
        if (!issues.has(number) && !pulls.has(number)) return notFound();
        const page = pageOf(
          request,
          comments.filter((comment) => comment.issueNumber === number),
          linkBase,
        );
        return ok(
          page.items.map((comment) => issueComment(site, repositoryRecord, comment, pulls.has(number))),
          page.headers,
        );
      },
    },
    {
      method: "POST",
      template: "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      handle: (request) => {
        const number = Number(request.params.issue_number);
        const target = issues.get(number) ?? pulls.get(number);
        if (!target) return notFound();
        const now = timestamp();
        const comment: CommentRecord = {
          id: newId(),
          issueNumber: number,
          body: String(bodyOf(request).body),
          author: botUser,
          createdAt: now,
          updatedAt: now,
        };
        comments.push(comment);
        target.commentCount += 1;
        return { status: 201, body: issueComment(site, repositoryRecord, comment, pulls.has(number)) };
      },
    },
    {
      method: "PATCH",
      template: "/repos/{owner}/{repo}/issues/comments/{comment_id}",
      handle: (request) => {
        const comment = comments.find((candidate) => candidate.id === Number(request.params.comment_id));
        if (!comment) return notFound();
        comment.body = String(bodyOf(request).body);
        comment.updatedAt = timestamp();
        return ok(issueComment(site, repositoryRecord, comment, pulls.has(comment.issueNumber)));
      },
    },
  ];

  function reopen(number: number, actor: UserRecord): void {
    const record = issues.get(number);
    if (!record) return;
    const now = timestamp();
    Object.assign(record, {
      state: "open",
      stateReason: "reopened",
      closedAt: null,
      closedBy: null,
      updatedAt: now,
    });
    timelineOf(number).push({
      id: newId(),
      event: "reopened",
      actor,
      commitId: null,
      createdAt: now,
      stateReason: "reopened",
    });
  }

  /** GitHub's "Update branch": merges the base into the head, then answers 202 at once. */
  function updateBranchRoute(request: FakeRequest): FakeResponse {
    const pull = pullOf(request);
    if (!pull) return notFound();
    const body = bodyOf(request) as { expected_head_sha?: string };
    refreshMergeState(pull);
    const unprocessable = (message: string): FakeResponse => ({
      status: 422,
      body: basicError(message, 422),
    });
    if (pull.state !== "open") return unprocessable("Pull request is not open");
    if (body.expected_head_sha !== undefined && body.expected_head_sha !== pull.headSha) {
      return unprocessable("expected head sha didn't match current head ref.");
    }
    if (conflicting.has(pull.number)) return unprocessable("merge conflict between base and head");
    if (pull.mergeableState === "behind") {
      const updated = addCommit({
        parents: [pull.headSha, pull.baseSha],
        message: `Merge branch '${pull.base}' into ${pull.head}`,
      });
      branches.set(pull.head, updated);
      refreshMergeState(pull);
      startChecks(updated, "updated_head", pull.number);
    }
    return {
      status: 202,
      body: {
        message: "Updating pull request branch.",
        url: `${site.webUrl}/repos/${options.owner}/${options.repo}/pulls/${pull.number}`,
      },
    };
  }

  function mergeRoute(request: FakeRequest): FakeResponse {
    const pull = pullOf(request);
    if (!pull) return notFound();
    const body = bodyOf(request) as { sha?: string; merge_method?: string; commit_title?: string };
    const refuse = (message: string): FakeResponse => ({
      status: 405,
      body: {
        message,
        documentation_url: "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
        status: "405",
      },
    });
    if (pull.state !== "open") return refuse("Pull Request is not mergeable");
    const headSha = branches.get(pull.head) ?? pull.headSha;
    pull.headSha = headSha;
    if (body.sha !== undefined && body.sha !== headSha) {
      return {
        status: 409,
        body: {
          message: "Head branch was modified. Review and try the merge again.",
          documentation_url: "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
          status: "409",
        },
      };
    }
    if (mergeQueue.hasQueue(pull.base)) {
      return refuse("Repository rule violations found\n\nChanges must be made through the merge queue\n\n");
    }
    const refusal = state.mergeRefusal?.(pull) ?? null;
    if (refusal) {
      pull.mergeableState = refusal.mergeableState ?? "blocked";
      if (refusal.mergeable !== undefined) pull.mergeable = refusal.mergeable;
      return refuse(refusal.message);
    }
    const mergeSha = land(pull, body.merge_method ?? "merge", botUser, body.commit_title);
    return ok({ sha: mergeSha, merged: true, message: "Pull Request successfully merged" });
  }

  /** What a merge does, whoever clicks: one commit on the base, the pull request closed, its issues too. */
  function land(
    pull: PullRecord,
    method: string,
    actor: UserRecord,
    commitTitle?: string,
    /** A merge queue's merge group, made already: the base fast-forwards to it. */
    landedSha?: string,
  ): string {
    const headSha = branches.get(pull.head) ?? pull.headSha;
    const baseSha = branches.get(pull.base) ?? pull.baseSha;
    const mergeSha =
      landedSha ??
      addCommit({
        parents: method === "merge" ? [baseSha, headSha] : [baseSha],
        message: commitTitle ?? `${pull.title} (#${pull.number})`,
        // A squash's tree is the head's when the head is up to date with the base, as here.
        ...(method === "merge" ? {} : { treeSha: commits.get(headSha)?.treeSha }),
      });
    branches.set(pull.base, mergeSha);
    state.onBaseMoved?.(pull.base, mergeSha);
    if (state.deletesHeadBranchOnMerge) branches.delete(pull.head);
    const now = timestamp();
    Object.assign(pull, {
      headSha,
      state: "closed",
      isMerged: true,
      mergeCommitSha: mergeSha,
      mergedAt: now,
      closedAt: now,
      mergedBy: actor,
      mergeable: null,
      mergeableState: "unknown",
      updatedAt: now,
    });
    for (const match of (pull.body ?? "").matchAll(closingKeywords))
      closeIssue(Number(match[1]), actor, mergeSha);
    return mergeSha;
  }

  const http = createGithubHttp({
    apiUrl: site.apiUrl,
    token: options.token,
    repositoryId: repositoryRecord.id,
    owner: options.owner,
    repo: options.repo,
    routes,
    graphql: (request) => mergeQueue.answer(request, http.violations),
    now: () => options.clock.now(),
  });

  const root = addCommit({ parents: [], message: "Initial commit" });
  branches.set(repositoryRecord.defaultBranch, root);

  return {
    handler: http.handler,
    respond: http.respond,
    exchanges: http.exchanges,
    violations: http.violations,
    site,
    state,
    branches,
    pulls,
    issues,
    comments,
    /** A commit on top of `parent` (default: the default branch's tip). */
    addCommit: (message: string, parent?: string) =>
      addCommit({ parents: [parent ?? (branches.get(repositoryRecord.defaultBranch) as string)], message }),
    knowsCommit: (sha: string) => commits.has(sha),
    /** A commit as git made it (real SHA and parents), e.g. read from a bare remote a push reached. */
    recordCommit: (input: { sha: string; parents: string[]; message: string }) => {
      addCommit(input);
    },
    /** What a push does to GitHub: the branch points at `sha`, whose commit GitHub now knows. */
    setBranch(name: string, sha: string): void {
      if (!commits.has(sha))
        addCommit({ sha, parents: [branches.get(repositoryRecord.defaultBranch) as string], message: name });
      branches.set(name, sha);
    },
    addIssue(input: { number: number; title: string; body?: string }): void {
      const now = timestamp();
      issues.set(input.number, {
        number: input.number,
        id: newId(),
        title: input.title,
        body: input.body ?? null,
        state: "open",
        stateReason: null,
        closedAt: null,
        closedBy: null,
        createdAt: now,
        updatedAt: now,
        author: humanUser,
        commentCount: 0,
      });
    },
    /** A person closes the issue in the web UI, optionally "with" a commit pushed straight to the base. */
    closeIssueByHand(number: number, commitId: string | null = null): void {
      closeIssue(number, humanUser, commitId);
    },
    reopenIssueByHand(number: number): void {
      reopen(number, humanUser);
    },
    /** A person merges the pull request in the web UI, whatever the supervisor's gates said; returns the commit. */
    mergePullRequestByHand(number: number, method: "merge" | "squash" = "squash"): string {
      const pull = pulls.get(number);
      if (pull?.state !== "open") throw new Error(`pull request #${number} is not open`);
      return land(pull, method, humanUser);
    },
    /** The commit as the fake knows it: parents and tree. */
    commitOf: (sha: string) => commits.get(sha),
    /** A person closes the pull request without merging it. */
    closePullRequestByHand(number: number): void {
      const pull = pulls.get(number);
      if (!pull || pull.state === "closed") return;
      const now = timestamp();
      Object.assign(pull, { state: "closed", closedAt: now, updatedAt: now, mergeCommitSha: null });
    },
    /** A person deletes a comment in the web UI. */
    deleteCommentByHand(id: number): void {
      const index = comments.findIndex((comment) => comment.id === id);
      if (index < 0) return;
      const [removed] = comments.splice(index, 1);
      const target = removed
        ? (issues.get(removed.issueNumber) ?? pulls.get(removed.issueNumber))
        : undefined;
      if (target) target.commentCount -= 1;
    },
    /** A comment someone else posted, e.g. an earlier supervisor process. */
    addComment(input: { issueNumber: number; body: string }): number {
      const now = timestamp();
      const id = newId();
      comments.push({
        id,
        issueNumber: input.issueNumber,
        body: input.body,
        author: botUser,
        createdAt: now,
        updatedAt: now,
      });
      const target = issues.get(input.issueNumber) ?? pulls.get(input.issueNumber);
      if (target) target.commentCount += 1;
      return id;
    },
    /** A pull request someone else opened (an earlier supervisor process, a person). */
    addPullRequest(input: { head: string; base?: string; title: string; body?: string }): number {
      lastNumber = Math.max(lastNumber, ...issues.keys(), ...pulls.keys()) + 1;
      const base = input.base ?? repositoryRecord.defaultBranch;
      const now = timestamp();
      pulls.set(lastNumber, {
        number: lastNumber,
        id: newId(),
        title: input.title,
        body: input.body ?? null,
        head: input.head,
        headSha: branches.get(input.head) as string,
        base,
        baseSha: branches.get(base) as string,
        state: "open",
        isMerged: false,
        mergeCommitSha: createHash("sha1")
          .update(`test-merge ${branches.get(input.head)}`)
          .digest("hex"),
        mergedAt: null,
        mergedBy: null,
        closedAt: null,
        createdAt: now,
        updatedAt: now,
        mergeable: true,
        mergeableState: "clean",
        author: humanUser,
        commentCount: 0,
      });
      return lastNumber;
    },
    addCheckRun(
      input: Partial<CheckRunRecord> & Pick<CheckRunRecord, "sha" | "name" | "status">,
    ): CheckRunRecord {
      const run: CheckRunRecord = {
        id: newId(),
        conclusion: null,
        startedAt: timestamp(),
        completedAt: null,
        checkSuiteId: 5_000_001,
        outputTitle: null,
        outputSummary: null,
        ...input,
      };
      checkRuns.push(run);
      return run;
    },
    /** Completes a check run as GitHub Actions would. */
    completeCheckRun(
      run: CheckRunRecord,
      conclusion: NonNullable<CheckRunRecord["conclusion"]>,
      summary?: string,
    ): void {
      Object.assign(run, {
        status: "completed",
        conclusion,
        completedAt: timestamp(),
        outputTitle: conclusion === "success" ? "Passed" : "Failed",
        outputSummary: summary ?? null,
      });
    },
    addStatus(input: Pick<StatusRecord, "sha" | "context" | "state"> & Partial<StatusRecord>): void {
      const now = timestamp();
      statuses.push({
        id: newId(),
        description: null,
        targetUrl: null,
        createdAt: now,
        updatedAt: now,
        ...input,
      });
    },
    intercept(interception: Omit<Interception, "times"> & { times?: number }): void {
      http.intercept(interception);
    },
    /** The branch takes changes only through its merge queue (a ruleset); REST merges into it are refused. */
    enableMergeQueue(branch = repositoryRecord.defaultBranch): void {
      mergeQueue.enable(branch);
    },
    mergeQueue,
    enqueueByHand: (number: number) => mergeQueue.enqueueByHand(number),
    /** The pull request no longer applies to its base (someone changed the same lines there). */
    markConflicting(number: number): void {
      conflicting.add(number);
    },
    /** CI finishes every check run the fake started itself, as planned; the merge queue moves on. */
    runCi(): void {
      for (const [run, planned] of plannedRuns) {
        if (run.status === "completed") continue;
        Object.assign(run, {
          status: "completed",
          conclusion: planned.conclusion,
          startedAt: run.startedAt ?? timestamp(),
          completedAt: timestamp(),
          outputTitle: planned.conclusion === "success" ? "Passed" : "Failed",
          outputSummary: planned.summary ?? null,
        });
      }
      mergeQueue.advance();
    },
    /** Fails the test when any request or response broke GitHub's description or the fake's invariants. */
    assertHealthy(): void {
      if (http.violations.length > 0) {
        throw new Error(
          `The GitHub fake saw ${http.violations.length} violation(s):\n${http.violations.join("\n")}`,
        );
      }
    },
  };
}

export type GithubFake = ReturnType<typeof createGithubFake>;
