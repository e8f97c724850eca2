/**
 * The github forge lands a pull request only through a merge result CI passed on: the base
 * branch's merge queue (merge_group checks, a dequeue on failure) when it has one, else the head
 * updated with the base, CI green on it, and the merge pinned to it. Against the GitHub fake, whose
 * REST answers are checked against GitHub's OpenAPI description and whose GraphQL answers keep
 * GitHub's envelope; `assertHealthy` fails a test that sent anything GitHub would not take.
 */
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import { createGithubForge } from "../../../src/forge/github/index.ts";
import { createGithubFake, type GithubFake } from "../../fakes/github-api.ts";
import type { CiPlan } from "../../fakes/github-merge-queue.ts";

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

function setup(options: { ci?: CiPlan; hasMergeQueue?: boolean } = {}) {
  const clock = new ManualClock(Date.UTC(2026, 2, 1, 9, 0, 0));
  const fake = createGithubFake({ apiUrl, webUrl, owner: "acme", repo: "widget", token, clock });
  activeFake = fake;
  server.use(fake.handler);
  fake.state.ci = options.ci ?? null;
  if (options.hasMergeQueue) fake.enableMergeQueue("main");
  const sleeps: number[] = [];
  let onSleep: () => void = () => {};
  /** A supervisor process; a second one stands for the supervisor after a restart. */
  const makeForge = () =>
    createGithubForge({
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
        onSleep();
      },
    });
  return {
    fake,
    forge: makeForge(),
    makeForge,
    clock,
    sleeps,
    /** GitHub's CI works while the forge waits: every pause finishes the check runs started. */
    ciRunsWhileWaiting() {
      onSleep = () => fake.runCi();
    },
  };
}

/** An open pull request from ws1 with green CI on its head, main possibly moved on since. */
async function greenPullRequest(context: ReturnType<typeof setup>, options: { isBehind?: boolean } = {}) {
  const { fake, forge } = context;
  const headSha = fake.addCommit("work on supervise/ws1");
  fake.setBranch("supervise/ws1", headSha);
  fake.completeCheckRun(fake.addCheckRun({ sha: headSha, name: "test", status: "in_progress" }), "success");
  const pull = await forge.openOrUpdatePullRequest({
    head: "supervise/ws1",
    base: "main",
    title: "Fix the parser",
    body: "Fixes the last line.",
  });
  if (options.isBehind) fake.setBranch("main", fake.addCommit("another workstream landed"));
  return { headSha, pull, baseSha: fake.branches.get("main") as string };
}

const passing: CiPlan = () => [{ name: "test", conclusion: "success" }];
const failingTest: CiPlan = () => [
  { name: "test", conclusion: "failure", summary: "FAILED parser::tests::last_line - renamed_fn not found" },
];

const graphqlOperations = (fake: GithubFake) =>
  fake.exchanges
    .filter((exchange) => exchange.template === "/graphql")
    .map(
      (exchange) =>
        /(?:query|mutation)\s+(\w+)/.exec(String((exchange.body as { query: string }).query))?.[1],
    );

describe("a base branch with a merge queue", () => {
  it("enqueues at the pinned head, waits for the merge group's checks, and reports the landing it tested", async () => {
    const context = setup({ hasMergeQueue: true, ci: passing });
    const { fake, forge } = context;
    const { headSha, pull, baseSha } = await greenPullRequest(context);
    context.ciRunsWhileWaiting();

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    const mergeGroup = fake.branches.get("main") as string;
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: mergeGroup });
    expect(fake.commitOf(mergeGroup)?.parents).toEqual([baseSha, headSha]);
    const enqueue = fake.exchanges.find((exchange) =>
      String((exchange.body as { query?: string } | null)?.query).includes("mutation EnqueuePullRequest"),
    );
    expect(enqueue?.body).toMatchObject({
      variables: { pullRequestId: expect.any(String), expectedHeadOid: headSha },
    });
    expect(fake.exchanges.filter((exchange) => exchange.template?.endsWith("/merge"))).toEqual([]);
    expect(fake.branches.has(`gh-readonly-queue/main/pr-${pull.number}-${headSha}`)).toBe(false);
    const landing = {
      via: "merge_queue",
      testedSha: mergeGroup,
      ciState: "success",
      ciDetailsUrl: expect.stringMatching(/^https:\/\/github\.example\.test\/acme\/widget\/actions\/runs\//),
      batch: [pull.number],
      requestedHeadSha: headSha,
    };
    expect(await forge.getPullRequest(pull.number)).toMatchObject({ isMerged: true, headSha, landing });
    // A restarted supervisor reads the same landing back from GitHub.
    const restarted = context.makeForge();
    expect(await restarted.findPullRequest({ head: "supervise/ws1", base: "main" })).toMatchObject({
      landing,
    });
  });

  it("names the pull requests ahead in the queue as the batch its merge group was tested with", async () => {
    const context = setup({ hasMergeQueue: true, ci: passing });
    const { fake, forge } = context;
    const ahead = fake.addCommit("a person's change");
    fake.setBranch("people/ahead", ahead);
    const aheadNumber = fake.addPullRequest({ head: "people/ahead", title: "A person's change" });
    fake.enqueueByHand(aheadNumber);
    const { headSha, pull } = await greenPullRequest(context);
    context.ciRunsWhileWaiting();

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: fake.branches.get("main") });
    expect(fake.pulls.get(aheadNumber)?.isMerged).toBe(true);
    expect((await forge.getPullRequest(pull.number)).landing).toMatchObject({
      via: "merge_queue",
      testedSha: fake.branches.get("main"),
      batch: [aheadNumber, pull.number],
    });
  });

  it("reports the merge group's failing check when the queue drops the pull request", async () => {
    const context = setup({ hasMergeQueue: true, ci: failingTest });
    const { fake, forge } = context;
    const { headSha, pull, baseSha } = await greenPullRequest(context);
    context.ciRunsWhileWaiting();

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    const [removal] = fake.mergeQueue.removalsOf(pull.number);
    expect(removal?.reason).toBe("The merge group failed its required status checks");
    const mergeGroup = result.isMerged ? "" : (result.mergeResult?.testedSha as string);
    expect(fake.commitOf(mergeGroup)?.parents).toEqual([baseSha, headSha]);
    expect(result).toEqual({
      isMerged: false,
      reason: "merge_result_failed",
      message: `The merge queue removed #${pull.number}: The merge group failed its required status checks. The merge group ${mergeGroup} (main with #${pull.number}) failed: test (failure):\nFailed\nFAILED parser::tests::last_line - renamed_fn not found`,
      mergeResult: {
        testedSha: mergeGroup,
        ciDetailsUrl: expect.stringMatching(/\/actions\/runs\/5000002\/job\/\d+$/),
        batch: [pull.number],
      },
    });
    expect(fake.pulls.get(pull.number)).toMatchObject({ state: "open", isMerged: false });
    expect(fake.branches.get("main")).toBe(baseSha);
    expect(graphqlOperations(fake)).toEqual([
      "MergeQueueOfBranch",
      "QueuedPullRequest",
      "EnqueuePullRequest",
      "QueuedPullRequest",
      "QueuedPullRequest",
    ]);
  });

  it("sends a pull request that no longer applies back as a conflict", async () => {
    const context = setup({ hasMergeQueue: true, ci: passing });
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);
    fake.markConflicting(pull.number);

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    expect(result).toMatchObject({ isMerged: false, reason: "conflict", conflictingFiles: [] });
    expect(fake.pulls.get(pull.number)?.isMerged).toBe(false);
  });

  it("lands through a queue added after the forge first looked, when GitHub refuses the direct merge (405)", async () => {
    const context = setup({ ci: passing });
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);
    const first = fake.addCommit("an earlier workstream");
    fake.setBranch("supervise/ws0", first);
    const earlier = fake.addPullRequest({ head: "supervise/ws0", title: "Earlier" });
    // The forge learns there is no queue on main, then an administrator adds one.
    expect(await forge.mergePullRequest({ number: earlier, expectedHeadSha: first })).toMatchObject({
      isMerged: true,
    });
    fake.enableMergeQueue("main");
    context.ciRunsWhileWaiting();

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: fake.branches.get("main") });
    expect(graphqlOperations(fake).filter((operation) => operation === "MergeQueueOfBranch")).toHaveLength(2);
    // #ws1 was behind the earlier merge: updated with main, green there, then queued at that head.
    const updatedHead = fake.pulls.get(pull.number)?.headSha;
    expect(fake.commitOf(updatedHead as string)?.parents[0]).toBe(headSha);
    expect((await forge.getPullRequest(pull.number)).landing).toMatchObject({
      via: "merge_queue",
      testedSha: fake.branches.get("main"),
      requestedHeadSha: headSha,
    });
  });

  it("takes the pull request out of the queue when its checks outlast the caller's wait", async () => {
    const context = setup({ hasMergeQueue: true, ci: passing });
    const { fake, forge, clock } = context;
    const { headSha, pull } = await greenPullRequest(context);
    const startedMs = clock.now();

    const result = await forge.mergePullRequest({
      number: pull.number,
      expectedHeadSha: headSha,
      maxWaitMs: 5 * 60_000,
    });

    expect(result).toMatchObject({ isMerged: false, reason: "ci_not_green" });
    expect(clock.now() - startedMs).toBe(5 * 60_000);
    expect(fake.mergeQueue.entries).toEqual([]);
    expect(fake.mergeQueue.removalsOf(pull.number)).toEqual([
      { reason: "Removed by the supervisor", createdAt: "2026-03-01T09:05:00Z" },
    ]);
    fake.runCi();
    expect(fake.pulls.get(pull.number)?.isMerged).toBe(false);
  });
});

describe("a base branch without a merge queue", () => {
  it("updates a head behind the base, waits for CI on the updated head, and merges pinned to it", async () => {
    const context = setup({ ci: passing });
    const { fake, forge } = context;
    const { headSha, pull, baseSha } = await greenPullRequest(context, { isBehind: true });
    context.ciRunsWhileWaiting();

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    const updatedHead = fake.branches.get("supervise/ws1") as string;
    expect(fake.commitOf(updatedHead)).toMatchObject({
      parents: [headSha, baseSha],
      message: "Merge branch 'main' into supervise/ws1",
    });
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: fake.branches.get("main") });
    const writes = fake.exchanges.filter((exchange) => exchange.method === "PUT");
    expect(writes.map((exchange) => [exchange.template, exchange.body])).toEqual([
      ["/repos/{owner}/{repo}/pulls/{pull_number}/update-branch", { expected_head_sha: headSha }],
      ["/repos/{owner}/{repo}/pulls/{pull_number}/merge", { sha: updatedHead, merge_method: "squash" }],
    ]);
    const landing = {
      via: "updated_head",
      testedSha: updatedHead,
      ciState: "success",
      ciDetailsUrl: expect.stringMatching(/\/actions\/runs\/5000002\/job\/\d+$/),
      batch: [pull.number],
      requestedHeadSha: headSha,
    };
    expect(await forge.getPullRequest(pull.number)).toMatchObject({ headSha: updatedHead, landing });
    // Read back from GitHub after a restart: the merge's first parent is in the head, and the
    // head is GitHub's merge of the base into the requested head.
    expect(await context.makeForge().getPullRequest(pull.number)).toMatchObject({ landing });
  });

  it("merges a head already holding the base at that head, its own merge result", async () => {
    const context = setup();
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context);

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: fake.branches.get("main") });
    expect(fake.exchanges.some((exchange) => exchange.template?.endsWith("/update-branch"))).toBe(false);
    const landing = {
      via: "updated_head",
      testedSha: headSha,
      ciState: "success",
      ciDetailsUrl: expect.any(String),
      batch: [pull.number],
      requestedHeadSha: headSha,
    };
    expect((await forge.getPullRequest(pull.number)).landing).toEqual(landing);
    expect((await context.makeForge().getPullRequest(pull.number)).landing).toEqual(landing);
  });

  it("refuses, without merging, when CI fails on the head updated with the base", async () => {
    const context = setup({ ci: failingTest });
    const { fake, forge } = context;
    const { headSha, pull, baseSha } = await greenPullRequest(context, { isBehind: true });
    context.ciRunsWhileWaiting();

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    const updatedHead = fake.branches.get("supervise/ws1") as string;
    expect(result).toEqual({
      isMerged: false,
      reason: "merge_result_failed",
      message: `CI failed on ${updatedHead}, #${pull.number} updated with the base: test (failure):\nFailed\nFAILED parser::tests::last_line - renamed_fn not found`,
      mergeResult: {
        testedSha: updatedHead,
        ciDetailsUrl: expect.stringMatching(/\/actions\/runs\/5000002\/job\/\d+$/),
        batch: [pull.number],
      },
    });
    expect(fake.pulls.get(pull.number)?.isMerged).toBe(false);
    expect(fake.branches.get("main")).toBe(baseSha);
    expect(fake.exchanges.some((exchange) => exchange.template?.endsWith("/merge"))).toBe(false);
  });

  it("refuses while CI on the updated head is still pending at the caller's bound", async () => {
    const context = setup({ ci: passing });
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context, { isBehind: true });

    const result = await forge.mergePullRequest({
      number: pull.number,
      expectedHeadSha: headSha,
      maxWaitMs: 3 * 60_000,
    });

    expect(result).toMatchObject({ isMerged: false, reason: "ci_not_green" });
    expect(result.isMerged ? "" : result.message).toMatch(/still pending after 3 minutes/);
    expect(fake.pulls.get(pull.number)?.isMerged).toBe(false);
  });

  it("sends a pull request that no longer applies back as a conflict", async () => {
    const context = setup({ ci: passing });
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context, { isBehind: true });
    fake.markConflicting(pull.number);

    const result = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    expect(result).toEqual({
      isMerged: false,
      reason: "conflict",
      message: `Pull request #${pull.number} no longer applies to main (merge conflict between base and head); merge main into it and resolve the conflicts. GitHub does not say which files conflict.`,
      conflictingFiles: [],
    });
    expect(fake.pulls.get(pull.number)?.isMerged).toBe(false);
  });

  it("continues from the updated head an earlier process left, and reports no landing for a merge by hand behind the base", async () => {
    const context = setup({ ci: passing });
    const { fake, forge } = context;
    const { headSha, pull } = await greenPullRequest(context, { isBehind: true });
    context.ciRunsWhileWaiting();
    // This process updated the branch but gave up waiting for CI; the next one takes it from there.
    expect(
      await forge.mergePullRequest({ number: pull.number, expectedHeadSha: headSha, maxWaitMs: 0 }),
    ).toMatchObject({ isMerged: false, reason: "ci_not_green" });
    const updatedHead = fake.branches.get("supervise/ws1") as string;
    expect(updatedHead).not.toBe(headSha);
    fake.runCi();

    const restarted = context.makeForge();
    const result = await restarted.mergePullRequest({ number: pull.number, expectedHeadSha: headSha });

    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: fake.branches.get("main") });
    expect(fake.exchanges.filter((exchange) => exchange.template?.endsWith("/update-branch"))).toHaveLength(
      1,
    );
    expect((await restarted.getPullRequest(pull.number)).landing).toMatchObject({
      testedSha: updatedHead,
      requestedHeadSha: headSha,
    });

    const other = fake.addCommit("someone's branch");
    fake.setBranch("people/other", other);
    const otherNumber = fake.addPullRequest({ head: "people/other", title: "By hand" });
    fake.setBranch("main", fake.addCommit("main moves on"));
    fake.mergePullRequestByHand(otherNumber);
    expect((await forge.getPullRequest(otherNumber)).landing).toBeNull();
  });
});
