/**
 * The github forge against a stateful GitHub fake served by msw. The fake answers in GitHub's
 * real shapes, checked against GitHub's OpenAPI description on every exchange; `assertHealthy`
 * after each test fails it when the forge sent, or the fake answered, anything GitHub would not.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import {
  type ForgeGateContext,
  observeIssueClosed,
  observePrMerged,
} from "../../../src/evidence/forge-gates.ts";
import type { Forge } from "../../../src/forge/forge.ts";
import { settleWithin } from "../../../src/forge/forge-facts.ts";
import {
  createGithubForge,
  type GithubForgeError,
  type GithubForgeOptions,
  type GithubRequestInfo,
} from "../../../src/forge/github/index.ts";
import { validatePlanSource } from "../../../src/plan/index.ts";
import type { Workstream } from "../../../src/plan/schema.ts";
import { createGithubFake, type GithubFake } from "../../fakes/github-api.ts";

const apiUrl = "https://github.example.test/api/v3";
const webUrl = "https://github.example.test";
const token = "ghs_SECRETtoken0123456789abcdef";

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());

let activeFake: GithubFake | undefined;
afterEach(() => {
  server.resetHandlers();
  const fake = activeFake;
  activeFake = undefined;
  fake?.assertHealthy();
});

function setup(overrides: Partial<GithubForgeOptions> & { fakeApiUrl?: string; fakeWebUrl?: string } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  const fake = createGithubFake({
    apiUrl: overrides.fakeApiUrl ?? apiUrl,
    webUrl: overrides.fakeWebUrl ?? webUrl,
    owner: "acme",
    repo: "widget",
    token,
    clock,
  });
  activeFake = fake;
  server.use(fake.handler);
  const sleeps: number[] = [];
  const requests: GithubRequestInfo[] = [];
  let onSleep: (ms: number) => void = () => {};
  const forge = createGithubForge({
    owner: "acme",
    repo: "widget",
    apiUrl,
    token,
    userRepository: "/nonexistent/user-repository",
    remote: "origin",
    base: "main",
    clock,
    retryAfterBaseValueMs: 10,
    writeSpacingMs: 0,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      onSleep(ms);
    },
    onRequest: (info) => requests.push(info),
    ...overrides,
  });
  return {
    fake,
    forge,
    clock,
    sleeps,
    requests,
    /** Runs on every fake sleep, after the clock moved: GitHub changing while the forge waits. */
    whileSleeping(callback: (ms: number) => void) {
      onSleep = callback;
    },
  };
}

/** A branch pushed with one commit on top of main, as GitHub sees it after `git push`. */
function pushedBranch(fake: GithubFake, branch: string): string {
  const sha = fake.addCommit(`work on ${branch}`);
  fake.setBranch(branch, sha);
  return sha;
}

const templatesOf = (fake: GithubFake) =>
  fake.exchanges.map((exchange) => `${exchange.method} ${exchange.template} ${exchange.status}`);

describe("pull requests", () => {
  it("opens a pull request, then finds it and updates its title and body in place", async () => {
    const { fake, forge } = setup();
    const headSha = pushedBranch(fake, "supervise/ws1");
    const opened = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "Fix the parser",
      body: "Fixes #12",
    });
    expect(opened).toEqual({
      number: 1,
      url: `${webUrl}/acme/widget/pull/1`,
      title: "Fix the parser",
      body: "Fixes #12",
      head: "supervise/ws1",
      headSha,
      base: "main",
      state: "open",
      isMerged: false,
      mergeCommitSha: null,
      mergedAt: null,
    });
    const updated = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "Fix the parser for good",
      body: "Fixes #12",
    });
    expect(updated).toMatchObject({ number: 1, title: "Fix the parser for good" });
    expect(await forge.findPullRequest({ head: "supervise/ws1", base: "main" })).toEqual(updated);
    expect(fake.pulls.size).toBe(1);
    expect(
      fake.exchanges.filter((exchange) => exchange.method !== "GET").map((exchange) => exchange.template),
    ).toEqual(["/repos/{owner}/{repo}/pulls", "/repos/{owner}/{repo}/pulls/{pull_number}"]);
  });

  it("sends nothing when the open pull request already says the same", async () => {
    const { fake, forge } = setup();
    pushedBranch(fake, "supervise/ws1");
    const request = { head: "supervise/ws1", base: "main", title: "T", body: "B" };
    await forge.openOrUpdatePullRequest(request);
    const writesBefore = fake.exchanges.filter((exchange) => exchange.method !== "GET").length;
    await forge.openOrUpdatePullRequest(request);
    expect(fake.exchanges.filter((exchange) => exchange.method !== "GET").length).toBe(writesBefore);
  });

  it("finds the pull request a lost response created instead of creating a second one", async () => {
    const { fake, forge } = setup();
    pushedBranch(fake, "supervise/ws1");
    fake.intercept({ method: "POST", path: /\/pulls$/ }); // GitHub creates it; the answer never arrives
    const pull = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "T",
      body: "B",
    });
    expect(pull).toMatchObject({ number: 1, state: "open", title: "T" });
    expect(fake.pulls.size).toBe(1);
    expect(templatesOf(fake)).toEqual([
      "GET /repos/{owner}/{repo}/pulls 200",
      "POST /repos/{owner}/{repo}/pulls 0",
      "GET /repos/{owner}/{repo}/pulls 200",
    ]);
  });

  it("updates the pull request another writer created between the lookup and the create (422 already exists)", async () => {
    const { fake, forge } = setup();
    pushedBranch(fake, "supervise/ws1");
    await forge.openOrUpdatePullRequest({ head: "supervise/ws1", base: "main", title: "Old", body: "old" });
    // The next lookup misses it, as a lookup racing another writer's create would.
    fake.intercept({ method: "GET", path: /\/pulls$/, response: { status: 200, body: [] } });
    const pull = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "New",
      body: "new",
    });
    expect(pull).toMatchObject({ number: 1, title: "New", body: "new" });
    expect(fake.pulls.size).toBe(1);
    expect(templatesOf(fake).slice(-4)).toEqual([
      "GET /repos/{owner}/{repo}/pulls 304", // the empty list, as the first call saw it
      "POST /repos/{owner}/{repo}/pulls 422",
      "GET /repos/{owner}/{repo}/pulls 200",
      "PATCH /repos/{owner}/{repo}/pulls/{pull_number} 200",
    ]);
  });

  it("reports a merged pull request with its merge commit, and an open one without GitHub's test merge", async () => {
    const { fake, forge } = setup();
    const headSha = pushedBranch(fake, "supervise/ws1");
    const opened = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "T",
      body: "B",
    });
    expect(fake.pulls.get(opened.number)?.mergeCommitSha).not.toBeNull(); // GitHub's test merge
    expect(opened.mergeCommitSha).toBeNull();
    const merged = await forge.mergePullRequest({ number: opened.number, expectedHeadSha: headSha });
    expect(await forge.getPullRequest(opened.number)).toMatchObject({
      state: "closed",
      isMerged: true,
      mergeCommitSha: merged.isMerged ? merged.mergeCommitSha : "not merged",
      mergedAt: "2026-03-01T09:00:00Z",
    });
  });
});

/** What a gate of workstream ws1 (issue #12, branch supervise/ws1) gets for a claim of `commit`. */
function gateContext(forge: Forge, commit: string): ForgeGateContext {
  const { plan } = validatePlanSource(
    [
      "repo: .",
      "forge: { kind: github, owner: acme, repo: widget }",
      "agent: { provider: command, command: worker }",
      "workstreams:",
      "  - { id: ws1, issue: 12, goal: Fix the parser. }",
    ].join("\n"),
    "/test/plan.yaml",
  );
  if (!plan) throw new Error("the test plan does not validate");
  return { forge, plan, workstream: plan.workstreams[0] as Workstream, commit, ciWaitMs: 60_000 };
}

/** An open pull request from a freshly pushed branch, with green CI on its head. */
async function greenPullRequest(context: ReturnType<typeof setup>, body = "Fixes #12") {
  const { fake, forge } = context;
  fake.addIssue({ number: 12, title: "The parser drops the last line" });
  const headSha = pushedBranch(fake, "supervise/ws1");
  const run = fake.addCheckRun({ sha: headSha, name: "test", status: "in_progress" });
  fake.completeCheckRun(run, "success");
  const pull = await forge.openOrUpdatePullRequest({
    head: "supervise/ws1",
    base: "main",
    title: "Fix",
    body,
  });
  return { headSha, pull };
}

describe("merging", () => {
  it("squash-merges at the expected head, and the issue it names is closed by that pull request", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);
    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    const mergeCommitSha = fake.branches.get("main");
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha });
    const merge = fake.exchanges.find((exchange) => exchange.method === "PUT");
    expect(merge?.body).toEqual({ sha: headSha, merge_method: "squash" });
    expect(await forge.getIssue(12)).toEqual({
      number: 12,
      title: "The parser drops the last line",
      state: "closed",
      closedAt: "2026-03-01T09:00:00Z",
      closedBy: { kind: "pull_request", pullRequest: pull.number, commitSha: mergeCommitSha },
    });
    expect(await forge.isAncestorOfBase({ sha: mergeCommitSha as string, base: "main" })).toBe(true);
    expect(await forge.isAncestorOfBase({ sha: headSha, base: "main" })).toBe(false); // squashed away
    expect(await forge.baseSha("main")).toBe(mergeCommitSha);
  });

  it("refuses when the head moved before the merge, without asking GitHub to merge", async () => {
    const context = setup();
    const { pull } = await greenPullRequest(context);
    const result = await context.forge.mergePullRequest({
      number: pull.number,
      expectedHeadSha: "b".repeat(40),
    });
    expect(result).toMatchObject({ isMerged: false, reason: "head_moved" });
    expect(context.fake.exchanges.filter((exchange) => exchange.method === "PUT")).toEqual([]);
  });

  it("reports head_moved when GitHub answers 409 because a push landed during the merge", async () => {
    let isRacing = true;
    const context = setup({
      onRequest: (info) => {
        // Someone pushes right after the forge read CI, before its merge request arrives.
        if (isRacing && info.url.includes("/check-runs")) {
          isRacing = false;
          context.fake.setBranch("supervise/ws1", context.fake.addCommit("a late push"));
        }
      },
    });
    const { headSha, pull } = await greenPullRequest(context);
    isRacing = true;
    const result = await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toEqual({
      isMerged: false,
      reason: "head_moved",
      message: `GitHub refused to merge #${pull.number}: Head branch was modified. Review and try the merge again.`,
    });
    expect(templatesOf(context.fake).filter((line) => line.startsWith("PUT"))).toEqual([
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 409",
    ]);
  });

  it("says so when the base branch only takes changes through a merge queue (405)", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    context.fake.state.mergeRefusal = () => ({
      status: 405,
      message: "Repository rule violations found\n\nChanges must be made through the merge queue\n\n",
    });
    const result = await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toMatchObject({ isMerged: false, reason: "not_mergeable" });
    expect(result.isMerged ? "" : result.message).toMatchInlineSnapshot(`
      "GitHub refused to merge #13: Repository rule violations found

      Changes must be made through the merge queue

       (the base branch only takes changes through its merge queue; a direct merge cannot land it)."
    `);
  });

  it("names branch protection when a required review blocks the merge (405)", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    context.fake.state.mergeRefusal = () => ({
      status: 405,
      message: "At least 1 approving review is required by reviewers with write access.",
      mergeableState: "blocked",
    });
    const result = await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toEqual({
      isMerged: false,
      reason: "not_mergeable",
      message: `GitHub refused to merge #${pull.number}: At least 1 approving review is required by reviewers with write access. (branch protection or a repository rule blocks it).`,
    });
  });

  it("reports a conflict when GitHub finds the pull request not mergeable and dirty", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    context.fake.state.mergeRefusal = () => ({
      status: 405,
      message: "Pull Request is not mergeable",
      mergeable: false,
      mergeableState: "dirty",
    });
    const result = await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toMatchObject({ isMerged: false, reason: "conflict" });
  });

  it("refuses while CI on the head is pending or failing, without asking GitHub to merge", async () => {
    const context = setup();
    const { fake, forge } = context;
    const headSha = pushedBranch(fake, "supervise/ws1");
    fake.addCheckRun({ sha: headSha, name: "test", status: "queued" });
    fake.addStatus({ sha: headSha, context: "ci/jenkins", state: "failure", description: "2 tests failed" });
    const pull = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "T",
      body: "B",
    });
    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toEqual({
      isMerged: false,
      reason: "ci_not_green",
      message: `CI on ${headSha} is failure: ci/jenkins (failure), test (queued).`,
    });
    expect(fake.exchanges.filter((exchange) => exchange.method === "PUT")).toEqual([]);
  });

  it("says already_merged for a pull request merged before", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    const first = await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    const again = await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(again).toEqual({
      isMerged: false,
      reason: "already_merged",
      message: `Pull request #${pull.number} is already merged as ${first.isMerged ? first.mergeCommitSha : ""}.`,
    });
  });

  it("recognizes its own merge when the response was lost and the retried request is refused", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);
    fake.intercept({ method: "PUT", path: /\/merge$/ }); // merged on GitHub; the answer never arrives
    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: fake.branches.get("main") });
    expect(templatesOf(fake).filter((line) => line.startsWith("PUT"))).toEqual([
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 0",
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 405",
    ]);
  });
});

describe("reverting a landed change", () => {
  it("makes the revert commit through the git data API on the merge, opens its pull request, and merges it like any other", async () => {
    const { fake, forge } = setup();
    pushedBranch(fake, "supervise/ws1");
    const pull = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "Fix",
      body: "",
    });
    const beforeMerge = fake.branches.get("main") as string;
    const mergeCommit = fake.mergePullRequestByHand(pull.number);
    const later = fake.addCommit("a later change on main");
    fake.setBranch("main", later);

    const revert = await forge.createRevertBranch({
      branch: "supervise/ws1-revert",
      landedSha: mergeCommit,
      message: "Revert #1\n",
    });

    expect(revert).toEqual({
      branch: "supervise/ws1-revert",
      sha: fake.branches.get("supervise/ws1-revert"),
      restoredSha: beforeMerge,
    });
    // Based on the merge, with the tree from before it: the pull request shows only its inverse.
    expect(fake.commitOf(revert.sha)).toMatchObject({
      parents: [mergeCommit],
      treeSha: fake.commitOf(beforeMerge)?.treeSha,
      message: "Revert #1\n",
    });
    expect(templatesOf(fake).slice(-4)).toEqual([
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
      "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
      "POST /repos/{owner}/{repo}/git/commits 201",
      "POST /repos/{owner}/{repo}/git/refs 201",
    ]);
    const revertPull = await forge.openOrUpdatePullRequest({
      head: revert.branch,
      base: "main",
      title: "Revert #1",
      body: "Undoes #1.",
    });
    expect(revertPull).toMatchObject({ head: revert.branch, headSha: revert.sha, state: "open" });
    expect(
      await forge.mergePullRequest({ number: revertPull.number, expectedHeadSha: revert.sha }),
    ).toMatchObject({
      isMerged: true,
      mergeCommitSha: fake.branches.get("main"),
    });
  });

  it("moves an existing revert branch to the new commit, and restores a named commit's tree", async () => {
    const { fake, forge } = setup();
    const base = fake.branches.get("main") as string;
    const pushed = pushedBranch(fake, "supervise/ws1");
    fake.setBranch("main", pushed);
    fake.setBranch("supervise/ws1-revert", base);

    const revert = await forge.createRevertBranch({
      branch: "supervise/ws1-revert",
      landedSha: pushed,
      restoreSha: base,
      message: "Revert the pushed commit\n",
    });

    expect(fake.branches.get("supervise/ws1-revert")).toBe(revert.sha);
    expect(fake.commitOf(revert.sha)).toMatchObject({
      parents: [pushed],
      treeSha: fake.commitOf(base)?.treeSha,
    });
    const moved = fake.exchanges.filter((exchange) => exchange.template?.includes("/git/refs"));
    expect(moved.map((exchange) => `${exchange.method} ${exchange.status}`)).toEqual([
      "POST 422",
      "PATCH 200",
    ]);
    expect(moved[1]?.body).toEqual({ sha: revert.sha, force: true });
  });

  it("closes an open pull request without merging it, and leaves a merged one as it is", async () => {
    const { fake, forge } = setup();
    pushedBranch(fake, "supervise/ws1");
    const pull = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "Fix",
      body: "",
    });

    const closed = await forge.closePullRequest(pull.number);

    expect(closed).toMatchObject({
      number: pull.number,
      state: "closed",
      isMerged: false,
      mergeCommitSha: null,
    });
    expect(fake.pulls.get(pull.number)?.state).toBe("closed");
    pushedBranch(fake, "supervise/ws2");
    const other = await forge.openOrUpdatePullRequest({
      head: "supervise/ws2",
      base: "main",
      title: "Two",
      body: "",
    });
    fake.mergePullRequestByHand(other.number);
    const requestsBefore = fake.exchanges.length;
    expect(await forge.closePullRequest(other.number)).toMatchObject({ state: "closed", isMerged: true });
    expect(fake.exchanges.slice(requestsBefore).map((exchange) => exchange.method)).toEqual(["GET"]);
  });
});

describe("what the forge remembers between steps", () => {
  it("merges a pull request it opened at the expected head without reading it first", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);
    const before = fake.exchanges.length;
    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: fake.branches.get("main") });
    // Whether the base has a merge queue (asked once), and whether the head holds the base.
    expect(templatesOf(fake).slice(before)).toEqual([
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs 200",
      "GET /repos/{owner}/{repo}/commits/{ref}/status 200",
      "POST /graphql 200",
      "GET /repos/{owner}/{repo}/compare/{basehead} 200",
      "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 200",
    ]);
  });

  it("still refuses a pull request a person closed after the forge opened it", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    context.fake.closePullRequestByHand(pull.number);
    expect(await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha })).toEqual({
      isMerged: false,
      reason: "not_mergeable",
      message: `Pull request #${pull.number} is closed.`,
    });
    expect(context.fake.pulls.get(pull.number)?.isMerged).toBe(false);
  });

  it("still refuses a head a person moved after the forge opened the pull request (GitHub's 409)", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);
    fake.setBranch("supervise/ws1", fake.addCommit("a push by hand", headSha));
    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect(result).toMatchObject({ isMerged: false, reason: "head_moved" });
    expect(fake.pulls.get(pull.number)?.isMerged).toBe(false);
  });

  it("answers from what it knows only when asked to; a plain lookup sees a close by hand", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { pull } = await greenPullRequest(context);
    fake.closePullRequestByHand(pull.number);
    const before = fake.exchanges.length;
    const known = await forge.findPullRequest({ head: "supervise/ws1", base: "main", mayReuseKnown: true });
    expect(known).toMatchObject({ number: pull.number, state: "open" });
    expect(fake.exchanges.length).toBe(before);
    const fresh = await forge.findPullRequest({ head: "supervise/ws1", base: "main" });
    expect(fresh).toMatchObject({ number: pull.number, state: "closed", isMerged: false });
  });

  it("knows a pull request's new head after pushing it, without asking", async () => {
    const userRepository = await mkdtemp(join(tmpdir(), "supervise-github-remember-push-"));
    const remote = join(userRepository, "remote.git");
    try {
      const environment = { ...process.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };
      const git = (args: string[]) =>
        execa("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
          cwd: userRepository,
          env: environment,
          extendEnv: false,
        });
      await git(["init", "--quiet", "-b", "main"]);
      await git(["commit", "--quiet", "--allow-empty", "-m", "first"]);
      await git(["clone", "--quiet", "--bare", userRepository, remote]);
      await git(["remote", "add", "origin", remote]);
      await git(["commit", "--quiet", "--allow-empty", "-m", "second"]);
      const sha = (await git(["rev-parse", "HEAD"])).stdout;
      const context = setup({ userRepository, environment: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
      const { pull } = await greenPullRequest(context);
      await context.forge.push({ fromRepository: userRepository, sha, branch: "supervise/ws1" });
      const known = await context.forge.findPullRequest({
        head: "supervise/ws1",
        base: "main",
        mayReuseKnown: true,
      });
      expect(known).toMatchObject({ number: pull.number, headSha: sha });
    } finally {
      await rm(userRepository, { recursive: true, force: true });
    }
  });

  it("fails pr_merged on a pull request a person closed after the forge opened it: gates read anew", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    await context.forge.findPullRequest({ head: "supervise/ws1", base: "main", mayReuseKnown: true });
    context.fake.closePullRequestByHand(pull.number);
    const result = await observePrMerged(gateContext(context.forge, headSha));
    expect([result.status, result.detail]).toEqual([
      "fail",
      `PR #${pull.number} is closed, not merged: a PR is not done until it is merged`,
    ]);
  });

  it("fails issue_closed on an issue a person reopened after the forge's merge closed it", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect((await context.forge.getIssue(12)).state).toBe("closed");
    context.fake.reopenIssueByHand(12);
    const result = await observeIssueClosed(gateContext(context.forge, headSha));
    expect([result.status, result.detail]).toEqual(["fail", "issue #12 is open"]);
  });

  it("tells which merge closed an issue from the merge it saw, without asking GitHub again", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);
    const merged = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    const before = fake.exchanges.length;
    expect((await forge.getIssue(12)).closedBy).toEqual({
      kind: "pull_request",
      pullRequest: pull.number,
      commitSha: merged.isMerged ? merged.mergeCommitSha : "",
    });
    expect(templatesOf(fake).slice(before)).toEqual([
      "GET /repos/{owner}/{repo}/issues/{issue_number} 200",
      "GET /repos/{owner}/{repo}/issues/{issue_number}/timeline 200",
    ]);
  });
});

describe("CI status", () => {
  it("is none for a commit nothing reported on", async () => {
    const { fake, forge } = setup();
    const sha = pushedBranch(fake, "supervise/ws1");
    expect(await forge.ciStatus(sha)).toEqual({ sha, state: "none", checks: [] });
  });

  it("reads every page of check runs and of the combined status (Link rel=next)", async () => {
    const { fake, forge } = setup();
    const sha = pushedBranch(fake, "supervise/ws1");
    for (let index = 0; index < 101; index += 1) {
      fake.completeCheckRun(
        fake.addCheckRun({ sha, name: `shard ${String(index).padStart(3, "0")}`, status: "in_progress" }),
        "success",
      );
    }
    for (let index = 0; index < 100; index += 1) {
      fake.addStatus({ sha, context: `deploy/${index}`, state: "success" });
    }
    fake.addStatus({ sha, context: "zz/jenkins", state: "pending" });
    fake.addStatus({ sha, context: "zz/jenkins", state: "failure", description: "Build #7 failed" });
    const status = await forge.ciStatus(sha);
    expect(status.state).toBe("failure");
    expect(status.checks).toHaveLength(202);
    expect(status.checks.at(-1)).toMatchObject({
      name: "zz/jenkins",
      conclusion: "failure",
      summary: "Build #7 failed",
    });
    expect(status.checks.find((check) => check.name === "shard 100")).toMatchObject({
      conclusion: "success",
    });
    expect(fake.exchanges.map((exchange) => exchange.url).sort()).toEqual([
      `${apiUrl}/repos/acme/widget/commits/${sha}/check-runs?filter=all&per_page=100`,
      `${apiUrl}/repos/acme/widget/commits/${sha}/status?per_page=100`,
      `${apiUrl}/repositories/777001/commits/${sha}/check-runs?filter=all&per_page=100&page=2`,
      `${apiUrl}/repositories/777001/commits/${sha}/status?per_page=100&page=2`,
    ]);
  });

  it("is failure as soon as the last page holds a failed run", async () => {
    const { fake, forge } = setup();
    const sha = pushedBranch(fake, "supervise/ws1");
    for (let index = 0; index < 100; index += 1) {
      fake.completeCheckRun(fake.addCheckRun({ sha, name: `ok ${index}`, status: "in_progress" }), "success");
    }
    fake.completeCheckRun(
      fake.addCheckRun({ sha, name: "zz last", status: "in_progress" }),
      "failure",
      "1 failed",
    );
    expect((await forge.ciStatus(sha)).state).toBe("failure");
  });

  it("judges the latest run of a re-run check", async () => {
    const { fake, forge, clock } = setup();
    const sha = pushedBranch(fake, "supervise/ws1");
    fake.completeCheckRun(fake.addCheckRun({ sha, name: "test", status: "in_progress" }), "failure");
    clock.advance(60_000);
    fake.addCheckRun({ sha, name: "test", status: "queued" });
    expect((await forge.ciStatus(sha)).state).toBe("pending");
  });

  it("asks again with If-None-Match and reuses the cached body on 304", async () => {
    const { fake, forge, requests } = setup();
    const sha = pushedBranch(fake, "supervise/ws1");
    fake.completeCheckRun(
      fake.addCheckRun({ sha, name: "test", status: "in_progress" }),
      "failure",
      "expected 3, got 4",
    );
    const first = await forge.ciStatus(sha);
    const second = await forge.ciStatus(sha);
    expect(second).toEqual(first);
    expect(first.checks[0]?.summary).toBe("Failed\nexpected 3, got 4");
    expect(
      fake.exchanges.map((exchange) => [
        exchange.template?.split("/").at(-1),
        exchange.status,
        exchange.ifNoneMatch !== null,
      ]),
    ).toEqual([
      ["check-runs", 200, false],
      ["status", 200, false],
      ["check-runs", 304, true],
      ["status", 304, true],
    ]);
    expect(requests.map((request) => request.status)).toEqual([200, 200, 304, 304]);
  });
});

describe("waiting for CI to settle", () => {
  it("polls with a pause doubling from 10 s to 2 min while nothing changes, then returns the verdict", async () => {
    const context = setup();
    const { fake, forge } = context;
    const sha = pushedBranch(fake, "supervise/ws1");
    const run = fake.addCheckRun({ sha, name: "test", status: "in_progress" });
    let pauses = 0;
    context.whileSleeping(() => {
      pauses += 1;
      if (pauses === 6) fake.completeCheckRun(run, "success");
    });
    const status = await forge.whenCiSettled(sha);
    expect(status.state).toBe("success");
    expect(context.sleeps).toEqual([10_000, 20_000, 40_000, 80_000, 120_000, 120_000]);
  });

  it("starts again from 10 s when a check changes", async () => {
    const context = setup();
    const { fake, forge } = context;
    const sha = pushedBranch(fake, "supervise/ws1");
    const build = fake.addCheckRun({ sha, name: "build", status: "in_progress" });
    const test = fake.addCheckRun({ sha, name: "test", status: "queued" });
    let pauses = 0;
    context.whileSleeping(() => {
      pauses += 1;
      if (pauses === 3) fake.completeCheckRun(build, "success");
      if (pauses === 5) fake.completeCheckRun(test, "success");
    });
    await forge.whenCiSettled(sha);
    expect(context.sleeps).toEqual([10_000, 20_000, 40_000, 10_000, 20_000]);
  });

  it("never polls sooner than GitHub's x-poll-interval", async () => {
    const context = setup();
    const { fake, forge } = context;
    fake.state.checkRunHeaders = { "x-poll-interval": "60" };
    const sha = pushedBranch(fake, "supervise/ws1");
    const run = fake.addCheckRun({ sha, name: "test", status: "in_progress" });
    context.whileSleeping(() => {
      if (context.sleeps.length === 2) fake.completeCheckRun(run, "failure");
    });
    expect((await forge.whenCiSettled(sha)).state).toBe("failure");
    expect(context.sleeps).toEqual([60_000, 60_000]);
  });

  it("waits as long as a retry-after asks", async () => {
    const context = setup();
    const { fake, forge } = context;
    fake.state.checkRunHeaders = { "retry-after": "90" };
    const sha = pushedBranch(fake, "supervise/ws1");
    const run = fake.addCheckRun({ sha, name: "test", status: "in_progress" });
    context.whileSleeping(() => {
      fake.state.checkRunHeaders = {};
      if (context.sleeps.length === 2) fake.completeCheckRun(run, "success");
    });
    await forge.whenCiSettled(sha);
    expect(context.sleeps).toEqual([90_000, 20_000]);
  });

  it("gives checks a minute to appear, then takes the commit as one without CI", async () => {
    const context = setup();
    const sha = pushedBranch(context.fake, "supervise/ws1");
    expect(await context.forge.whenCiSettled(sha)).toEqual({ sha, state: "none", checks: [] });
    expect(context.sleeps).toEqual([10_000, 20_000, 40_000]);
  });

  it("returns the still-pending status at the caller's bound, read at the bound", async () => {
    const context = setup();
    const sha = pushedBranch(context.fake, "supervise/ws1");
    context.fake.addCheckRun({ sha, name: "test", status: "in_progress" });
    const status = await context.forge.whenCiSettled(sha, { maxWaitMs: 60_000 });
    expect(status.state).toBe("pending");
    expect(context.sleeps).toEqual([10_000, 20_000, 30_000]);
  });

  it("polls on one schedule per commit: the worker's ci_status gets the last answer until a read is due", async () => {
    const context = setup();
    const { fake, forge, clock } = context;
    const sha = pushedBranch(fake, "supervise/ws1");
    const run = fake.addCheckRun({ sha, name: "test", status: "in_progress" });
    const checkRunReads = () =>
      fake.exchanges.filter((exchange) => exchange.template?.endsWith("/check-runs")).length;
    await forge.ciStatus(sha, { isPolling: true });
    await forge.ciStatus(sha, { isPolling: true });
    expect(checkRunReads()).toBe(1);
    clock.advance(10_000);
    await forge.ciStatus(sha, { isPolling: true }); // due: nothing changed, so the next pause is 20 s
    clock.advance(10_000);
    fake.completeCheckRun(run, "success");
    expect((await forge.ciStatus(sha, { isPolling: true })).state).toBe("pending");
    expect(checkRunReads()).toBe(2);
    // A caller that judges (a gate, the merge) always asks.
    expect((await forge.ciStatus(sha)).state).toBe("success");
    expect(checkRunReads()).toBe(3);
  });

  it("ci_green's wait ends the forge's polling when its own timer runs out", async () => {
    // Pauses that end only when the test says stand in for a clock that does not move, so only the
    // gate's timer can end the wait; ending them afterwards shows whether the polling went on.
    const pauses: (() => void)[] = [];
    const context = setup({ sleep: () => new Promise<void>((resolve) => pauses.push(resolve)) });
    const sha = pushedBranch(context.fake, "supervise/ws1");
    context.fake.addCheckRun({ sha, name: "test", status: "in_progress" });
    const status = await settleWithin(context.forge, sha, 20);
    expect(status.state).toBe("pending");
    context.clock.advance(600_000);
    for (const endPause of pauses) endPause();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const checkRunReads = context.fake.exchanges.filter((exchange) =>
      exchange.template?.endsWith("/check-runs"),
    );
    // The wait's first read, then the gate's own read once the timer ended the wait; no more.
    expect(checkRunReads.map((exchange) => exchange.status)).toEqual([200, 304]);
  });

  it("stops polling when the caller aborts", async () => {
    const context = setup();
    const sha = pushedBranch(context.fake, "supervise/ws1");
    context.fake.addCheckRun({ sha, name: "test", status: "in_progress" });
    const controller = new AbortController();
    context.whileSleeping(() => {
      if (context.sleeps.length === 2) controller.abort(new Error("the gate's timeout"));
    });
    await expect(context.forge.whenCiSettled(sha, { signal: controller.signal })).rejects.toThrow(
      "the gate's timeout",
    );
    const polls = context.fake.exchanges.filter((exchange) =>
      exchange.template?.endsWith("/check-runs"),
    ).length;
    expect(polls).toBe(2);
  });
});

describe("issues", () => {
  it("tells a manual close from a close by the pull request", async () => {
    const { fake, forge } = setup();
    fake.addIssue({ number: 7, title: "Crash on empty input" });
    fake.closeIssueByHand(7);
    expect(await forge.getIssue(7)).toEqual({
      number: 7,
      title: "Crash on empty input",
      state: "closed",
      closedAt: "2026-03-01T09:00:00Z",
      closedBy: { kind: "manual" },
    });
  });

  it("takes the last close: closed by hand, reopened, then closed by the merge", async () => {
    const context = setup();
    const { fake, forge } = context;
    fake.addIssue({ number: 12, title: "The parser drops the last line" });
    fake.closeIssueByHand(12);
    fake.reopenIssueByHand(12);
    const headSha = pushedBranch(fake, "supervise/ws1");
    fake.completeCheckRun(fake.addCheckRun({ sha: headSha, name: "test", status: "in_progress" }), "success");
    const pull = await forge.openOrUpdatePullRequest({
      head: "supervise/ws1",
      base: "main",
      title: "Fix",
      body: "Closes #12",
    });
    const merged = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    expect((await forge.getIssue(12)).closedBy).toEqual({
      kind: "pull_request",
      pullRequest: pull.number,
      commitSha: merged.isMerged ? merged.mergeCommitSha : "",
    });
  });

  it("counts a close naming a commit that no pull request merged as manual", async () => {
    const { fake, forge } = setup();
    fake.addIssue({ number: 7, title: "Crash on empty input" });
    const direct = fake.addCommit("fix #7 straight on main");
    fake.setBranch("main", direct);
    fake.closeIssueByHand(7, direct);
    expect((await forge.getIssue(7)).closedBy).toEqual({ kind: "manual" });
  });

  it("closes an issue with a comment, once", async () => {
    const { fake, forge } = setup();
    fake.addIssue({ number: 7, title: "Crash on empty input" });
    const closed = await forge.closeIssue({ number: 7, comment: "Fixed by the merge of #3." });
    expect(closed).toMatchObject({ state: "closed", closedBy: { kind: "manual" } });
    await forge.closeIssue({ number: 7, comment: "Fixed by the merge of #3." });
    expect(fake.comments.map((comment) => comment.body)).toEqual(["Fixed by the merge of #3."]);
    expect(fake.exchanges.filter((exchange) => exchange.method === "PATCH")).toHaveLength(1);
  });

  it("refuses a pull request's number as an issue", async () => {
    const context = setup();
    const { pull } = await greenPullRequest(context);
    await expect(context.forge.getIssue(pull.number)).rejects.toThrow(
      `#${pull.number} on acme/widget is a pull request, not an issue.`,
    );
  });
});

describe("the bundle comment", () => {
  const marker = "<!-- supervise:bundle -->";

  it("creates one marked comment, edits it in place, and leaves it alone when unchanged", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { pull } = await greenPullRequest(context);
    const created = await forge.commentOnPullRequest({
      number: pull.number,
      marker,
      body: "## Evidence\nverdict: pending",
    });
    const updated = await forge.commentOnPullRequest({
      number: pull.number,
      marker,
      body: "## Evidence\nverdict: accepted",
    });
    const unchanged = await forge.commentOnPullRequest({
      number: pull.number,
      marker,
      body: "## Evidence\nverdict: accepted",
    });
    const url = `${webUrl}/acme/widget/pull/${pull.number}#issuecomment-${created.id}`;
    expect([created, updated, unchanged]).toEqual([
      { id: created.id, url, action: "created" },
      { id: created.id, url, action: "updated" },
      { id: created.id, url, action: "unchanged" },
    ]);
    expect(fake.comments.map((comment) => comment.body)).toEqual([
      `${marker}\n## Evidence\nverdict: accepted`,
    ]);
  });

  it("edits the comment it knows without listing the comments, and sends nothing when unchanged", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { pull } = await greenPullRequest(context);
    const before = fake.exchanges.length;
    await forge.commentOnPullRequest({ number: pull.number, marker, body: "verdict: pending" });
    await forge.commentOnPullRequest({ number: pull.number, marker, body: "verdict: accepted" });
    await forge.commentOnPullRequest({ number: pull.number, marker, body: "verdict: accepted" });
    // The forge opened this pull request, so no earlier supervisor left a comment to look for.
    expect(templatesOf(fake).slice(before)).toEqual([
      "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
      "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} 200",
    ]);
  });

  it("makes the comment again, once, when a person deleted it", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { pull } = await greenPullRequest(context);
    const first = await forge.commentOnPullRequest({ number: pull.number, marker, body: "verdict: pending" });
    fake.deleteCommentByHand(first.id);
    const second = await forge.commentOnPullRequest({
      number: pull.number,
      marker,
      body: "verdict: accepted",
    });
    expect(second.action).toBe("created");
    expect(fake.comments.map((comment) => comment.body)).toEqual([`${marker}\nverdict: accepted`]);
  });

  it("on a pull request it did not open, finds the comment an earlier supervisor left", async () => {
    const { fake, forge } = setup();
    pushedBranch(fake, "supervise/ws1");
    const number = fake.addPullRequest({ head: "supervise/ws1", title: "Opened before a restart" });
    const earlier = fake.addComment({ issueNumber: number, body: `${marker}\nverdict: pending` });
    const comment = await forge.commentOnPullRequest({ number, marker, body: "verdict: accepted" });
    expect(comment).toMatchObject({ id: earlier, action: "updated" });
    expect(fake.comments).toHaveLength(1);
  });

  it("finds the comment a lost response created instead of posting it twice", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { pull } = await greenPullRequest(context);
    fake.intercept({ method: "POST", path: /\/comments$/ });
    const comment = await forge.commentOnPullRequest({
      number: pull.number,
      marker,
      body: "verdict: pending",
    });
    expect(comment.action).toBe("created");
    expect(fake.comments).toHaveLength(1);
  });

  it("refuses a marker that is not one HTML comment", async () => {
    const context = setup();
    const { pull } = await greenPullRequest(context);
    await expect(
      context.forge.commentOnPullRequest({ number: pull.number, marker: "supervise:bundle", body: "x" }),
    ).rejects.toThrow(
      'A comment marker must be one HTML comment such as "<!-- supervise:bundle -->"; got "supervise:bundle".',
    );
  });
});

describe("rate limits, retries and the token", () => {
  it("waits out a secondary rate limit (403 with retry-after) and retries", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { pull } = await greenPullRequest(context);
    fake.intercept({
      method: "GET",
      path: new RegExp(`/pulls/${pull.number}$`),
      response: {
        status: 403,
        body: {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
          status: "403",
        },
        headers: { "retry-after": "1" },
      },
    });
    expect(await forge.getPullRequest(pull.number)).toMatchObject({ number: pull.number });
    expect(templatesOf(fake).slice(-2)).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number} 403",
      "GET /repos/{owner}/{repo}/pulls/{pull_number} 200",
    ]);
  });

  it("waits for a primary rate limit that resets within a minute, and retries", async () => {
    const context = setup();
    const resetSeconds = Math.floor(Date.now() / 1000) + 2; // plugin-throttling reads the real clock
    context.fake.intercept({
      method: "GET",
      path: /\/git\/ref\//,
      response: {
        status: 403,
        body: {
          message: "API rate limit exceeded for installation ID 1.",
          documentation_url: "https://docs.github.com/rest",
        },
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetSeconds) },
      },
    });
    expect(await context.forge.baseSha("main")).toBe(context.fake.branches.get("main"));
    expect(context.fake.exchanges.map((exchange) => exchange.status)).toEqual([403, 200]);
  });

  it("fails at once, saying until when, on a primary rate limit resetting later", async () => {
    const context = setup();
    const resetSeconds = Math.floor(Date.now() / 1000) + 1800;
    context.fake.intercept({
      method: "GET",
      path: /\/git\/ref\//,
      response: {
        status: 403,
        body: {
          message: "API rate limit exceeded for installation ID 1.",
          documentation_url: "https://docs.github.com/rest",
        },
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetSeconds) },
      },
    });
    await expect(context.forge.baseSha("main")).rejects.toMatchObject({
      status: 403,
      hint: `The token's API rate limit is used up until ${new Date(resetSeconds * 1000).toISOString()}; wait, or use another token.`,
    });
    expect(context.fake.exchanges.map((exchange) => exchange.status)).toEqual([403]);
  });

  it("retries a 502 and fails with GitHub's words after the retries", async () => {
    const context = setup();
    const { fake, forge } = context;
    const bad = { status: 502, body: { message: "Server Error" } };
    fake.intercept({ method: "GET", path: /\/git\/ref\//, response: bad, times: 4 });
    await expect(forge.baseSha("main")).rejects.toThrow(
      "Could not read the branch main of acme/widget: GitHub answered 502: Server Error",
    );
    expect(fake.exchanges.map((exchange) => exchange.status)).toEqual([502, 502, 502, 502]);
  });

  it("explains a rejected token", async () => {
    const context = setup();
    context.fake.intercept({
      method: "GET",
      path: /\/git\/ref\//,
      response: { status: 401, body: { message: "Bad credentials" } },
    });
    const error = await context.forge.baseSha("main").catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: "GithubForgeError",
      status: 401,
      message: "Could not read the branch main of acme/widget: GitHub answered 401: Bad credentials",
      hint: "GITHUB_TOKEN is missing, expired or revoked; set a valid token.",
    });
  });

  it("sends the token only in the Authorization header, never in a URL", async () => {
    const context = setup();
    const { headSha, pull } = await greenPullRequest(context);
    await context.forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });
    await context.forge.getIssue(12);
    expect(context.fake.exchanges.length).toBeGreaterThan(5);
    for (const exchange of context.fake.exchanges) {
      expect(exchange.url).not.toContain(token);
      expect(exchange.authorization).toBe(`token ${token}`);
    }
    expect(context.requests.filter((request) => request.url.includes(token))).toEqual([]);
    expect(context.requests).toHaveLength(context.fake.exchanges.length);
  });
});

describe("the base branch", () => {
  it("names a missing base branch", async () => {
    const { forge } = setup();
    await expect(forge.baseSha("trunk")).rejects.toThrow("GitHub has no branch `trunk` in acme/widget.");
  });

  it("takes an unknown commit as not on the base", async () => {
    const { forge } = setup();
    expect(await forge.isAncestorOfBase({ sha: "c".repeat(40), base: "main" })).toBe(false);
  });

  it("talks to api.github.com without an /api/v3 prefix", async () => {
    const { forge, fake } = setup({
      apiUrl: "https://api.github.com",
      fakeApiUrl: "https://api.github.com",
      fakeWebUrl: "https://github.com",
    });
    expect(await forge.baseSha("main")).toBe(fake.branches.get("main"));
    expect(fake.exchanges[0]?.url).toBe("https://api.github.com/repos/acme/widget/git/ref/heads%2Fmain");
  });
});

describe("preparing", () => {
  async function userRepositoryWithRemote(): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), "supervise-github-prepare-"));
    const environment = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    };
    await execa("git", ["init", "--quiet"], { cwd: directory, env: environment, extendEnv: false });
    await execa("git", ["remote", "add", "origin", `${webUrl}/acme/widget.git`], {
      cwd: directory,
      env: environment,
      extendEnv: false,
    });
    return directory;
  }

  it("checks the repository, the base branch, the remote and every issue, reading only", async () => {
    const userRepository = await userRepositoryWithRemote();
    try {
      const { fake, forge } = setup({ userRepository });
      fake.addIssue({ number: 12, title: "The parser drops the last line" });
      await forge.prepare({ issues: [{ number: 12, title: "The parser drops the last line" }] });
      // The GraphQL POST is a query: whether the base takes changes through a merge queue.
      expect(templatesOf(fake)).toEqual([
        "GET /repos/{owner}/{repo} 200",
        "GET /repos/{owner}/{repo}/git/ref/{ref} 200",
        "POST /graphql 200",
        "GET /repos/{owner}/{repo}/issues/{issue_number} 200",
      ]);
    } finally {
      await rm(userRepository, { recursive: true, force: true });
    }
  });

  it("names every issue GitHub does not have, at once", async () => {
    const userRepository = await userRepositoryWithRemote();
    try {
      const context = setup({ userRepository });
      const { pull } = await greenPullRequest(context);
      const error = await context.forge
        .prepare({
          issues: [
            { number: 12, title: "The parser drops the last line" },
            { number: 40, title: "Missing" },
            { number: pull.number, title: "Not an issue" },
          ],
        })
        .then(
          () => {
            throw new Error("expected prepare to fail");
          },
          (caught: unknown) => caught as GithubForgeError,
        );
      expect(error.message).toMatchInlineSnapshot(`
        "The plan names issues acme/widget does not have:
          #40 (Missing): GitHub has no such issue
          #13 (Not an issue): it is a pull request, not an issue"
      `);
      expect(error.hint).toBe("Open them on GitHub first, or correct the workstreams' `issue` numbers.");
    } finally {
      await rm(userRepository, { recursive: true, force: true });
    }
  });

  it("says when the repository cannot be seen", async () => {
    const { forge } = setup({ repo: "nope" });
    await expect(forge.prepare({ issues: [] })).rejects.toMatchObject({
      message: "Could not reach the repository acme/nope: GitHub answered 404: Not Found",
      hint: "Check forge.owner and forge.repo in the plan, and that GITHUB_TOKEN can see that repository.",
    });
  });
});
