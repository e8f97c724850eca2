/**
 * A worker's change that reaches the base without the supervisor's gates: the worker deletes the
 * test its change breaks, and its pull request is merged by hand (here: the test, acting as a
 * person at the forge) before or while its claim is verified, or its commit is pushed to the base. The claim fails diff_scope, and the
 * run does not hand it back to the worker: a revert pull request is opened, never merged by the
 * supervisor itself, and a human decides at once, through the real CLI.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultPromise } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { createLocalForge } from "../../src/forge/index.ts";
import { type JournalEvent, readJournal } from "../../src/run/index.ts";
import { createCommandRunner } from "../../src/sandbox/index.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "README.md": "# demo\n",
    "src/value.mjs": "export const value = 1;\n",
    "test/value.test.mjs": [
      'import assert from "node:assert/strict";',
      'import { test } from "node:test";',
      'import { value } from "../src/value.mjs";',
      'test("value is a number", () => assert.equal(typeof value, "number"));',
      "",
    ].join("\n"),
    "test/value-one.test.mjs": [
      'import assert from "node:assert/strict";',
      'import { test } from "node:test";',
      'import { value } from "../src/value.mjs";',
      'test("value is one", () => assert.equal(value, 1));',
      "",
    ].join("\n"),
  });
});
afterEach(() => workspace.cleanup());

const stateDirectory = () => join(workspace.directory, ".supervise");
const checkoutGit = (name: string) => join(stateDirectory(), "checkouts", "fix", ".git", name);

/**
 * The check holds while the worker's checkout asks it to (`.git/hold-for-merge`), until the person
 * has merged: so a merge lands while the claim is being verified, by construction, not by timing.
 */
const check =
  "if [ -e .git/hold-for-merge ]; then until [ -e .git/merged-by-hand ]; do sleep 0.05; done; fi; node --test";

function plan(worker: string): string {
  return [
    "repo: ./repo",
    "defaults:",
    "  done: [local_check, diff_scope, pr_merged]",
    `  commands: { check: ${JSON.stringify(check)}, build: null, ci: null }`,
    "  stall: { max_restarts: 0, max_rejections: 3 }",
    "workstreams:",
    `  - { id: fix, goal: "set the value to 2", agent: { provider: command, command: "bash ${worker}" } }`,
  ].join("\n");
}

/** Breaks "value is one" and deletes it rather than fixing it; opens its pull request, then claims. */
function cheatingWorker(waitForMerge: boolean): string {
  return workspace.writeWorker(
    "cheat.sh",
    `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 'export const value = 2;' > src/value.mjs
git rm -q test/value-one.test.mjs
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value to 2", "body": "The value is 2."}' >/dev/null
${
  waitForMerge
    ? "for _ in $(seq 1 2400); do [ -e .git/merged-by-hand ] && break; sleep 0.05; done"
    : "touch .git/hold-for-merge"
}
supervise tool claim_done --input '{"summary": "value is 2, all tests pass"}' > .git/verdict.txt || true
`,
  );
}

/** Calls `handler` once with the first `--json` event of `type` the run prints. */
function onEvent(
  run: ResultPromise,
  type: string,
  handler: (event: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    let isDone = false;
    run.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (isDone || !line.includes(`"type":"${type}"`)) continue;
        isDone = true;
        handler(JSON.parse(line) as Record<string, unknown>).then(resolve, reject);
      }
    });
    run.then(() => {
      if (!isDone) reject(new Error(`the run ended without printing ${type}`));
    }, reject);
  });
}

/** A person merging the pull request on the local forge, behind the supervisor's back. */
function personAtTheForge() {
  return createLocalForge({
    stateDir: stateDirectory(),
    userRepository: workspace.repository,
    base: "main",
    ciCommandFor: () => undefined,
    runner: createCommandRunner(),
    environment: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    clock: systemClock,
  });
}

async function mergeByHand(head: string): Promise<string> {
  const forge = personAtTheForge();
  try {
    const pull = await forge.findPullRequest({ head, base: "main" });
    if (!pull) throw new Error(`no pull request from ${head}`);
    const merged = await forge.mergePullRequest({ number: pull.number, expectedHeadSha: pull.headSha });
    if (!merged.isMerged) throw new Error(merged.message);
    writeFileSync(checkoutGit("merged-by-hand"), "");
    return merged.mergeCommitSha;
  } finally {
    await forge.close();
  }
}

async function journal(): Promise<JournalEvent[]> {
  const runs = join(stateDirectory(), "runs");
  return (await readJournal(join(runs, readdirSync(runs)[0]!, "journal.jsonl"))).events;
}

function evidence(name: "bundle.json" | "bundle.md"): string {
  const runs = join(stateDirectory(), "runs");
  return readFileSync(join(runs, readdirSync(runs)[0]!, "evidence", "fix", name), "utf8");
}

const origin = (...args: string[]) =>
  execFileSync("git", ["--git-dir", join(stateDirectory(), "forge", "origin.git"), ...args], {
    encoding: "utf8",
  }).trim();

describe("a claim rejected after its change was merged another way", () => {
  it("is escalated at once with a revert PR open; approving keeps the merge and closes the revert", async () => {
    workspace.writePlan("plan.yaml", plan(cheatingWorker(true)));
    const run = workspace.supervise(["plan.yaml", "--json"]);
    let mergeCommit = "";
    const merged = onEvent(run, "pull_request.opened", async (event) => {
      mergeCommit = await mergeByHand(String(event.head));
    });
    const approved = onEvent(run, "escalation.opened", async () => {
      const decision = await workspace.supervise(["approve", "fix-1", "--note", "reviewed the deletion"]);
      expect(decision.exitCode, decision.stderr).toBe(0);
    });
    const result = await run;
    await Promise.all([merged, approved]);
    expect(result.exitCode, result.stderr).toBe(0);

    const events = await journal();
    const landing = events.find((event) => event.type === "landing.unverified");
    expect(landing).toMatchObject({
      claim: 1,
      pr: 1,
      merge_commit: mergeCommit,
      failed_gates: ["diff_scope"],
      revert_pr: { number: 2, head: "supervise/fix-revert" },
      restores: origin("rev-parse", `${mergeCommit}^1`),
      revert_error: null,
    });
    const types = events.map((event) => event.type);
    expect(types.slice(types.indexOf("landing.unverified"))).toEqual([
      "landing.unverified",
      "claim.rejected",
      "escalation.opened",
      "worker.exited",
      "escalation.decided",
      "landing.resolved",
      "gate.waived",
      "claim.accepted_with_waiver",
      "workstream.accepted",
      "run.finished",
    ]);
    expect(events.find((event) => event.type === "escalation.opened")).toMatchObject({ source: "landing" });
    expect(events.find((event) => event.type === "landing.resolved")).toMatchObject({
      decision: "approve",
      outcome: "kept",
      revert_pr: 2,
    });
    // The revert pull request restored the deleted test; approving closed it, unmerged.
    const revertHead = (landing as { revert_pr: { head_sha: string } }).revert_pr.head_sha;
    expect(origin("diff", "--name-status", `main...${revertHead}`)).toBe(
      "M\tsrc/value.mjs\nA\ttest/value-one.test.mjs",
    );
    expect(origin("ls-tree", "-r", "--name-only", "main")).not.toContain("test/value-one.test.mjs");
    const forge = personAtTheForge();
    expect(await forge.getPullRequest(2)).toMatchObject({ state: "closed", isMerged: false });
    await forge.close();

    expect(readFileSync(checkoutGit("verdict.txt"), "utf8")).toContain("it cannot be tried again");
    const bundle = JSON.parse(evidence("bundle.json"));
    expect(bundle.verdict).toBe("accepted");
    expect(bundle.gates.find((gate: { id: string }) => gate.id === "diff_scope").status).toBe("waived");
    expect(bundle.landing).toMatchObject({
      pr: 1,
      merge_commit: mergeCommit,
      failed_gates: ["diff_scope"],
      revert_pr: { number: 2, head_sha: revertHead },
      escalation: "fix-1",
      decision: "approve",
      outcome: "kept",
    });
    expect(evidence("bundle.md")).toContain(
      `- **Landed without passing the gates:** pull request #1 was merged as ${mergeCommit}`,
    );
  });

  it("catches a merge made while the claim was verified; denying merges the revert, which brings the test back", async () => {
    workspace.writePlan("plan.yaml", plan(cheatingWorker(false)));
    const run = workspace.supervise(["plan.yaml", "--json", "--no-wait"]);
    let mergeCommit = "";
    const merged = onEvent(run, "claim.made", async () => {
      mergeCommit = await mergeByHand("supervise/fix");
    });
    const result = await run;
    await merged;
    expect(result.exitCode, result.stderr).toBe(3);
    const events = await journal();
    // Merged after the claim was made, and before pr_merged looked: while it was being verified.
    expect(events.find((event) => event.type === "gate.passed" && event.gate === "pr_merged")).toBeDefined();
    expect(events.map((event) => event.type)).not.toContain("workstream.rejected");
    expect(events.filter((event) => event.type === "worker.started")).toHaveLength(1);

    const listed = await workspace.supervise(["escalations", "--json"]);
    const [escalation] = JSON.parse(listed.stdout).escalations;
    expect(escalation).toMatchObject({ id: "fix-1", workstream: "fix", source: "landing" });
    expect(escalation.question).toContain(`pull request #1 (`);
    expect(escalation.question).toContain(`merged as ${mergeCommit}`);
    expect(escalation.question).toContain("diff_scope");
    expect(escalation.question).toContain("opened pull request #2 (file://");
    expect(escalation.context.options.deny).toContain("merges revert pull request #2");

    const decision = await workspace.supervise(["deny", "fix-1", "--note", "tests are not optional"]);
    expect(decision.exitCode, decision.stderr).toBe(0);
    const resumed = await workspace.supervise(["plan.yaml"]);
    expect(resumed.exitCode, resumed.stderr).toBe(1);

    const resolved = (await journal()).find((event) => event.type === "landing.resolved");
    expect(resolved).toMatchObject({ decision: "deny", outcome: "reverted", revert_pr: 2 });
    const bundle = JSON.parse(evidence("bundle.json"));
    expect(bundle.verdict).toBe("rejected");
    expect(bundle.reason).toMatch(
      /denied keeping the unverified landing [0-9a-f]{12} of pull request #1 \(escalation fix-1\): tests are not optional; revert pull request #2 is merged as [0-9a-f]{40}$/,
    );
    expect(bundle.landing).toMatchObject({ decision: "deny", outcome: "reverted" });
    // The person's repository gets the base back as it was, the deleted test included.
    workspace.git(["pull", "-q", "supervise", "main"]);
    expect(readFileSync(join(workspace.repository, "src/value.mjs"), "utf8")).toBe(
      "export const value = 1;\n",
    );
    expect(readFileSync(join(workspace.repository, "test/value-one.test.mjs"), "utf8")).toContain(
      'test("value is one"',
    );
  });

  it("catches a claimed commit pushed to the base without a merge; a reply leaves the change and the revert to the human", async () => {
    workspace.writePlan("plan.yaml", plan(cheatingWorker(true)));
    const run = workspace.supervise(["plan.yaml", "--json"]);
    let pushed = "";
    const pushedByHand = onEvent(run, "pull_request.opened", async (event) => {
      pushed = String(event.head_sha);
      origin("update-ref", "refs/heads/main", pushed);
      writeFileSync(checkoutGit("merged-by-hand"), "");
    });
    const replied = onEvent(run, "escalation.opened", async () => {
      const decision = await workspace.supervise(["reply", "fix-1", "I will sort this out with the team"]);
      expect(decision.exitCode, decision.stderr).toBe(0);
    });
    const result = await run;
    await Promise.all([pushedByHand, replied]);
    expect(result.exitCode, result.stderr).toBe(1);

    const events = await journal();
    const landing = events.find((event) => event.type === "landing.unverified");
    const baseSha = events.find((event) => event.type === "checkout.created")?.base_sha;
    expect(landing).toMatchObject({
      pr: null,
      merge_commit: pushed,
      landed_head: pushed,
      restores: baseSha,
      failed_gates: ["diff_scope", "pr_merged"],
      revert_pr: { number: 2, head: "supervise/fix-revert" },
    });
    expect(events.find((event) => event.type === "landing.resolved")).toMatchObject({
      decision: "reply",
      outcome: "left",
      detail: "nothing was changed on the forge; revert pull request #2 stays open",
    });
    expect(origin("rev-parse", "main")).toBe(pushed);
    const forge = personAtTheForge();
    expect(await forge.getPullRequest(2)).toMatchObject({ state: "open", isMerged: false });
    await forge.close();
    const revertHead = (landing as { revert_pr: { head_sha: string } }).revert_pr.head_sha;
    expect(origin("diff", "--name-status", `main...${revertHead}`)).toBe(
      "M\tsrc/value.mjs\nA\ttest/value-one.test.mjs",
    );
    const bundle = JSON.parse(evidence("bundle.json"));
    expect(bundle.verdict).toBe("rejected");
    expect(bundle.reason).toBe(
      `${bundle.reason.split(" ")[0]} replied on the unverified landing ${pushed.slice(0, 12)} (escalation fix-1): "I will sort this out with the team"; nothing was changed on the forge; revert pull request #2 stays open`,
    );
  });
});
