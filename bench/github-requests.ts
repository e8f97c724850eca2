/**
 * GitHub API requests for one verified workstream, counted at the transport of the real github
 * forge against the stateful GitHub fake (msw). The supervisor's own steps run for real: the
 * open_pull_request and merge_pull_request tool actions, claim verification through the ci_green,
 * pr_merged and issue_closed gates, and the two bundle writes (each reads the PR and the issue).
 * A push is git, not the API: here it moves the fake's branch, and CI reports a green check run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setupServer } from "msw/node";
import { ManualClock } from "../src/clock.ts";
import { verifyClaim } from "../src/evidence/verify-claim.ts";
import type { Forge } from "../src/forge/forge.ts";
import { createGithubForge, type GithubRequestInfo } from "../src/forge/index.ts";
import { validatePlanSource } from "../src/plan/index.ts";
import {
  type ForgeActionContext,
  mergePullRequestAction,
  openPullRequestAction,
} from "../src/run/forge-actions.ts";
import { createCommandRunner } from "../src/sandbox/index.ts";
import { createGithubFake } from "../test/fakes/github-api.ts";

const apiUrl = "https://github.bench.test/api/v3";
const token = "ghs_benchtoken0123456789abcdef";

export interface GithubRequestCount {
  /** Once per run, not per workstream: the repository, the base and the plan's issues. */
  prepare: number;
  workstream: number;
  byStep: Record<string, number>;
  /** `METHOD path status` of every request of the workstream, in order. */
  requests: string[];
}

export async function countGithubRequests(): Promise<GithubRequestCount> {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 9, 0, 0));
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
  const requests: GithubRequestInfo[] = [];
  // The plan's repository: prepare reads the URL of its remote, the only git the count involves.
  const userRepository = mkdtempSync(join(tmpdir(), "supervise-bench-github-"));
  try {
    execFileSync("git", ["init", "-q", userRepository]);
    execFileSync("git", ["remote", "add", "origin", "https://github.bench.test/acme/widget.git"], {
      cwd: userRepository,
    });
    const github = createGithubForge({
      owner: "acme",
      repo: "widget",
      apiUrl,
      token,
      userRepository,
      environment: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      remote: "origin",
      base: "main",
      clock,
      retryAfterBaseValueMs: 10,
      writeSpacingMs: 0,
      sleep: async (ms) => clock.advance(ms),
      onRequest: (info) => requests.push(info),
    });
    fake.addIssue({ number: 7, title: "Fix the parser" });
    const sha = fake.addCommit("fix the parser");
    // A push moves the branch (git, no API request), and CI then reports a green check on it.
    const forge: Forge = {
      ...github,
      push: async (request) => {
        fake.setBranch(request.branch, request.sha);
        const run = fake.addCheckRun({ sha: request.sha, name: "test", status: "in_progress" });
        fake.completeCheckRun(run, "success");
      },
    };
    const { plan } = validatePlanSource(
      [
        "repo: .",
        "forge: { kind: github, owner: acme, repo: widget }",
        "agent: { provider: command, command: worker }",
        "defaults: { done: [ci_green, pr_merged, issue_closed] }",
        "workstreams:",
        "  - { id: parser, issue: 7, goal: Fix the parser. }",
      ].join("\n"),
      "/bench/plan.yaml",
    );
    if (!plan) throw new Error("the bench's github plan does not validate");
    const workstream = plan.workstreams[0]!;
    const readCheckout = async () => ({ head: sha, uncommittedChanges: [] });

    const counts: Record<string, number> = {};
    const step = async (name: string, action: () => Promise<unknown>) => {
      const before = requests.length;
      await action();
      counts[name] = requests.length - before;
    };
    await step("prepare", () => github.prepare({ issues: [{ number: 7, title: "Fix the parser" }] }));
    const context: ForgeActionContext = {
      ciWaitMs: 60_000,
      plan,
      workstream,
      checkoutPath: "/nonexistent/checkout",
      forge,
      readCheckout,
      fetchIntoMirror: async () => {},
      mirrorPath: "/nonexistent/mirror.git",
      record: async () => {},
      redact: (text) => text,
    };
    await step("open_pull_request", async () => {
      const result = await openPullRequestAction(context, { title: "Fix the parser", body: "Parses again." });
      if (result.isError) throw new Error(`open_pull_request failed: ${result.text}`);
    });
    await step("merge_pull_request", async () => {
      const result = await mergePullRequestAction(context, {});
      if (result.isError) throw new Error(`merge_pull_request failed: ${result.text}`);
    });
    await step("verify_claim", async () => {
      const results = await verifyClaim(
        {
          workstream,
          claimId: 1,
          commit: sha,
          uncommittedChanges: [],
          checkoutPath: "/nonexistent/checkout",
          baseSha: sha,
        },
        {
          runner: createCommandRunner(),
          environment: {},
          runDirectory: "/nonexistent/run",
          readCheckout,
          forge,
          plan,
          ciWaitMs: 60_000,
        },
        async () => {},
      );
      const failed = results.filter((result) => result.status !== "pass");
      if (failed.length > 0)
        throw new Error(`gates failed: ${failed.map((result) => result.detail).join("; ")}`);
    });
    // The supervisor writes the bundle on acceptance and when the workstream's task ends.
    await step("bundles", async () => {
      for (let write = 0; write < 2; write++) {
        await forge.findPullRequest({ head: workstream.branch, base: plan.base });
        await forge.getIssue(7);
      }
    });
    fake.assertHealthy();
    const { prepare = 0, ...perWorkstream } = counts;
    const apiPath = (url: string) => new URL(url).pathname.replace("/api/v3/repos/acme/widget", "");
    return {
      prepare,
      workstream: Object.values(perWorkstream).reduce((sum, count) => sum + count, 0),
      byStep: perWorkstream,
      requests: requests.slice(prepare).map((info) => `${info.method} ${apiPath(info.url)} ${info.status}`),
    };
  } finally {
    server.close();
    rmSync(userRepository, { recursive: true, force: true });
  }
}
