import { execFileSync } from "node:child_process";
import { chmod, mkdir, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type Checkout,
  createSafeGit,
  GitCommandError,
  type SafeGit,
  UnsafeGitConfigError,
  Workspace,
} from "../../src/workspace/index.ts";
import { createFixture, type Fixture } from "./repositories.ts";

let fixture: Fixture;
let workspace: Workspace;
let checkout: Checkout;
let markers: string;

beforeEach(async () => {
  fixture = await createFixture();
  workspace = new Workspace({
    stateDir: fixture.stateDir,
    userRepository: fixture.userRepository,
    base: "main",
    environment: { PATH: process.env.PATH },
  });
  await workspace.prepare();
  checkout = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
  markers = join(fixture.root, "markers");
  await mkdir(markers);
});
afterEach(() => fixture.cleanup());

/** A program a worker plants: it leaves a marker named `name`, and passes stdin through (filters). */
async function plantScript(name: string): Promise<string> {
  const script = join(fixture.root, `planted-${name}.sh`);
  await writeFile(
    script,
    `#!/bin/sh\ntouch '${join(markers, name)}'\n${name.startsWith("filter") || name === "textconv" ? 'cat "$@"' : "exit 0"}\n`,
  );
  await chmod(script, 0o755);
  return script;
}

async function plantHooks(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
  for (const hook of ["post-checkout", "pre-push", "reference-transaction", "pre-commit", "post-commit"]) {
    const script = await plantScript(`hook-${hook}`);
    await writeFile(join(folder, hook), `#!/bin/sh\nexec '${script}'\n`);
    await chmod(join(folder, hook), 0o755);
  }
}

async function markersLeft(): Promise<string[]> {
  return (await readdir(markers)).sort();
}

async function clearMarkers(): Promise<void> {
  await rm(markers, { recursive: true, force: true });
  await mkdir(markers);
}

const workerGit = (args: string[]) => fixture.gitOk(checkout.path, args);

describe("the supervisor's git in a checkout with planted config", () => {
  it("runs no filter, fsmonitor, external diff or textconv, while plain git in the same checkout does", async () => {
    await workerGit(["config", "core.fsmonitor", await plantScript("fsmonitor")]);
    await workerGit(["config", "filter.evil.clean", await plantScript("filter-clean")]);
    await workerGit(["config", "filter.evil.smudge", await plantScript("filter-smudge")]);
    await workerGit(["config", "filter.evil.required", "true"]);
    await workerGit(["config", "diff.external", await plantScript("diff-external")]);
    await workerGit(["config", "diff.evil.textconv", await plantScript("textconv")]);
    // Git takes this only from system, global or command-line config; planted, it must stay inert.
    await workerGit(["config", "uploadpack.packObjectsHook", await plantScript("pack-objects-hook")]);
    // A driver defined in an included file, so only `--includes` finds it.
    await workerGit(["config", "include.path", "../planted.cfg"]);
    await writeFile(
      join(checkout.path, "planted.cfg"),
      `[filter "sneaky"]\n\tclean = ${await plantScript("filter-sneaky")}\n`,
    );
    await writeFile(join(checkout.path, ".gitattributes"), "* filter=evil\n*.md filter=sneaky diff=evil\n");
    await writeFile(join(checkout.path, "same.txt"), "same\n");
    await writeFile(join(checkout.path, "notes.md"), "notes\n");
    await workerGit(["add", "--all"]);
    await workerGit(["commit", "--quiet", "-m", "worker's files"]);

    // Stat data that no longer matches the index makes git re-read (and so clean-filter) the file;
    // widget.txt also changes content, so there is a diff to show.
    await writeFile(join(checkout.path, "widget.txt"), "changed by the worker\n");
    await utimes(join(checkout.path, "same.txt"), new Date("2001-01-01"), new Date("2001-01-01"));
    await utimes(join(checkout.path, "notes.md"), new Date("2001-01-01"), new Date("2001-01-01"));
    await clearMarkers();

    const git = await workspace.repository(checkout.path);
    expect((await workspace.readCheckout(checkout.path)).uncommittedChanges).toEqual([" M widget.txt"]);
    const head = (await workspace.readCheckout(checkout.path)).head;
    await workspace.fetchFromCheckout("ws1", head);
    expect(await git.diff(["--stat", "HEAD"])).toContain("widget.txt | 2 +-");
    expect(await git.diff(["HEAD~1", "HEAD"])).toContain("+same");
    expect(await git.raw(["diff", "--stat", "HEAD"])).toContain("widget.txt");
    // Through raw, the external diff and textconv programs are pinned to "" and fail to start.
    await expect(git.raw(["diff", "HEAD"])).rejects.toThrow(GitCommandError);
    await expect(git.raw(["log", "-p", "-1"])).rejects.toThrow(
      "error: cannot run : No such file or directory",
    );
    await git.raw(["checkout", "HEAD", "--", "same.txt"]);
    expect(await markersLeft()).toEqual([]);

    // The same checkout, plain git as a worker runs it: the planted programs do run.
    // (The supervisor's checkout above rewrote the index, with fresh stat data for every file.)
    await utimes(join(checkout.path, "same.txt"), new Date("2002-01-01"), new Date("2002-01-01"));
    await utimes(join(checkout.path, "notes.md"), new Date("2002-01-01"), new Date("2002-01-01"));
    await workerGit(["status"]);
    await workerGit(["log", "-p", "-1"]);
    await fixture.git(checkout.path, ["diff", "HEAD"]);
    expect(await markersLeft()).toEqual([
      "diff-external",
      "filter-clean",
      "filter-smudge", // the external diff's temporary files are smudged
      "filter-sneaky",
      "fsmonitor",
      "textconv",
    ]);
  });

  it.each([
    ["in .git/hooks", async () => plantHooks(join(checkout.path, ".git", "hooks"))],
    [
      "in a folder core.hooksPath names",
      async () => {
        await plantHooks(join(fixture.root, "planted-hooks"));
        await workerGit(["config", "core.hooksPath", join(fixture.root, "planted-hooks")]);
      },
    ],
  ])("runs no hook %s, while plain git does", async (_where, plant) => {
    await plant();
    const scratchRemote = join(fixture.root, "scratch.git");
    await fixture.gitOk(fixture.root, ["init", "--quiet", "--bare", scratchRemote]);
    const git = await workspace.repository(checkout.path);

    await git.raw(["commit", "--allow-empty", "-m", "the supervisor's commit"]);
    await git.raw(["update-ref", "refs/heads/probe", "HEAD"]);
    await git.raw(["checkout", "-b", "probe-branch"]);
    await git.raw(["push", scratchRemote, "HEAD:refs/heads/probe"]);
    await workspace.readCheckout(checkout.path);
    await workspace.fetchFromCheckout("ws1", (await workspace.readCheckout(checkout.path)).head);
    expect(await markersLeft()).toEqual([]);
    expect(await workerGit(["log", "-1", "--format=%an <%ae>"])).toBe(
      "supervise <supervisor@supervise.invalid>",
    );

    await workerGit(["update-ref", "refs/heads/probe-2", "HEAD"]);
    expect(await markersLeft()).toEqual(["hook-reference-transaction"]);
  });

  it("refuses a config whose driver name it could not override", async () => {
    await workerGit(["config", "filter.a=b.clean", await plantScript("filter-clean")]);
    await expect(workspace.readCheckout(checkout.path)).rejects.toThrow(UnsafeGitConfigError);
  });
});

describe("createSafeGit", () => {
  let git: SafeGit;
  beforeEach(async () => {
    git = await createSafeGit(checkout.path, { environment: { PATH: process.env.PATH } });
  });

  it("reads no global config and never climbs out of the repository", async () => {
    await rm(join(checkout.path, ".git"), { recursive: true });
    // The checkout now sits, as a plain folder, inside the state dir; git must not look above it.
    await fixture.gitOk(fixture.stateDir, ["init", "--quiet"]);
    await expect(git.raw(["status"])).rejects.toThrow(/not a git repository/);
  });

  it("answers null for a revision that names no commit, and reports failures with git's complaint", async () => {
    expect(await git.resolveCommit("no-such-branch")).toBeNull();
    expect(await git.resolveCommit("HEAD")).toBe(checkout.baseSha);
    const error = await git.raw(["rev-parse", "--verify", "no-such-branch"]).catch((caught) => caught);
    expect(error.message.replace(checkout.path, "<checkout>")).toMatchInlineSnapshot(
      `"git rev-parse --verify no-such-branch failed in <checkout>: fatal: Needed a single revision"`,
    );
  });

  it("reads the objects a commit really holds, whatever refs/replace a worker planted", async () => {
    await writeFile(join(checkout.path, "a.test.js"), 'test("kept", () => {});\n');
    await workerGit(["add", "a.test.js"]);
    await workerGit(["commit", "-qm", "real"]);
    const real = (await workerGit(["rev-parse", "HEAD:a.test.js"])).trim();
    await writeFile(join(checkout.path, ".git", "forged.js"), 'test("forged", () => {});\n');
    const fake = (await workerGit(["hash-object", "-w", ".git/forged.js"])).trim();
    await workerGit(["replace", real, fake]);
    expect(await workerGit(["show", "HEAD:a.test.js"])).toContain("forged");
    expect(await git.raw(["show", "HEAD:a.test.js"])).toContain("kept");
  });

  it("keeps global options to itself", async () => {
    await expect(git.raw(["-c", "core.hooksPath=.", "status"])).rejects.toThrow(
      /global options are SafeGit's own/,
    );
  });

  it("refuses options that name a program or config for git to use", async () => {
    const target = join(fixture.root, "refused-clone");
    for (const args of [
      ["clone", "--template=/tmp/hooks", "--", checkout.path, target],
      ["clone", "--upload-pack=touch /tmp/x", "--", checkout.path, target],
      ["clone", "-u", "touch /tmp/x", "--", checkout.path, target],
      ["clone", "--config", "core.hooksPath=.", "--", checkout.path, target],
      ["clone", "-c", "alias.status=!touch /tmp/x", "--", checkout.path, target],
      ["clone", "-calias.status=!touch /tmp/x", "--", checkout.path, target],
      ["clone", "-qu", "touch /tmp/x", "--", checkout.path, target],
      ["fetch", "--exec=touch /tmp/x", checkout.path],
    ]) {
      await expect(git.raw(args), args.join(" ")).rejects.toThrow(/SafeGit.raw refuses the option/);
    }
    // Abbreviated long options are refused by git itself, so none of these can be spelled around.
    await expect(git.raw(["clone", "--upload-p=touch /tmp/x", "--", checkout.path, target])).rejects.toThrow(
      "fatal: disallowed abbreviated or ambiguous option 'upload-p'",
    );
    // The supervisor's own clone settings pass, and a path after `--` is never read as an option.
    await git.raw(["clone", "--quiet", "--config", "gc.auto=0", "--", checkout.path, target]);
    await expect(git.raw(["log", "--oneline", "--", "--template=x"])).resolves.toBe("");
  });
});

describe("bounds on one git command", () => {
  it("stops a git that blocks past its time, and says which limit stopped it", async () => {
    // A FIFO among a worker's files blocks git for ever: no writer ever comes.
    execFileSync("mkfifo", [join(checkout.path, "pipe")]);
    const git = await createSafeGit(checkout.path, {
      environment: { PATH: process.env.PATH },
      timeoutMs: 300,
    });
    const error = await git.raw(["hash-object", "pipe"]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as GitCommandError).message).toBe(
      `git hash-object pipe failed in ${git.directory}: stopped after 0.3 s, the longest the supervisor lets one git command run`,
    );
  });

  it("stops a git whose output passes the cap", async () => {
    await writeFile(join(checkout.path, "big.txt"), "x".repeat(10_000));
    await fixture.gitOk(checkout.path, ["add", "big.txt"]);
    await fixture.gitOk(checkout.path, ["commit", "--quiet", "-m", "big"]);
    const git = await createSafeGit(checkout.path, {
      environment: { PATH: process.env.PATH },
      maxStdoutBytes: 1000,
    });
    await expect(git.raw(["cat-file", "blob", "HEAD:big.txt"])).rejects.toThrow(
      `git cat-file blob HEAD:big.txt failed in ${git.directory}: stopped after printing 1000 bytes, the most the supervisor reads from one git command`,
    );
    // Below the cap the same command reads whole.
    const roomy = await createSafeGit(checkout.path, { environment: { PATH: process.env.PATH } });
    expect(await roomy.raw(["cat-file", "blob", "HEAD:big.txt"])).toBe("x".repeat(10_000));
  });

  it("streams a listing to a reader that stops git once it has read enough", async () => {
    const git = await createSafeGit(checkout.path, { environment: { PATH: process.env.PATH } });
    let whole = "";
    expect(
      await git.stream(["ls-tree", "-r", "-z", "HEAD"], (chunk) => {
        whole += chunk.toString();
        return true;
      }),
    ).toEqual({ isStopped: false });
    expect(whole).toBe(await git.raw(["ls-tree", "-r", "-z", "HEAD"]));
    const endless = await git.stream(["cat-file", "--batch"], () => false, { input: "HEAD\n".repeat(1000) });
    expect(endless).toEqual({ isStopped: true });
  });
});
