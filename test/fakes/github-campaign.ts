/**
 * A one-workstream campaign on `forge: { kind: github }` for the CLI run as a child process: a
 * plan repository whose `origin` is a local bare remote, the GitHub fake served on loopback, and
 * GitHub Actions as the caller decides (every pushed head gets one completed `ci` check run).
 * The worker sets src/value.txt to 2; `check.sh` passes only then; issue #7 asks for it.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { systemClock } from "../../src/clock.ts";
import { createWorkspace, type Workspace } from "./cli-harness.ts";
import { createGithubFake, type GithubFake } from "./github-api.ts";
import {
  createBareRemoteSync,
  type GithubLoopback,
  type Responder,
  startGithubLoopback,
} from "./github-loopback.ts";

export interface GithubCampaign {
  workspace: Workspace;
  loopback: GithubLoopback;
  fake: GithubFake;
  /** Stops the loopback server and removes the workspace (unless SUPERVISE_KEEP_TEST_DIRECTORY). */
  close(): Promise<void>;
}

export async function createGithubCampaign(options: {
  token: string;
  webUrl?: string;
  /** The conclusion of the `ci` check run of each pushed head; success by default. */
  ciConclusion?: () => Parameters<GithubFake["completeCheckRun"]>[1];
  /** What answers the API: the fake itself by default, or a wrapper around it (faults). */
  responder?: (fake: GithubFake) => Responder;
}): Promise<GithubCampaign> {
  const workspace = createWorkspace({
    "README.md": "# demo\n",
    "src/value.txt": "1\n",
    "check.sh": 'test "$(cat src/value.txt)" = 2\n',
  });
  const bare = join(workspace.directory, "origin.git");
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", bare]);
  workspace.git(["remote", "add", "origin", bare]);
  workspace.git(["push", "-q", "origin", "main"]);
  const loopback = await startGithubLoopback();
  const fake = createGithubFake({
    apiUrl: loopback.url,
    webUrl: options.webUrl ?? "https://github.example",
    owner: "acme",
    repo: "widget",
    token: options.token,
    clock: systemClock,
  });
  fake.addIssue({ number: 7, title: "The value should be 2" });
  const sync = createBareRemoteSync({
    bareRepository: bare,
    fake,
    onPush: (branch, sha) => {
      if (branch === "main") return;
      const run = fake.addCheckRun({ sha, name: "ci", status: "in_progress" });
      fake.completeCheckRun(run, options.ciConclusion?.() ?? "success");
    },
  });
  loopback.serve(options.responder?.(fake) ?? fake.respond, sync);
  return {
    workspace,
    loopback,
    fake,
    async close() {
      await loopback.close();
      if (process.env.SUPERVISE_KEEP_TEST_DIRECTORY) process.stderr.write(`kept ${workspace.directory}\n`);
      else workspace.cleanup();
    },
  };
}

/** The campaign's plan: one workstream `fix` for issue #7, done when the four forge-backed gates pass. */
export function campaignPlan(worker: string, extra: { sandbox?: string; stall?: string } = {}): string {
  return [
    "repo: ./repo",
    "forge: { kind: github, owner: acme, repo: widget }",
    ...(extra.sandbox ? [`sandbox: ${extra.sandbox}`] : []),
    "defaults:",
    "  done: [local_check, ci_green, pr_merged, issue_closed]",
    "  commands: { check: bash check.sh, ci: bash check.sh }",
    ...(extra.stall ? [`  stall: ${extra.stall}`] : []),
    "workstreams:",
    `  - { id: fix, issue: 7, goal: "set the value to 2", agent: { provider: command, command: "bash ${worker}" } }`,
  ].join("\n");
}
