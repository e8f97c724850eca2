/**
 * GitHub API requests while 20 workstreams wait an hour for CI, in simulated time: the real
 * github forge against the stateful GitHub fake (msw), a ManualClock moved by a small scheduler.
 * Each pull request's one check run stays in progress for an hour, then succeeds. Meanwhile each
 * workstream polls the two ways a supervised run does:
 *
 * - its worker calls the ci_status tool every 15 s (an eager agent), and
 * - it claims done again and again: each claim's ci_green gate waits up to 10 minutes for CI.
 *
 * Both stop once they see green. Counted requests are those GitHub counts against the rate
 * limit: every answer but a 304.
 */
import { setupServer } from "msw/node";
import { ManualClock } from "../src/clock.ts";
import { observeCiGreen } from "../src/evidence/forge-gates.ts";
import { createGithubForge } from "../src/forge/github/index.ts";
import { validatePlanSource } from "../src/plan/index.ts";
import { ciStatusAction, type ForgeActionContext } from "../src/run/forge-actions.ts";
import { createGithubFake } from "../test/fakes/github-api.ts";
import { createSimulatedTime } from "./github-simulated-time.ts";

const apiUrl = "https://github.bench.test/api/v3";
const token = "ghs_benchtoken0123456789abcdef";

export interface GithubPollingCount {
  workstreams: number;
  pendingMinutes: number;
  /** Requests GitHub counts against the rate limit (304s excluded): the figure. */
  counted: number;
  total: number;
  /** Every request by `METHOD template status`, with how often it was made. */
  byRequest: Record<string, number>;
  ciStatusCalls: number;
  ciGreenPasses: number;
}

export async function countGithubPolling(
  options: { workstreams?: number; pendingMinutes?: number; toolIntervalMs?: number } = {},
): Promise<GithubPollingCount> {
  const workstreamCount = options.workstreams ?? 20;
  const pendingMinutes = options.pendingMinutes ?? 60;
  const toolIntervalMs = options.toolIntervalMs ?? 15_000;
  const ciWaitMs = 10 * 60_000;
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 9, 0, 0));
  const time = createSimulatedTime(clock);
  const fake = createGithubFake({
    apiUrl,
    webUrl: "https://github.bench.test",
    owner: "acme",
    repo: "widget",
    token,
    clock,
  });
  const server = setupServer(fake.handler);
  server.listen({ onUnhandledFrame: "error" });
  try {
    const forge = createGithubForge({
      owner: "acme",
      repo: "widget",
      apiUrl,
      token,
      userRepository: "/nonexistent/user-repository",
      remote: "origin",
      base: "main",
      clock,
      sleep: time.sleep,
    });
    const ids = Array.from(
      { length: workstreamCount },
      (_, index) => `ws-${String(index + 1).padStart(2, "0")}`,
    );
    const { plan } = validatePlanSource(
      [
        "repo: .",
        "forge: { kind: github, owner: acme, repo: widget }",
        "agent: { provider: command, command: worker }",
        "defaults: { done: [ci_green] }",
        "workstreams:",
        ...ids.map((id) => `  - { id: ${id}, goal: Wait for CI. }`),
      ].join("\n"),
      "/bench/plan.yaml",
    );
    if (!plan) throw new Error("the bench's polling plan does not validate");

    // Before the hour: each workstream's branch is pushed, CI starts, the supervisor opens its PR.
    const runs: ReturnType<typeof fake.addCheckRun>[] = [];
    const heads = new Map<string, string>();
    const openPullRequests = async () => {
      for (const workstream of plan.workstreams) {
        const sha = fake.addCommit(`work on ${workstream.id}`);
        fake.setBranch(workstream.branch, sha);
        runs.push(fake.addCheckRun({ sha, name: "test", status: "in_progress" }));
        heads.set(workstream.id, sha);
        await forge.openOrUpdatePullRequest({
          head: workstream.branch,
          base: plan.base,
          title: `Work on ${workstream.id}`,
          body: "Waiting for CI.",
        });
      }
    };
    // Mutations are a second apart (GitHub's guidance), on the simulated clock too.
    await time.run([openPullRequests]);
    const pollingStartedMs = clock.now();
    const setupRequests = fake.exchanges.length;

    let ciStatusCalls = 0;
    let ciGreenPasses = 0;
    const workerPolling = (workstream: (typeof plan.workstreams)[number]) => async () => {
      let state = "pending";
      const context: ForgeActionContext = {
        ciWaitMs,
        plan,
        workstream,
        checkoutPath: "/nonexistent/checkout",
        forge,
        readCheckout: async () => ({ head: heads.get(workstream.id) ?? "", uncommittedChanges: [] }),
        fetchIntoMirror: async () => ({ commits: [], owners: [] }),
        baseSha: plan.base,
        checkoutGatesFailingAt: async () => [],
        mirrorPath: "/nonexistent/mirror.git",
        record: async () => {},
        redact: (text) => text,
        onCiObserved: async (observation) => {
          state = observation.state;
        },
      };
      while (state !== "success") {
        ciStatusCalls += 1;
        const result = await ciStatusAction(context);
        if (result.isError) throw new Error(`ci_status failed: ${result.text}`);
        if (state !== "success") await time.sleep(toolIntervalMs);
      }
    };
    const claimsUntilGreen = (workstream: (typeof plan.workstreams)[number]) => async () => {
      for (;;) {
        ciGreenPasses += 1;
        const result = await observeCiGreen({
          forge,
          plan,
          workstream,
          commit: heads.get(workstream.id) ?? "",
          ciWaitMs,
        });
        if (result.status === "pass") return;
        await time.sleep(30_000); // the worker reads the rejection and claims again
      }
    };
    const ciFinishes = async () => {
      await time.sleep(pollingStartedMs + pendingMinutes * 60_000 - clock.now());
      for (const run of runs) fake.completeCheckRun(run, "success");
    };

    await time.run([
      ciFinishes,
      ...plan.workstreams.flatMap((workstream) => [workerPolling(workstream), claimsUntilGreen(workstream)]),
    ]);
    fake.assertHealthy();

    const polled = fake.exchanges.slice(setupRequests);
    const byRequest: Record<string, number> = {};
    for (const exchange of polled) {
      const key = `${exchange.method} ${exchange.template} ${exchange.status}`;
      byRequest[key] = (byRequest[key] ?? 0) + 1;
    }
    return {
      workstreams: workstreamCount,
      pendingMinutes,
      counted: polled.filter((exchange) => exchange.status !== 304).length,
      total: polled.length,
      byRequest,
      ciStatusCalls,
      ciGreenPasses,
    };
  } finally {
    server.close();
  }
}

// `npx node bench/github-polling.ts`: this figure alone, as JSON.
if (import.meta.main) process.stdout.write(`${JSON.stringify(await countGithubPolling(), null, 2)}\n`);
