import { mkdir, readdir, readFile, realpath, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SuperviseError } from "../../src/errors.ts";
import { defaultWorkerCommitLimits, WorkerCommitLimitError, Workspace } from "../../src/workspace/index.ts";
import { createFixture, type Fixture } from "./repositories.ts";
import { commitLargeFile, commitManyFiles } from "./tree-bombs.ts";

let fixture: Fixture;
let workspace: Workspace;

beforeEach(async () => {
  fixture = await createFixture();
  workspace = new Workspace({
    stateDir: fixture.stateDir,
    userRepository: fixture.userRepository,
    base: "main",
    environment: { PATH: process.env.PATH },
  });
});
afterEach(() => fixture.cleanup());

describe("prepare", () => {
  it("mirrors the base and returns its SHA, leaving the user's repository as it was", async () => {
    const userRefs = await fixture.refs(fixture.userRepository);
    const userConfig = await readFile(join(fixture.userRepository, ".git", "config"), "utf8");
    const userMain = await fixture.gitOk(fixture.userRepository, ["rev-parse", "main"]);

    expect(await workspace.prepare()).toEqual({ baseSha: userMain });
    expect(await workspace.prepare()).toEqual({ baseSha: userMain });

    expect(await fixture.gitOk(workspace.mirrorPath, ["rev-parse", "--is-bare-repository"])).toBe("true");
    expect(await fixture.gitOk(workspace.mirrorPath, ["remote"])).toBe("");
    expect(await fixture.refs(fixture.userRepository)).toBe(userRefs);
    expect(await readFile(join(fixture.userRepository, ".git", "config"), "utf8")).toBe(userConfig);
  });

  it("a refresh follows the user's new base commits and keeps refs/supervise/*", async () => {
    await workspace.prepare();
    const checkout = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    await writeFile(join(checkout.path, "work.txt"), "work\n");
    await fixture.gitOk(checkout.path, ["add", "work.txt"]);
    await fixture.gitOk(checkout.path, ["commit", "--quiet", "-m", "work"]);
    const workSha = (await workspace.readCheckout(checkout.path)).head;
    await workspace.fetchFromCheckout("ws1", workSha);
    const superviseRefs = await fixture.gitOk(workspace.mirrorPath, ["for-each-ref", "refs/supervise/"]);

    await writeFile(join(fixture.userRepository, "widget.txt"), "two\n");
    await fixture.gitOk(fixture.userRepository, ["commit", "--quiet", "-am", "two"], { asUser: true });
    const newMain = await fixture.gitOk(fixture.userRepository, ["rev-parse", "main"]);

    expect(await workspace.prepare()).toEqual({ baseSha: newMain });
    expect(await fixture.gitOk(workspace.mirrorPath, ["for-each-ref", "refs/supervise/"])).toBe(
      superviseRefs,
    );
    // The existing checkout keeps the base it was made from.
    expect((await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" })).baseSha).toBe(
      checkout.baseSha,
    );
  });

  it("records the base of the listed workstreams without a checkout, and leaves a made checkout's base alone", async () => {
    const firstMain = (await workspace.prepare({ workstreamIds: ["ws1"] })).baseSha;
    await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    await writeFile(join(fixture.userRepository, "widget.txt"), "two\n");
    await fixture.gitOk(fixture.userRepository, ["commit", "--quiet", "-am", "two"], { asUser: true });

    // A later run: the base moved; ws1 keeps its own, ws2 (no checkout yet) gets the new one at once.
    const later = new Workspace({
      stateDir: fixture.stateDir,
      userRepository: fixture.userRepository,
      base: "main",
      environment: { PATH: process.env.PATH },
    });
    const newMain = (await later.prepare({ workstreamIds: ["ws1", "ws2"] })).baseSha;
    expect(newMain).not.toBe(firstMain);
    const bases = await fixture.gitOk(later.mirrorPath, [
      "for-each-ref",
      "--format=%(refname) %(objectname)",
      "refs/supervise/",
    ]);
    expect(bases.split("\n").sort()).toEqual([
      `refs/supervise/ws1/base ${firstMain}`,
      `refs/supervise/ws2/base ${newMain}`,
    ]);
    const second = await later.ensureCheckout({ id: "ws2", branch: "supervise/ws2" });
    expect(second.baseSha).toBe(newMain);
    expect((await later.readCheckout(second.path)).head).toBe(newMain);
    expect((await later.ensureCheckout({ id: "ws1", branch: "supervise/ws1" })).baseSha).toBe(firstMain);
  });

  it("says so when the repository is missing, is not a repository, or lacks the base", async () => {
    const failure = async (options: { userRepository: string; base: string }) => {
      const error = await new Workspace({ stateDir: fixture.stateDir, ...options })
        .prepare()
        .catch((caught) => caught);
      expect(error).toBeInstanceOf(SuperviseError);
      return (error as SuperviseError).message.replaceAll(fixture.root, "<tmp>");
    };
    const plainFolder = join(fixture.root, "plain");
    await mkdir(plainFolder);

    expect(
      await failure({ userRepository: join(fixture.root, "missing"), base: "main" }),
    ).toMatchInlineSnapshot(`"The repository <tmp>/missing does not exist."`);
    expect(await failure({ userRepository: plainFolder, base: "main" })).toMatchInlineSnapshot(
      `"<tmp>/plain is not a git repository."`,
    );
    expect(await failure({ userRepository: fixture.userRepository, base: "develop" })).toMatchInlineSnapshot(
      `"The repository <tmp>/user has no branch "develop", the plan's base."`,
    );
    expect(
      await failure({ userRepository: fixture.userRepository, base: "main:refs/heads/x" }),
    ).toMatchInlineSnapshot(`""main:refs/heads/x" is not a valid branch name for the plan's base."`);
  });
});

describe("ensureCheckout", () => {
  it("makes one checkout per workstream on supervise/<id> at the base, and reuses it", async () => {
    const { baseSha } = await workspace.prepare();

    const first = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const again = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const other = await workspace.ensureCheckout({ id: "ws2", branch: "supervise/ws2" });

    const path = join(fixture.stateDir, "checkouts", "ws1");
    expect(first).toEqual({ workstream: "ws1", path, branch: "supervise/ws1", baseSha, isNew: true });
    expect(again).toEqual({ ...first, isNew: false });
    expect(other.path).toBe(join(fixture.stateDir, "checkouts", "ws2"));
    expect(other.isNew).toBe(true);
    expect(workspace.checkoutPath("ws1")).toBe(path);

    expect(await fixture.gitOk(path, ["symbolic-ref", "HEAD"])).toBe("refs/heads/supervise/ws1");
    expect((await workspace.readCheckout(path)).head).toBe(baseSha);
    expect(await fixture.gitOk(path, ["branch", "--format=%(refname:short)"])).toBe("supervise/ws1");
    expect(await fixture.gitOk(path, ["rev-parse", "origin/main"])).toBe(baseSha);
    // No upstream: nothing tells the worker that its work goes to the base.
    expect((await fixture.git(path, ["rev-parse", "--abbrev-ref", "@{upstream}"])).exitCode).not.toBe(0);
    expect(await fixture.gitOk(path, ["config", "--get-regexp", "^branch\\."]).catch(() => "")).toBe("");
    expect(await readdir(join(fixture.stateDir, "checkouts"))).toEqual([".partial", "ws1", "ws2"]);
    expect(await readdir(join(fixture.stateDir, "checkouts", ".partial"))).toEqual([]);
  });

  it("is a clone of its own: objects borrowed from the mirror, refs private", async () => {
    await workspace.prepare();
    const checkout = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const alternates = await readFile(join(checkout.path, ".git", "objects", "info", "alternates"), "utf8");
    expect(alternates.trim()).toBe(join(await realpath(workspace.mirrorPath), "objects"));
    expect(await fixture.gitOk(checkout.path, ["rev-parse", "--git-common-dir"])).toBe(".git");
  });

  it("lets a worker commit with no global identity", async () => {
    await workspace.prepare();
    const checkout = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    await fixture.gitOk(checkout.path, ["commit", "--quiet", "--allow-empty", "-m", "worker commit"]);
    expect(await fixture.gitOk(checkout.path, ["log", "-1", "--format=%an <%ae>"])).toBe(
      "supervise worker <worker@supervise.invalid>",
    );
  });

  it("rebuilds a checkout half-made when the supervisor died, and makes only one", async () => {
    await workspace.prepare();
    // Where ensureCheckout clones before renaming into place (see the layout in workspace.ts): a
    // clone cut short, without the branch, the identity or the push guard.
    const partial = join(fixture.stateDir, "checkouts", ".partial", "ws1", "clone");
    await mkdir(join(fixture.stateDir, "checkouts", ".partial", "ws1"), { recursive: true });
    await fixture.gitOk(fixture.root, [
      "clone",
      "--quiet",
      "--shared",
      "--no-checkout",
      workspace.mirrorPath,
      partial,
    ]);
    await writeFile(join(partial, "half-written.txt"), "x");

    const checkout = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });

    expect(checkout.isNew).toBe(true);
    expect(await readdir(join(fixture.stateDir, "checkouts"))).toEqual([".partial", "ws1"]);
    expect(await readdir(join(fixture.stateDir, "checkouts", ".partial"))).toEqual([]);
    expect(await fixture.gitOk(checkout.path, ["symbolic-ref", "HEAD"])).toBe("refs/heads/supervise/ws1");
    expect(await fixture.gitOk(checkout.path, ["config", "remote.origin.pushurl"])).toBe(
      "/dev/null/push-disabled",
    );
    expect((await workspace.readCheckout(checkout.path)).uncommittedChanges).toEqual([]);
    expect((await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" })).isNew).toBe(false);
  });

  it("two concurrent calls for one workstream make one checkout", async () => {
    await workspace.prepare();
    const results = await Promise.all([
      workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" }),
      workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" }),
    ]);
    expect(results.map((checkout) => checkout.isNew)).toEqual([true, false]);
  });

  it("refuses before prepare() made the mirror, and refuses ids that are not ids", async () => {
    await expect(workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" })).rejects.toThrow(
      /mirror .* is missing; prepare\(\) makes it/,
    );
    expect(() => workspace.checkoutPath("../escape")).toThrow(SuperviseError);
  });
});

describe("a worker inside its checkout", () => {
  it("cannot move the user's refs, the origin's, the mirror's or another workstream's branch", async () => {
    await workspace.prepare();
    const mine = await workspace.ensureCheckout({ id: "mine", branch: "supervise/mine" });
    const other = await workspace.ensureCheckout({ id: "other", branch: "supervise/other" });
    await fixture.gitOk(mine.path, ["commit", "--quiet", "--allow-empty", "-m", "worker commit"]);
    const before = {
      user: await fixture.refs(fixture.userRepository),
      origin: await fixture.refs(fixture.origin),
      mirror: await fixture.refs(workspace.mirrorPath),
      other: await fixture.refs(other.path),
    };

    // Each succeeds or fails; either way only `mine`'s own refs may change.
    await fixture.git(mine.path, ["branch", "-f", "main", "HEAD~0"]);
    const plainPush = await fixture.git(mine.path, ["push"]);
    const pushToMain = await fixture.git(mine.path, ["push", "origin", "HEAD:main"]);
    const pushForced = await fixture.git(mine.path, [
      "push",
      "--force",
      "origin",
      "HEAD:refs/heads/supervise/other",
    ]);
    await fixture.git(mine.path, ["update-ref", "refs/heads/supervise/other", "HEAD"]);
    // Not tested: pushing by absolute path (`git push /path/to/user HEAD:main`) writes wherever
    // the worker's user may write; only the sandbox's OS isolation can stop that.

    expect([plainPush.exitCode, pushToMain.exitCode, pushForced.exitCode].every((code) => code !== 0)).toBe(
      true,
    );
    expect(pushToMain.stderr).toContain("/dev/null/push-disabled");
    expect({
      user: await fixture.refs(fixture.userRepository),
      origin: await fixture.refs(fixture.origin),
      mirror: await fixture.refs(workspace.mirrorPath),
      other: await fixture.refs(other.path),
    }).toEqual(before);
  });
});

describe("readCheckout", () => {
  it("reports modified, staged and untracked files, and not ignored ones", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    expect((await workspace.readCheckout(path)).uncommittedChanges).toEqual([]);

    await writeFile(join(path, ".gitignore"), "build/\n*.log\n");
    await fixture.gitOk(path, ["add", ".gitignore"]);
    await fixture.gitOk(path, ["commit", "--quiet", "-m", "ignore"]);
    await mkdir(join(path, "build"));
    await writeFile(join(path, "build", "out.js"), "x");
    await writeFile(join(path, "debug.log"), "x");
    expect((await workspace.readCheckout(path)).uncommittedChanges).toEqual([]);

    await writeFile(join(path, "widget.txt"), "changed\n");
    await writeFile(join(path, "staged.txt"), "new\n");
    await fixture.gitOk(path, ["add", "staged.txt"]);
    await fixture.gitOk(path, ["mv", "README.md", "READ.md"]);
    await mkdir(join(path, "src", "deep"), { recursive: true });
    await writeFile(join(path, "src", "deep", "untracked file.ts"), "x");

    expect(await workspace.readCheckout(path)).toEqual({
      head: (await fixture.gitOk(path, ["rev-parse", "HEAD"])).trim(),
      uncommittedChanges: [
        "R  README.md -> READ.md",
        "A  staged.txt",
        " M widget.txt",
        "?? src/deep/untracked file.ts",
      ],
    });
  });

  it("reports a merge conflict as unmerged, and HEAD as the commit checked out", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    await fixture.gitOk(path, ["checkout", "--quiet", "-b", "other"]);
    await writeFile(join(path, "widget.txt"), "theirs\n");
    await fixture.gitOk(path, ["commit", "--quiet", "-am", "theirs"]);
    await fixture.gitOk(path, ["checkout", "--quiet", "supervise/ws1"]);
    await writeFile(join(path, "widget.txt"), "ours\n");
    await fixture.gitOk(path, ["commit", "--quiet", "-am", "ours"]);
    await fixture.git(path, ["merge", "--quiet", "other"]);
    expect(await workspace.readCheckout(path)).toEqual({
      head: (await fixture.gitOk(path, ["rev-parse", "HEAD"])).trim(),
      uncommittedChanges: ["UU widget.txt"],
    });
  });

  it("finds what git status hides of the tracked files: skip-worktree, assume-unchanged, a tag at HEAD", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const hidden = async () => workspace.hiddenChanges(path, (await workspace.readCheckout(path)).head);
    expect(await hidden()).toEqual([]);

    await fixture.gitOk(path, ["update-index", "--skip-worktree", "widget.txt"]);
    await writeFile(join(path, "widget.txt"), "passes only here\n");
    await fixture.gitOk(path, ["update-index", "--assume-unchanged", "README.md"]);
    expect((await workspace.readCheckout(path)).uncommittedChanges).toEqual([]);
    expect(await hidden()).toEqual([
      "README.md (marked assume-unchanged: its changes are hidden from git status)",
      "widget.txt (marked skip-worktree: its changes are hidden from git status)",
    ]);

    await fixture.gitOk(path, ["update-index", "--no-skip-worktree", "widget.txt"]);
    await fixture.gitOk(path, ["update-index", "--no-assume-unchanged", "README.md"]);
    await fixture.gitOk(path, ["checkout", "--", "widget.txt"]);
    await fixture.gitOk(path, ["tag", "-a", "-m", "a tag", "v1"]);
    const tagObject = await fixture.gitOk(path, ["rev-parse", "v1"]);
    await writeFile(join(path, ".git", "HEAD"), `${tagObject}\n`);
    expect(await hidden()).toEqual([`HEAD (names ${tagObject.slice(0, 12)}, which is not a commit)`]);
  });

  it("does not write the worker's index (no optional locks)", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const index = join(path, ".git", "index");
    const before = (await stat(index)).mtimeMs;
    await writeFile(join(path, "widget.txt"), "changed\n");
    await writeFile(join(path, "widget.txt"), "one\n");
    await workspace.readCheckout(path);
    expect((await stat(index)).mtimeMs).toBe(before);
  });
});

describe("fetchFromCheckout and removeCheckout", () => {
  it("brings a commit into the mirror under refs/supervise/<id>, even off the branch", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    await fixture.gitOk(path, ["checkout", "--quiet", "--detach"]);
    await fixture.gitOk(path, ["commit", "--quiet", "--allow-empty", "-m", "detached work"]);
    const sha = (await workspace.readCheckout(path)).head;

    await workspace.fetchFromCheckout("ws1", sha);
    await workspace.fetchFromCheckout("ws1", sha);

    expect(
      await fixture.gitOk(workspace.mirrorPath, ["rev-parse", `refs/supervise/ws1/commits/${sha}`]),
    ).toBe(sha);
    await expect(workspace.fetchFromCheckout("ws1", "HEAD")).rejects.toThrow(
      '"HEAD" is not a full commit SHA.',
    );
  });

  it("a commit claimed by two workstreams at once belongs to exactly one: the other is told it is foreign", async () => {
    await workspace.prepare();
    const author = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const thief = await workspace.ensureCheckout({ id: "ws2", branch: "supervise/ws2" });
    await fixture.gitOk(author.path, ["commit", "--quiet", "--allow-empty", "-m", "ws1's work"]);
    const sha = (await workspace.readCheckout(author.path)).head;
    // The thief holds the same objects, as it would after reading them from the shared mirror.
    await fixture.gitOk(thief.path, ["fetch", "--quiet", author.path, sha]);

    // Which claim is taken in first depends on the machine's load; that only one owns it does not.
    const results = await Promise.all([
      workspace.fetchFromCheckout("ws1", sha),
      workspace.fetchFromCheckout("ws2", sha),
    ]);

    const owner = results[0]!.commits.length === 0 ? "ws1" : "ws2";
    const other = owner === "ws1" ? "ws2" : "ws1";
    const [ofOwner, ofOther] = owner === "ws1" ? results : [results[1]!, results[0]!];
    expect(ofOwner).toEqual({ commits: [], owners: [] });
    expect(ofOther).toEqual({ commits: [sha], owners: [owner] });
    expect(
      await fixture.gitOk(workspace.mirrorPath, ["for-each-ref", "--format=%(refname)", `refs/supervise/`]),
    ).not.toContain(`refs/supervise/${other}/commits/${sha}`);
  });

  it("removes the checkout and keeps what the mirror fetched", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    await fixture.gitOk(path, ["commit", "--quiet", "--allow-empty", "-m", "work"]);
    const sha = (await workspace.readCheckout(path)).head;
    await workspace.fetchFromCheckout("ws1", sha);

    await workspace.removeCheckout("ws1");
    await workspace.removeCheckout("ws1");

    await expect(stat(path)).rejects.toThrow(/ENOENT/);
    expect(await fixture.gitOk(workspace.mirrorPath, ["cat-file", "-t", sha])).toBe("commit");
    expect((await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" })).isNew).toBe(true);
  });
});

describe("the limits on what the supervisor takes of a worker's commit", () => {
  /** Every object file and pack of the mirror, to prove a refused fetch copied nothing. */
  async function mirrorObjects(): Promise<string> {
    return fixture.gitOk(workspace.mirrorPath, ["count-objects", "-v"]);
  }

  it("refuses to fetch a commit whose tree expands to 100,000 files, and copies nothing of it", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const bomb = await commitManyFiles(path, "HEAD", 100_000);
    const before = await mirrorObjects();

    const refused = await workspace.fetchFromCheckout("ws1", bomb).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(WorkerCommitLimitError);
    expect((refused as WorkerCommitLimitError).problem).toBe(
      "the claimed commit's tree has 100,002 files, over the 50,000 the supervisor checks out",
    );
    expect((refused as WorkerCommitLimitError).observed).toMatchObject({
      commit: bomb,
      // The commit, three trees and one blob: a few KB that expand 100,000 times.
      incoming: { objects: 5 },
      tree: { files: 100_002, isPartial: false },
      limits: { tree: { maxFiles: 50_000 } },
    });
    expect(await mirrorObjects()).toBe(before);
    expect((await fixture.git(workspace.mirrorPath, ["cat-file", "-e", bomb])).exitCode).not.toBe(0);
  });

  it("refuses a history that would copy more than the mirror takes, though each tree is small", async () => {
    const limited = new Workspace({
      stateDir: fixture.stateDir,
      userRepository: fixture.userRepository,
      base: "main",
      environment: { PATH: process.env.PATH },
      workerCommitLimits: {
        ...defaultWorkerCommitLimits,
        incoming: { maxObjects: 10, maxBytes: 2 * 1024 ** 3 },
      },
    });
    await limited.prepare();
    const { path } = await limited.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    let head = await fixture.gitOk(path, ["rev-parse", "HEAD"]);
    for (let index = 0; index < 4; index++) head = await commitLargeFile(path, head, 1000 + index);

    await expect(limited.fetchFromCheckout("ws1", head)).rejects.toThrow(
      "The supervisor refuses the commit: the claimed commit's history brings 12 objects, over the 10 the supervisor copies into its mirror.",
    );
    expect(await limited.workerCommitRefusal("ws1", head)).toMatchObject({
      observed: { incoming: { objects: 12 } },
    });
  });

  it("takes a commit within every limit", async () => {
    await workspace.prepare();
    const { path } = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
    const sha = await commitManyFiles(path, "HEAD", 2_000);
    expect(await workspace.workerCommitRefusal("ws1", sha)).toBeNull();
    await workspace.fetchFromCheckout("ws1", sha);
    expect(
      await fixture.gitOk(workspace.mirrorPath, ["rev-parse", `refs/supervise/ws1/commits/${sha}`]),
    ).toBe(sha);
  });
});
