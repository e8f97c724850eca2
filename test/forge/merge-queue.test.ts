import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MergeResult } from "../../src/forge/index.ts";
import { createGit, type Git } from "../../src/forge/local/git.ts";
import { createMergeQueue, type QueuedMerge } from "../../src/forge/local/merge-queue.ts";
import { advanceBase, buildMergeResult } from "../../src/forge/local/pull-request-merge.ts";
import { commitManyFiles } from "../workspace/tree-bombs.ts";
import { commitFile, createForgeFixture, type ForgeFixture, git } from "./local-forge-fixture.ts";

let fixture: ForgeFixture;

/**
 * The campaign's shape in miniature: `greet.sh` defines a function, `callers/` call it, and CI runs
 * every caller. Renaming the function and adding a caller of the old name are green alone and
 * red together.
 */
const ci = "sh check.sh";
const checkScript =
  'set -e\n. ./greet.sh\nfor caller in callers/*.sh; do . "$caller"; done\necho all callers ran\n';

beforeEach(async () => {
  fixture = await createForgeFixture();
  await commitFile(fixture.userRepository, "greet.sh", 'greet() { echo "hello $1"; }\n', "greet");
  await commitFile(fixture.userRepository, "check.sh", checkScript, "CI");
  await commitFile(fixture.userRepository, "callers/one.sh", "greet one\n", "a caller");
  await fixture.forge.prepare({ issues: [] });
});

afterEach(async () => {
  await fixture.cleanup();
});

/** A branch from the forge's main with `files` written, pushed with CI, its pull request open and CI green. */
async function greenPullRequest(branch: string, files: Record<string, string>) {
  fixture.ciCommands[branch] = ci;
  await fixture.startBranch(branch);
  let sha = "";
  for (const [path, content] of Object.entries(files))
    sha = await commitFile(fixture.mirror, path, content, `${branch}: ${path}`);
  await fixture.forge.push({ fromRepository: fixture.mirror, sha, branch });
  const pull = await fixture.forge.openOrUpdatePullRequest({
    head: branch,
    base: "main",
    title: branch,
    body: "",
  });
  expect((await fixture.forge.whenCiSettled(sha)).state).toBe("success");
  return { number: pull.number, sha };
}

const merge = (pull: { number: number; sha: string }) =>
  fixture.forge.mergePullRequest({ number: pull.number, expectedHeadSha: pull.sha });

/** CI runs on merge results: every run the forge recorded on a queue branch. */
async function mergeResultRuns(): Promise<{ sha: string; conclusion: string }[]> {
  const ciDirectory = join(fixture.stateDir, "forge", "ci");
  const runs = [];
  for (const sha of await readdir(ciDirectory)) {
    const record = JSON.parse(await readFile(join(ciDirectory, sha, "run.json"), "utf8"));
    if (record.branch.startsWith("supervise-queue/")) runs.push({ sha, conclusion: record.conclusion });
  }
  return runs;
}

async function baseIsGreen(): Promise<boolean> {
  const tip = await fixture.forge.baseSha("main");
  return (await fixture.forge.ciStatus(tip)).state === "success";
}

describe("the local forge's merge queue", () => {
  it("lands compatible pull requests asked together in batches: fewer CI runs than pull requests, the base only on tested results", async () => {
    const pulls = [];
    for (const name of ["two", "three", "four", "five", "six"]) {
      pulls.push(await greenPullRequest(`ws-${name}`, { [`callers/${name}.sh`]: `greet ${name}\n` }));
    }
    const baseBefore = await fixture.forge.baseSha("main");

    const results = await Promise.all(pulls.map(merge));

    expect(results.every((result) => result.isMerged)).toBe(true);
    expect(await git(fixture.forge.originPath, "rev-list", "--count", `${baseBefore}..main`)).toBe("5");
    const runs = await mergeResultRuns();
    // The first asked is tested alone while the others are still checked; they wait and go together.
    expect(runs.length).toBeLessThan(pulls.length);
    expect(runs.every((run) => run.conclusion === "success")).toBe(true);
    const landings = await Promise.all(
      pulls.map(async (pull) => (await fixture.forge.getPullRequest(pull.number)).landing),
    );
    const tested = new Set(landings.map((landing) => landing?.testedSha));
    expect([...tested].sort()).toEqual(runs.map((run) => run.sha).sort());
    expect(tested.has(await fixture.forge.baseSha("main"))).toBe(true);
    expect(
      landings.flatMap((landing) => (landing?.batch.at(-1) === undefined ? [] : [landing.batch])),
    ).toContainEqual(pulls.slice(1).map((pull) => pull.number));
    for (const landing of landings) {
      expect(landing).toMatchObject({ via: "merge_queue", ciState: "success" });
      expect(landing?.ciDetailsUrl).toBe(
        join(fixture.stateDir, "forge", "ci", landing?.testedSha ?? "", "log.txt"),
      );
    }
    expect(fixture.forge.mergeQueueSize).toBe(0);
  });

  it("never lets two pull requests green alone turn the base red together: the one that breaks it is sent back with the merge result's log", async () => {
    const rename = await greenPullRequest("ws-rename", {
      "greet.sh": 'welcome() { echo "hello $1"; }\n',
      "callers/one.sh": "welcome one\n",
    });
    const oldCaller = await greenPullRequest("ws-caller", { "callers/two.sh": "greet two\n" });
    const unrelated = await greenPullRequest("ws-docs", { "NOTES.md": "notes\n" });

    const [renamed, called, documented] = await Promise.all([
      merge(rename),
      merge(oldCaller),
      merge(unrelated),
    ]);

    expect(renamed.isMerged).toBe(true);
    expect(documented.isMerged).toBe(true);
    expect(called).toMatchObject({ isMerged: false, reason: "merge_result_failed" });
    const refusal = called as Extract<MergeResult, { isMerged: false }>;
    expect(refusal.message).toContain(`#${rename.number}`);
    expect(refusal.message).toContain("greet: not found");
    expect(refusal.mergeResult?.batch).toEqual([oldCaller.number]);
    const log = await readFile(refusal.mergeResult?.ciDetailsUrl ?? "", "utf8");
    expect(log).toContain("greet: not found");
    expect(await baseIsGreen()).toBe(true);
    expect(await git(fixture.forge.originPath, "show", "main:callers/one.sh")).toBe("welcome one");
    expect((await fixture.forge.getPullRequest(oldCaller.number)).state).toBe("open");
    // How the three were batched depends on when each was asked; what landed was tested green.
    const runs = await mergeResultRuns();
    expect(runs.some((run) => run.conclusion === "failure")).toBe(true);
    for (const pull of [rename, unrelated]) {
      const landing = (await fixture.forge.getPullRequest(pull.number)).landing;
      expect(runs).toContainEqual({ sha: landing?.testedSha, conclusion: "success" });
    }
  });

  it("tests each alone with a batch of one, in the order asked", async () => {
    const forge = fixture.openForge({ maxMergeBatch: 1 });
    const pulls = [];
    for (const name of ["two", "three", "four"]) {
      pulls.push(await greenPullRequest(`ws-${name}`, { [`callers/${name}.sh`]: `greet ${name}\n` }));
    }
    const results = await Promise.all(
      pulls.map((pull) => forge.mergePullRequest({ number: pull.number, expectedHeadSha: pull.sha })),
    );
    expect(results.every((result) => result.isMerged)).toBe(true);
    expect(await mergeResultRuns()).toHaveLength(3);
    for (const pull of pulls) {
      expect((await forge.getPullRequest(pull.number)).landing?.batch).toEqual([pull.number]);
    }
  });

  it("sends a pull request that no longer applies back with its conflicting files, landing the rest", async () => {
    const first = await greenPullRequest("ws-first", { "callers/one.sh": "greet first\n" });
    const second = await greenPullRequest("ws-second", { "callers/one.sh": "greet second\n" });
    const [landed, conflicted] = await Promise.all([merge(first), merge(second)]);
    expect(landed.isMerged).toBe(true);
    expect(conflicted).toEqual({
      isMerged: false,
      reason: "conflict",
      message: "The head does not apply cleanly on `main`: conflicts in callers/one.sh.",
      conflictingFiles: ["callers/one.sh"],
    });
    expect(await baseIsGreen()).toBe(true);
  });
});

describe("building and landing a merge result", () => {
  const clock = { now: () => 0 };

  /** The real git, except that someone else lands a commit on main just before each base update. */
  function gitWithRacingMerges(times: number): { git: Git; landed: string[] } {
    const realGit = createGit(process.env.PATH ?? "/usr/bin:/bin");
    const landed: string[] = [];
    const racer = join(fixture.root, "racer");
    const attempt: Git["attempt"] = async (args, options) => {
      if (args[0] === "update-ref" && args[1] === "-m" && landed.length < times) {
        await git(fixture.root, "clone", "--quiet", "--branch", "main", fixture.forge.originPath, racer);
        landed.push(await commitFile(racer, `racer-${landed.length}.txt`, "x\n", "Someone else's merge"));
        await git(racer, "push", "--quiet", "origin", "main");
        await rm(racer, { recursive: true, force: true });
      }
      return realGit.attempt(args, options);
    };
    return { git: { run: realGit.run, attempt }, landed };
  }

  async function queuedMerge(): Promise<QueuedMerge> {
    await fixture.startBranch("ws1");
    const headSha = await commitFile(fixture.mirror, "a.txt", "a\n", "Add a");
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: headSha, branch: "ws1" });
    return {
      number: 4,
      title: "Add a",
      body: "",
      head: "ws1",
      base: "main",
      headSha,
      method: "squash",
      ciCommand: undefined,
    };
  }

  function queueOver(racingGit: Git) {
    const options = {
      git: racingGit,
      originPath: fixture.forge.originPath,
      temporaryDirectory: fixture.temporaryDirectory,
      clock,
    };
    return createMergeQueue({
      maxBatch: 8,
      build: (requests) => buildMergeResult(options, "main", requests),
      test: () => Promise.reject(new Error("no CI is asked for")),
      land: (batch) =>
        advanceBase(options, {
          base: "main",
          baseBefore: batch.baseBefore,
          topSha: batch.topSha,
          message: "land",
        }),
      discard: async () => {},
      landedSince: async () => [],
      defer: (task) => setImmediate(task),
    });
  }

  it("builds the result again on the new base when the base moved once before it landed", async () => {
    const racing = gitWithRacingMerges(1);
    const result = await queueOver(racing.git).enqueue(await queuedMerge());
    const main = await fixture.forge.baseSha("main");
    expect(result).toMatchObject({ isMerged: true, mergeCommitSha: main });
    expect(await git(fixture.forge.originPath, "rev-parse", "main^")).toBe(racing.landed[0]);
  });

  it("gives up when the base kept moving, leaving the other merges in place", async () => {
    const racing = gitWithRacingMerges(3);
    const result = await queueOver(racing.git).enqueue(await queuedMerge());
    expect(result).toEqual({
      isMerged: false,
      reason: "not_mergeable",
      message: "The base moved 3 times while this batch was tested; merge again.",
    });
    expect(await fixture.forge.baseSha("main")).toBe(racing.landed[2]);
  });

  it("refuses a head whose tree expands past the limits, before writing a file of it", async () => {
    await fixture.startBranch("ws-bomb");
    const headSha = await commitManyFiles(fixture.mirror, "HEAD", 100_000);
    await fixture.forge.push({ fromRepository: fixture.mirror, sha: headSha, branch: "ws-bomb" });
    const baseBefore = await fixture.forge.baseSha("main");
    const built = await buildMergeResult(
      {
        git: createGit(process.env.PATH ?? "/usr/bin:/bin"),
        originPath: fixture.forge.originPath,
        temporaryDirectory: fixture.temporaryDirectory,
        clock,
      },
      "main",
      [{ number: 5, title: "Bomb", body: "", head: "ws-bomb", base: "main", headSha, method: "squash" }],
    );
    expect(built.topSha).toBeNull();
    expect(built.outcomes.get(5)).toEqual({
      kind: "not_mergeable",
      message:
        "The forge did not merge the head: the head's tree has 100,005 files, over the 50,000 the forge checks out to merge.",
    });
    expect(await fixture.forge.baseSha("main")).toBe(baseBefore);
    expect(await readdir(fixture.temporaryDirectory)).toEqual([]);
  });
});
