import { execFileSync } from "node:child_process";
import { chmod, mkdir, readdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { type Checkout, createSafeGit, type SafeGit, Workspace } from "../../src/workspace/index.ts";
import { createFixture, type Fixture } from "./repositories.ts";

let fixture: Fixture;
let checkout: Checkout;
let gitLog: string;
let countingPath: string;
let markers: string;

/** Long after any file in the fixture was written: the racy-timestamp rule never holds a listing back. */
const later = new ManualClock(Date.now() + 3_600_000);

beforeEach(async () => {
  fixture = await createFixture();
  const workspace = new Workspace({
    stateDir: fixture.stateDir,
    userRepository: fixture.userRepository,
    base: "main",
    environment: { PATH: process.env.PATH },
  });
  await workspace.prepare();
  checkout = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
  // A `git` first on the supervisor's PATH that logs each call and runs the real one.
  const bin = join(fixture.root, "counting-bin");
  gitLog = join(fixture.root, "git-calls.log");
  await mkdir(bin);
  const realGit = execFileSync("sh", ["-c", "command -v git"], { encoding: "utf8" }).trim();
  await writeFile(join(bin, "git"), `#!/bin/sh\necho "$*" >> '${gitLog}'\nexec '${realGit}' "$@"\n`);
  await chmod(join(bin, "git"), 0o755);
  await writeFile(gitLog, "");
  countingPath = `${bin}:${process.env.PATH}`;
  markers = join(fixture.root, "markers");
  await mkdir(markers);
});
afterEach(() => fixture.cleanup());

const safeGit = (clock = later) =>
  createSafeGit(checkout.path, { environment: { PATH: countingPath }, clock });

async function listings(): Promise<number> {
  const calls = (await readFile(gitLog, "utf8")).split("\n");
  // After the hardening every supervisor git command starts with (run-git.ts).
  return calls.filter((call) => call.includes(" config --list ")).length;
}

const workerGit = (args: string[]) => fixture.gitOk(checkout.path, args);

async function plantFilter(name: string): Promise<void> {
  const script = join(fixture.root, `filter-${name}.sh`);
  await writeFile(script, `#!/bin/sh\ntouch '${join(markers, name)}'\ncat\n`);
  await chmod(script, 0o755);
  await workerGit(["config", `filter.${name}.clean`, script]);
  await writeFile(join(checkout.path, ".gitattributes"), `* filter=${name}\n`);
}

/** A changed file whose stat no longer matches the index, so status re-reads it through any clean filter. */
async function touchTrackedFile(): Promise<void> {
  await writeFile(join(checkout.path, "widget.txt"), `changed ${Math.random()}\n`);
}

describe("the config listing before each supervisor git command", () => {
  it("is read once while the config stays as it was", async () => {
    const git = await safeGit();
    await git.state();
    await git.resolveCommit("HEAD");
    await git.state();
    expect(await listings()).toBe(1);
  });

  it("is read again for every command while the config is too new to trust its timestamps", async () => {
    const config = join(checkout.path, ".git", "config");
    await writeFile(config, await readFile(config, "utf8"));
    const git = await safeGit(new ManualClock(Date.now()));
    await git.state();
    await git.state();
    expect(await listings()).toBe(2);
  });

  it("sees a filter a worker adds after a kept listing, and runs none", async () => {
    const git = await safeGit();
    await git.state();
    await plantFilter("added");
    await touchTrackedFile();
    expect((await git.state()).changes).toContain(" M widget.txt");
    expect(await listings()).toBe(2);
    expect(await readdir(markers)).toEqual([]);
  });

  it("sees a config rewritten in place at the same size, its modification time put back", async () => {
    await plantFilter("abcd");
    const config = join(checkout.path, ".git", "config");
    // Whole seconds, so that the time can be put back exactly.
    const written = new Date("2026-01-01T00:00:00Z");
    await utimes(config, written, written);
    const git = await safeGit();
    await git.state();
    const text = await readFile(config, "utf8");
    // Same length, other driver: the planted filter is renamed, and only its new name matches.
    // Only the change time, which nobody but the kernel sets, still tells the two files apart.
    await writeFile(config, text.replace('[filter "abcd"]', '[filter "wxyz"]'));
    await utimes(config, written, written);
    await writeFile(join(checkout.path, ".gitattributes"), "* filter=wxyz\n");
    await touchTrackedFile();
    await git.state();
    expect(await listings()).toBe(2);
    expect(await readdir(markers)).toEqual([]);
  });

  it("is never kept for a config that includes other files", async () => {
    await workerGit(["config", "include.path", "../included.cfg"]);
    await writeFile(join(checkout.path, "included.cfg"), "");
    const git: SafeGit = await safeGit();
    await git.state();
    const script = join(fixture.root, "filter-included.sh");
    await writeFile(script, `#!/bin/sh\ntouch '${join(markers, "included")}'\ncat\n`);
    await chmod(script, 0o755);
    await writeFile(join(checkout.path, "included.cfg"), `[filter "included"]\n\tclean = ${script}\n`);
    await writeFile(join(checkout.path, ".gitattributes"), "* filter=included\n");
    await touchTrackedFile();
    await git.state();
    expect(await listings()).toBe(2);
    expect(await readdir(markers)).toEqual([]);
  });

  it("is not asked for at all in a folder with no repository config", async () => {
    const folder = join(fixture.root, "plain-folder");
    await mkdir(folder);
    const git = await createSafeGit(folder, { environment: { PATH: countingPath }, clock: later });
    await git.raw(["clone", "--quiet", "--no-checkout", "--", checkout.path, join(folder, "clone")]);
    expect(await listings()).toBe(0);
    // Once a config appears, it is listed (and its drivers disarmed) like any other.
    await fixture.gitOk(folder, ["init", "--quiet"]);
    await git.raw(["status", "--porcelain"]);
    expect(await listings()).toBe(1);
  });

  it("is never kept when the git directory points to another one (commondir)", async () => {
    await writeFile(join(checkout.path, ".git", "commondir"), ".");
    const git = await safeGit();
    await git.state();
    await git.state();
    expect(await listings()).toBe(2);
  });
});
