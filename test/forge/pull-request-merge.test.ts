import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createGit, type Git } from "../../src/forge/local/git.ts";
import { type LandRequest, landPullRequest } from "../../src/forge/local/pull-request-merge.ts";
import { commitManyFiles } from "../workspace/tree-bombs.ts";
import { commitFile, createForgeFixture, type ForgeFixture, git } from "./local-forge-fixture.ts";

let fixture: ForgeFixture;

beforeEach(async () => {
  fixture = await createForgeFixture();
  await fixture.forge.prepare({ issues: [] });
});

afterEach(async () => {
  await fixture.cleanup();
});

const clock = { now: () => 0 };

/** The real git, except that someone else lands a commit on main just before each base update. */
function gitWithRacingMerges(times: number): { git: Git; landed: string[] } {
  const realGit = createGit(process.env.PATH ?? "/usr/bin:/bin");
  const landed: string[] = [];
  const racer = join(fixture.root, "racer");
  const attempt: Git["attempt"] = async (args, options) => {
    if (args[0] === "update-ref" && landed.length < times) {
      await git(fixture.root, "clone", "--quiet", "--branch", "main", fixture.forge.originPath, racer);
      landed.push(await commitFile(racer, `racer-${landed.length}.txt`, "x\n", "Someone else's merge"));
      await git(racer, "push", "--quiet", "origin", "main");
      await rm(racer, { recursive: true, force: true });
    }
    return realGit.attempt(args, options);
  };
  return { git: { run: realGit.run, attempt }, landed };
}

async function request(): Promise<LandRequest> {
  await fixture.startBranch("ws1");
  const headSha = await commitFile(fixture.mirror, "a.txt", "a\n", "Add a");
  await fixture.forge.push({ fromRepository: fixture.mirror, sha: headSha, branch: "ws1" });
  return { number: 4, title: "Add a", body: "", head: "ws1", base: "main", headSha, method: "squash" };
}

it("squashes again on the new base when the base moved once between clone and update", async () => {
  const racing = gitWithRacingMerges(1);
  const landRequest = await request();

  const outcome = await landPullRequest(
    {
      git: racing.git,
      originPath: fixture.forge.originPath,
      temporaryDirectory: fixture.temporaryDirectory,
      clock,
    },
    landRequest,
  );

  const main = await fixture.forge.baseSha("main");
  expect(outcome).toEqual({ kind: "landed", commitSha: main });
  expect(await git(fixture.forge.originPath, "rev-parse", "main^")).toBe(racing.landed[0]);
});

it("gives up when the base moved on both tries, leaving the other merges in place", async () => {
  const racing = gitWithRacingMerges(2);
  const landRequest = await request();

  const outcome = await landPullRequest(
    {
      git: racing.git,
      originPath: fixture.forge.originPath,
      temporaryDirectory: fixture.temporaryDirectory,
      clock,
    },
    landRequest,
  );

  expect(outcome).toEqual({
    kind: "not_mergeable",
    message: "`main` moved twice while pull request #4 was being merged; try again.",
  });
  expect(await fixture.forge.baseSha("main")).toBe(racing.landed[1]);
});

it("refuses a head whose tree expands past the limits, before writing a file of it", async () => {
  await fixture.startBranch("ws-bomb");
  const headSha = await commitManyFiles(fixture.mirror, "HEAD", 100_000);
  await fixture.forge.push({ fromRepository: fixture.mirror, sha: headSha, branch: "ws-bomb" });
  const baseBefore = await fixture.forge.baseSha("main");
  const outcome = await landPullRequest(
    {
      git: createGit(process.env.PATH ?? "/usr/bin:/bin"),
      originPath: fixture.forge.originPath,
      temporaryDirectory: fixture.temporaryDirectory,
      clock,
    },
    { number: 5, title: "Bomb", body: "", head: "ws-bomb", base: "main", headSha, method: "squash" },
  );
  expect(outcome).toEqual({
    kind: "not_mergeable",
    message:
      "The forge did not merge the head: the head's tree has 100,002 files, over the 50,000 the forge checks out to merge.",
  });
  expect(await fixture.forge.baseSha("main")).toBe(baseBefore);
  expect(await readdir(fixture.temporaryDirectory)).toEqual([]);
});
