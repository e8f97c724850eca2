import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitDeepPath, commitManyFiles } from "../workspace/tree-bombs.ts";
import { commitFile, createForgeFixture, type ForgeFixture, git } from "./local-forge-fixture.ts";

let fixture: ForgeFixture;

beforeEach(async () => {
  fixture = await createForgeFixture();
  await fixture.forge.prepare({ issues: [{ number: 7, title: "Make the widget spin" }] });
});

afterEach(async () => {
  await fixture.cleanup();
});

/** A branch with one commit on the forge's main, pushed from the mirror; returns the commit. */
async function pushBranch(
  branch: string,
  file: string,
  content: string,
  ciCommand?: string,
): Promise<string> {
  if (ciCommand) fixture.ciCommands[branch] = ciCommand;
  await fixture.startBranch(branch);
  const sha = await commitFile(fixture.mirror, file, content, `Change ${file} on ${branch}`);
  await fixture.forge.push({ fromRepository: fixture.mirror, sha, branch });
  return sha;
}

async function openPullRequest(branch: string, body = "") {
  return fixture.forge.openOrUpdatePullRequest({
    head: branch,
    base: "main",
    title: `Work on ${branch}`,
    body,
  });
}

describe("prepare", () => {
  it("makes origin from the base branch and points the remote `supervise` at it, touching nothing else", async () => {
    const { userRepository } = fixture;
    await git(userRepository, "remote", "add", "upstream", "https://example.com/widget.git");
    await git(userRepository, "remote", "set-url", "supervise", "/somewhere/else");
    await git(userRepository, "branch", "feature");
    const refsBefore = await git(userRepository, "for-each-ref");

    await fixture.forge.prepare({
      issues: [
        { number: 7, title: "ignored: issue 7 exists" },
        { number: 3, title: "Three" },
      ],
    });

    expect(await git(userRepository, "remote", "get-url", "supervise")).toBe(fixture.forge.originPath);
    expect(await git(userRepository, "remote", "get-url", "upstream")).toBe("https://example.com/widget.git");
    expect(await git(userRepository, "for-each-ref")).toBe(refsBefore);
    expect(await git(fixture.forge.originPath, "for-each-ref", "--format=%(refname)")).toBe(
      "refs/heads/main",
    );
    expect(await fixture.forge.baseSha("main")).toBe(await git(userRepository, "rev-parse", "main"));
    expect(await fixture.forge.getIssue(7)).toEqual({
      number: 7,
      title: "Make the widget spin",
      state: "open",
      closedAt: null,
      closedBy: null,
    });
    expect((await fixture.forge.getIssue(3)).title).toBe("Three");
  });

  it("fast-forwards origin's base to commits the person added, and keeps origin's base when they diverged", async () => {
    const added = await commitFile(
      fixture.userRepository,
      "NOTES.md",
      "by hand\n",
      "A commit made by the person",
    );
    await fixture.forge.prepare({ issues: [] });
    expect(await fixture.forge.baseSha("main")).toBe(added);

    const head = await pushBranch("ws1", "a.txt", "a\n");
    const pull = await openPullRequest("ws1");
    await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head });
    const merged = await fixture.forge.baseSha("main");
    await commitFile(fixture.userRepository, "NOTES.md", "more\n", "Not pulled the merge first");
    await fixture.forge.prepare({ issues: [] });
    expect(await fixture.forge.baseSha("main")).toBe(merged);
  });

  it("refuses a repository without the base branch, naming the fields to check", async () => {
    const missing = join(fixture.root, "missing");
    const forge = fixture.openForge({ stateDir: join(fixture.root, "other-state"), userRepository: missing });
    await expect(forge.prepare({ issues: [] })).rejects.toMatchObject({
      name: "LocalForgeError",
      exitCode: 2,
      message: `The plan's repository ${missing} has no branch \`main\` to start the forge from.`,
    });
  });

  it("refuses an issue number a pull request already holds", async () => {
    await pushBranch("ws1", "a.txt", "a\n");
    await openPullRequest("ws1");
    await expect(fixture.forge.prepare({ issues: [{ number: 8, title: "Late" }] })).rejects.toThrow(
      "Issue #8 cannot be created: pull request #8 exists.",
    );
  });
});

describe("CI", () => {
  it("runs the command in a fresh clone: a file untracked in the pushing repository is absent", async () => {
    await writeFile(join(fixture.mirror, "local-secret.txt"), "only on the worker's disk");
    const sha = await pushBranch(
      "ws-fresh",
      "src/spin.txt",
      "spin\n",
      "test -f src/spin.txt && echo 'checked out' && test -f local-secret.txt",
    );

    const status = await fixture.forge.whenCiSettled(sha);

    const logPath = join(fixture.stateDir, "forge", "ci", sha, "log.txt");
    expect(status).toEqual({
      sha,
      state: "failure",
      checks: [
        {
          name: "ci",
          status: "completed",
          conclusion: "failure",
          detailsUrl: logPath,
          startedAt: "2026-11-24T12:00:00.000Z",
          completedAt: "2026-11-24T12:00:00.000Z",
          summary: "checked out",
        },
      ],
    });
    expect(await readdir(fixture.temporaryDirectory)).toEqual([]); // the clone is gone
  });

  it("gives the command only the environment it was handed, not the supervisor's secrets", async () => {
    process.env.ANTHROPIC_API_KEY = "sk-ant-must-not-leak";
    try {
      const sha = await pushBranch(
        "ws-env",
        "a.txt",
        "a\n",
        'test -z "$ANTHROPIC_API_KEY" && echo "HOME=$HOME"',
      );
      const status = await fixture.forge.whenCiSettled(sha);
      expect(status.state).toBe("success");
      expect(status.checks[0]?.summary).toBe(`HOME=${join(fixture.root, "home")}`);
      expect(await readFile(join(fixture.stateDir, "forge", "ci", sha, "log.txt"), "utf8")).toBe(
        `HOME=${join(fixture.root, "home")}\n`,
      );
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });

  it("refuses to check out a commit whose few pushed bytes expand past the tree limits", async () => {
    // 100,000 paths naming one blob: a few tens of KB pushed, 100,000 files once checked out.
    await fixture.startBranch("ws-bomb");
    const sha = await commitManyFiles(fixture.mirror, "HEAD", 100_000);
    fixture.ciCommands["ws-bomb"] = "echo never";
    await fixture.forge.push({ fromRepository: fixture.mirror, sha, branch: "ws-bomb" });
    const status = await fixture.forge.whenCiSettled(sha);
    expect(status.state).toBe("failure");
    expect(status.checks[0]?.summary).toBe(
      "CI did not check the commit out: the commit's tree has 100,002 files, over the 50,000 CI checks out",
    );
    expect(await readdir(fixture.temporaryDirectory)).toEqual([]);
  });

  it("refuses a path nested past the limit, and checks out a commit within every limit", async () => {
    await fixture.startBranch("ws-deep");
    const deep = await commitDeepPath(fixture.mirror, "HEAD", 70);
    const fine = await commitManyFiles(fixture.mirror, "HEAD", 2_000);
    fixture.ciCommands["ws-deep"] = "find bomb -type f | wc -l";
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: deep, branch: "ws-deep" });
    expect((await fixture.forge.whenCiSettled(deep)).checks[0]?.summary).toBe(
      `CI did not check the commit out: the commit's tree has a path 70 levels deep (deep/${"a/".repeat(17)}a…${"/a".repeat(17)}/leaf), over the 64 CI checks out`,
    );
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: fine, branch: "ws-deep" });
    const status = await fixture.forge.whenCiSettled(fine);
    expect(status.state).toBe("success");
    expect(status.checks[0]?.summary?.trim()).toBe("2000");
  });

  it("runs once per commit, reports none for an unknown commit, and nothing for a branch without CI", async () => {
    const sha = await pushBranch("ws-once", "a.txt", "a\n", "echo ran");
    await fixture.forge.whenCiSettled(sha);
    await fixture.forge.push({ fromRepository: fixture.mirror, sha, branch: "ws-once-again" });
    fixture.ciCommands["ws-once-again"] = "exit 1";
    await fixture.forge.push({ fromRepository: fixture.mirror, sha, branch: "ws-once-again" });
    expect((await fixture.forge.whenCiSettled(sha)).state).toBe("success");
    const record = JSON.parse(await readFile(join(fixture.stateDir, "forge", "ci", sha, "run.json"), "utf8"));
    expect(record).toMatchObject({ branch: "ws-once", command: "echo ran", attempt: 1 });

    const unpushed = await pushBranch("ws-no-ci", "b.txt", "b\n");
    expect(await fixture.forge.ciStatus(unpushed)).toEqual({ sha: unpushed, state: "none", checks: [] });
    expect(await fixture.forge.ciStatus("0".repeat(40))).toEqual({
      sha: "0".repeat(40),
      state: "none",
      checks: [],
    });
  });

  it("restarts a run that a stopped supervisor left unfinished when someone asks for its status", async () => {
    const release = join(fixture.root, "release");
    const sha = await pushBranch("ws-slow", "a.txt", "a\n", `until test -f ${release}; do sleep 0.02; done`);
    await fixture.forge.close(); // aborts the running command, as a crash would, leaving the record unfinished
    const runPath = join(fixture.stateDir, "forge", "ci", sha, "run.json");
    expect(JSON.parse(await readFile(runPath, "utf8"))).toMatchObject({ status: "in_progress", attempt: 1 });

    await writeFile(release, "");
    const restarted = fixture.openForge();
    expect((await restarted.ciStatus(sha)).state).toBe("pending");
    expect((await restarted.whenCiSettled(sha)).state).toBe("success");
    expect(JSON.parse(await readFile(runPath, "utf8"))).toMatchObject({ status: "completed", attempt: 2 });
  });

  it("records a command that outlives its timeout as timed out", async () => {
    const forge = fixture.openForge({ ciTimeoutMs: 100 });
    fixture.ciCommands["ws-hang"] = "sleep 30";
    await fixture.startBranch("ws-hang");
    const sha = await commitFile(fixture.mirror, "a.txt", "a\n", "Hang");
    await forge.push({ fromRepository: fixture.mirror, sha, branch: "ws-hang" });

    const status = await forge.whenCiSettled(sha);

    expect(status.state).toBe("failure");
    expect(status.checks[0]).toMatchObject({ status: "completed", conclusion: "timed_out" });
  });

  it("never runs git hooks of origin or of the pushing repository", async () => {
    fixture.ciCommands.ws1 = "true";
    await fixture.startBranch("ws1");
    const head = await commitFile(fixture.mirror, "a.txt", "a\n", "Change a.txt");
    const marker = join(fixture.root, "hook-ran");
    const hook = `#!/bin/sh\necho "$0" >> ${marker}\nexit 1\n`;
    const hookNames = [
      "pre-receive",
      "update",
      "post-receive",
      "reference-transaction",
      "pre-push",
      "post-checkout",
    ];
    for (const directory of [
      join(fixture.forge.originPath, "hooks"),
      join(fixture.mirror, ".git", "hooks"),
    ]) {
      for (const name of hookNames) await writeFile(join(directory, name), hook, { mode: 0o755 });
    }

    await fixture.forge.push({ fromRepository: fixture.mirror, sha: head, branch: "ws1" });
    const pull = await openPullRequest("ws1");
    expect((await fixture.forge.whenCiSettled(head)).state).toBe("success");
    const result = await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head });
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: await fixture.forge.baseSha("main") });

    await expect(readFile(marker, "utf8")).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("refuses pushes to the base, which only merges may move", async () => {
    const sha = await git(fixture.mirror, "rev-parse", "HEAD");
    await expect(fixture.forge.push({ fromRepository: fixture.mirror, sha, branch: "main" })).rejects.toThrow(
      "`main` is protected: changes reach it only through a merged pull request.",
    );
  });
});

describe("pull requests", () => {
  it("opens one pull request per head and updates it on the second call, numbered above the issues", async () => {
    const first = await pushBranch("ws1", "a.txt", "a\n");
    const opened = await openPullRequest("ws1", "First body");
    const second = await commitFile(fixture.mirror, "a.txt", "a2\n", "More");
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: second, branch: "ws1" });
    const updated = await fixture.forge.openOrUpdatePullRequest({
      head: "ws1",
      base: "main",
      title: "Renamed",
      body: "Second body",
    });

    const url = `file://${join(fixture.stateDir, "forge", "pulls", "8.json")}`;
    expect(opened).toEqual({
      number: 8,
      url,
      title: "Work on ws1",
      body: "First body",
      head: "ws1",
      headSha: first,
      base: "main",
      state: "open",
      isMerged: false,
      mergeCommitSha: null,
      mergedAt: null,
      landing: null,
    });
    expect(updated).toEqual({ ...opened, title: "Renamed", body: "Second body", headSha: second });
    expect(await readdir(join(fixture.stateDir, "forge", "pulls"))).toEqual(["8.json"]);
    expect(await fixture.forge.findPullRequest({ head: "ws1", base: "main" })).toEqual(updated);
    expect(await fixture.forge.findPullRequest({ head: "nope", base: "main" })).toBeNull();
  });

  it("squash-merges a green pull request into one commit with the trailer and closes the issue it fixes", async () => {
    fixture.ciCommands.ws1 = "test -f src/spin.txt";
    await fixture.startBranch("ws1");
    const baseBefore = await fixture.forge.baseSha("main");
    await commitFile(fixture.mirror, "src/spin.txt", "spin\n", "Spin, part one");
    const head = await commitFile(fixture.mirror, "src/spin.txt", "spin faster\n", "Spin, part two");
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: head, branch: "ws1" });
    const pull = await openPullRequest("ws1", "Spins the widget.\n\nFixes #7");
    expect((await fixture.forge.whenCiSettled(head)).state).toBe("success");

    const result = await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head });

    const mergeCommit = await fixture.forge.baseSha("main");
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: mergeCommit });
    const origin = fixture.forge.originPath;
    expect(await git(origin, "rev-list", `${baseBefore}..main`)).toBe(mergeCommit);
    expect(await git(origin, "log", "-1", "--format=%an <%ae>%n%B", "main")).toBe(
      "Worker <worker@example.com>\nWork on ws1 (#8)\n\nSpins the widget.\n\nFixes #7\n\nSupervise-Pull-Request: 8",
    );
    expect(await git(origin, "show", "main:src/spin.txt")).toBe("spin faster");
    expect(await fixture.forge.getPullRequest(pull.number)).toEqual({
      ...pull,
      state: "closed",
      isMerged: true,
      mergeCommitSha: mergeCommit,
      mergedAt: "2026-11-24T12:00:00.000Z",
      landing: {
        via: "merge_queue",
        testedSha: mergeCommit,
        ciState: "success",
        ciDetailsUrl: join(fixture.stateDir, "forge", "ci", mergeCommit, "log.txt"),
        batch: [8],
      },
    });
    // The base moved to the merge result CI ran on; the queue branch that held it is gone.
    expect(await git(origin, "for-each-ref", "--format=%(refname)", "refs/heads/supervise-queue")).toBe("");
    expect(await fixture.forge.getIssue(7)).toEqual({
      number: 7,
      title: "Make the widget spin",
      state: "closed",
      closedAt: "2026-11-24T12:00:00.000Z",
      closedBy: { kind: "pull_request", pullRequest: 8, commitSha: mergeCommit },
    });
    expect(await fixture.forge.isAncestorOfBase({ sha: mergeCommit, base: "main" })).toBe(true);
    expect(await fixture.forge.isAncestorOfBase({ sha: head, base: "main" })).toBe(false);
    expect(await fixture.forge.isAncestorOfBase({ sha: "f".repeat(40), base: "main" })).toBe(false);
    expect(await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head })).toEqual({
      isMerged: false,
      reason: "already_merged",
      message: "Pull request #8 is already merged.",
    });
    expect(await readdir(fixture.temporaryDirectory)).toEqual([]);

    // The person's side: the merged work comes home through the remote the forge added.
    await git(fixture.userRepository, "pull", "--quiet", "--ff-only", "supervise", "main");
    expect(await git(fixture.userRepository, "rev-parse", "HEAD")).toBe(mergeCommit);
    expect(await readFile(join(fixture.userRepository, "src/spin.txt"), "utf8")).toBe("spin faster\n");
  });

  it("lands a merge commit with both parents when asked for the merge method", async () => {
    const head = await pushBranch("ws-merge", "a.txt", "a\n", "true");
    const pull = await openPullRequest("ws-merge");
    await fixture.forge.whenCiSettled(head);
    const baseBefore = await fixture.forge.baseSha("main");

    const result = await fixture.forge.mergePullRequest({
      number: pull.number,
      expectedHeadSha: head,
      method: "merge",
    });

    expect(result.isMerged).toBe(true);
    expect(await git(fixture.forge.originPath, "log", "-1", "--format=%P%n%B", "main")).toBe(
      `${baseBefore} ${head}\nMerge pull request #8 from ws-merge\n\nWork on ws-merge\n\nSupervise-Pull-Request: 8`,
    );
  });

  it("refuses to merge while CI is red or still running", async () => {
    const head = await pushBranch("ws-red", "a.txt", "a\n", "echo 'expected 2, got 3'; exit 1");
    const pull = await openPullRequest("ws-red");
    const pending = await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head });
    expect(pending).toEqual({
      isMerged: false,
      reason: "ci_not_green",
      message: `CI on ${head} is pending.`,
    });

    await fixture.forge.whenCiSettled(head);
    const red = await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head });

    expect(red).toEqual({
      isMerged: false,
      reason: "ci_not_green",
      message: `CI on ${head} is failure:\nexpected 2, got 3`,
    });
    expect(await fixture.forge.getIssue(7)).toMatchObject({ state: "open" });
  });

  it("refuses to merge when the head moved past the commit the caller saw", async () => {
    const seen = await pushBranch("ws1", "a.txt", "a\n", "true");
    const pull = await openPullRequest("ws1");
    const moved = await commitFile(fixture.mirror, "a.txt", "changed behind the caller's back\n", "Later");
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: moved, branch: "ws1" });
    await fixture.forge.whenCiSettled(moved);

    expect((await fixture.forge.getPullRequest(pull.number)).headSha).toBe(moved);
    expect(await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: seen })).toEqual({
      isMerged: false,
      reason: "head_moved",
      message: `The head of #8 is ${moved}, not the expected ${seen}.`,
    });
  });

  it("refuses a squash that does not apply cleanly on the base", async () => {
    const first = await pushBranch("ws-a", "README.md", "line one\nline TWO from a\nline three\n", "true");
    await fixture.startBranch("ws-b"); // from the same base as ws-a
    const second = await commitFile(
      fixture.mirror,
      "README.md",
      "line one\nline 2 from b\nline three\n",
      "b",
    );
    fixture.ciCommands["ws-b"] = "true";
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: second, branch: "ws-b" });
    const pullA = await openPullRequest("ws-a");
    const pullB = await openPullRequest("ws-b");
    await Promise.all([fixture.forge.whenCiSettled(first), fixture.forge.whenCiSettled(second)]);

    expect(
      (await fixture.forge.mergePullRequest({ number: pullA.number, expectedHeadSha: first })).isMerged,
    ).toBe(true);
    const baseAfterA = await fixture.forge.baseSha("main");
    expect(await fixture.forge.mergePullRequest({ number: pullB.number, expectedHeadSha: second })).toEqual({
      isMerged: false,
      reason: "conflict",
      message: "The head does not apply cleanly on `main`: conflicts in README.md.",
      conflictingFiles: ["README.md"],
    });
    expect(await fixture.forge.baseSha("main")).toBe(baseAfterA);
    expect((await fixture.forge.getPullRequest(pullB.number)).state).toBe("open");
  });
});

describe("reverting a landed change", () => {
  it("makes a branch whose pull request undoes one merge, even after the base moved on, and merges like any other", async () => {
    const spin = await pushBranch("ws-spin", "src/spin.txt", "spin\n", "true");
    const spinPull = await openPullRequest("ws-spin");
    await fixture.forge.whenCiSettled(spin);
    const spinMerge = await fixture.forge.mergePullRequest({
      number: spinPull.number,
      expectedHeadSha: spin,
    });
    if (!spinMerge.isMerged) throw new Error(spinMerge.message);
    const later = await pushBranch("ws-later", "later.txt", "later\n", "true");
    const laterPull = await openPullRequest("ws-later");
    await fixture.forge.whenCiSettled(later);
    expect(
      (await fixture.forge.mergePullRequest({ number: laterPull.number, expectedHeadSha: later })).isMerged,
    ).toBe(true);
    const origin = fixture.forge.originPath;
    const beforeSpin = await git(origin, "rev-parse", `${spinMerge.mergeCommitSha}^1`);

    const revert = await fixture.forge.createRevertBranch({
      branch: "ws-spin-revert",
      landedSha: spinMerge.mergeCommitSha,
      message: "Revert #8\n\nIt landed unverified.\n",
    });

    expect(revert).toEqual({
      branch: "ws-spin-revert",
      sha: await git(origin, "rev-parse", "ws-spin-revert"),
      restoredSha: beforeSpin,
    });
    expect(await git(origin, "log", "-1", "--format=%P%n%an <%ae>%n%B", "ws-spin-revert")).toBe(
      `${spinMerge.mergeCommitSha}\nsupervise <supervisor@supervise.invalid>\nRevert #8\n\nIt landed unverified.`,
    );
    // What a reviewer sees of the pull request: the inverse of the landed change, nothing of the later one.
    expect(await git(origin, "diff", "--name-status", "main...ws-spin-revert")).toBe("D\tsrc/spin.txt");
    const revertPull = await fixture.forge.openOrUpdatePullRequest({
      head: "ws-spin-revert",
      base: "main",
      title: "Revert #8",
      body: "Undoes #8.",
    });
    expect(revertPull).toMatchObject({ head: "ws-spin-revert", headSha: revert.sha, state: "open" });

    const merged = await fixture.forge.mergePullRequest({
      number: revertPull.number,
      expectedHeadSha: revert.sha,
    });

    expect(merged.isMerged).toBe(true);
    expect(await git(origin, "ls-tree", "--name-only", "-r", "main")).toBe(
      ".gitignore\nREADME.md\nlater.txt",
    );
  });

  it("restores a named commit's tree for a change that reached the base without a merge commit of its own", async () => {
    const base = await fixture.forge.baseSha("main");
    await fixture.startBranch("ws-pushed");
    await commitFile(fixture.mirror, "a.txt", "a\n", "a");
    const head = await commitFile(fixture.mirror, "b.txt", "b\n", "b");
    const origin = fixture.forge.originPath;
    await git(origin, "fetch", "--quiet", fixture.mirror, `${head}:refs/heads/main`);

    const revert = await fixture.forge.createRevertBranch({
      branch: "ws-pushed-revert",
      landedSha: head,
      restoreSha: base,
      message: "Revert the pushed commits\n",
    });

    expect(revert.restoredSha).toBe(base);
    expect(await git(origin, "diff", "--name-status", "main...ws-pushed-revert")).toBe("D\ta.txt\nD\tb.txt");
  });

  it("never makes the base a revert branch, nor reverts a commit origin does not have", async () => {
    const base = await fixture.forge.baseSha("main");
    await expect(
      fixture.forge.createRevertBranch({ branch: "main", landedSha: base, message: "x" }),
    ).rejects.toThrow("`main` is protected: a revert goes through a pull request from a branch of its own.");
    await expect(
      fixture.forge.createRevertBranch({ branch: "r", landedSha: "f".repeat(40), message: "x" }),
    ).rejects.toThrow(`Cannot revert: origin has no commit ${"f".repeat(40)} (the landed change).`);
  });

  it("closes an open pull request without merging it, and leaves a merged one as it is", async () => {
    const head = await pushBranch("ws1", "a.txt", "a\n", "true");
    const pull = await openPullRequest("ws1", "Fixes #7");

    const closed = await fixture.forge.closePullRequest(pull.number);

    expect(closed).toEqual({ ...pull, state: "closed" });
    expect(await fixture.forge.findPullRequest({ head: "ws1", base: "main" })).toEqual(closed);
    expect(
      await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head }),
    ).toMatchObject({
      isMerged: false,
      reason: "not_mergeable",
    });
    expect(await fixture.forge.getIssue(7)).toMatchObject({ state: "open" });

    const other = await pushBranch("ws2", "b.txt", "b\n", "true");
    const otherPull = await openPullRequest("ws2");
    await fixture.forge.whenCiSettled(other);
    await fixture.forge.mergePullRequest({ number: otherPull.number, expectedHeadSha: other });
    expect(await fixture.forge.closePullRequest(otherPull.number)).toMatchObject({
      state: "closed",
      isMerged: true,
    });
  });
});

describe("issues", () => {
  it("closes an issue by hand and keeps the comments", async () => {
    const closed = await fixture.forge.closeIssue({ number: 7, comment: "Done in a side channel." });
    const again = await fixture.forge.closeIssue({ number: 7, comment: "Still done." });

    expect(closed).toEqual({
      number: 7,
      title: "Make the widget spin",
      state: "closed",
      closedAt: "2026-11-24T12:00:00.000Z",
      closedBy: { kind: "manual" },
    });
    expect(again).toEqual(closed);
    const record = JSON.parse(await readFile(join(fixture.stateDir, "forge", "issues", "7.json"), "utf8"));
    expect(record.comments).toEqual([
      { body: "Done in a side channel.", createdAt: "2026-11-24T12:00:00.000Z" },
      { body: "Still done.", createdAt: "2026-11-24T12:00:00.000Z" },
    ]);
    await expect(fixture.forge.getIssue(99)).rejects.toThrow("The local forge has no issue #99.");
  });
});

describe("restarts and crashes", () => {
  it("a new forge over the same state dir sees the same pull requests, issues and CI", async () => {
    const head = await pushBranch("ws1", "a.txt", "a\n", "echo green");
    const pull = await openPullRequest("ws1", "Closes #7");
    const status = await fixture.forge.whenCiSettled(head);
    await fixture.forge.closeIssue({ number: 7 });

    const restarted = fixture.openForge();

    expect(await restarted.getPullRequest(pull.number)).toEqual(pull);
    expect(await restarted.ciStatus(head)).toEqual(status);
    expect((await restarted.getIssue(7)).closedBy).toEqual({ kind: "manual" });
    const next = await restarted.openOrUpdatePullRequest({
      head: "ws1",
      base: "main",
      title: "Same PR",
      body: "",
    });
    expect(next.number).toBe(pull.number);
  });

  it("completes a merge whose base push landed before a crash, without merging twice", async () => {
    const head = await pushBranch("ws1", "a.txt", "a\n", "true");
    const pull = await openPullRequest("ws1", "fixes: #7");
    await fixture.forge.whenCiSettled(head);
    const pullPath = join(fixture.stateDir, "forge", "pulls", `${pull.number}.json`);
    const issuePath = join(fixture.stateDir, "forge", "issues", "7.json");
    const recordsBeforeMerge = [await readFile(pullPath, "utf8"), await readFile(issuePath, "utf8")] as const;
    const merged = await fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: head });
    expect(merged.isMerged).toBe(true);
    const mergeCommit = await fixture.forge.baseSha("main");
    // The disk as a crash right after pushing the base leaves it: the records say open.
    const crash = async () => {
      await writeFile(pullPath, recordsBeforeMerge[0]);
      await writeFile(issuePath, recordsBeforeMerge[1]);
    };
    const trailerCommits = () =>
      git(fixture.forge.originPath, "log", "--format=%H", "--grep=Supervise-Pull-Request: 8", "main");

    await crash();
    const retried = await fixture
      .openForge()
      .mergePullRequest({ number: pull.number, expectedHeadSha: head });
    expect(retried).toMatchObject({ isMerged: true, mergeCommitSha: mergeCommit });

    await crash();
    const restarted = fixture.openForge();
    expect(await restarted.getPullRequest(pull.number)).toMatchObject({
      isMerged: true,
      mergeCommitSha: mergeCommit,
      landing: { via: "merge_queue", testedSha: mergeCommit, ciState: "success", batch: [pull.number] },
    });
    expect((await restarted.getIssue(7)).closedBy).toEqual({
      kind: "pull_request",
      pullRequest: pull.number,
      commitSha: mergeCommit,
    });
    expect(await trailerCommits()).toBe(mergeCommit);
    expect(await fixture.forge.baseSha("main")).toBe(mergeCommit);
  });
});
