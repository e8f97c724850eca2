import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createSafeGit,
  defaultTreeLimits,
  emptyTreeSize,
  incomingLimitProblem,
  measureIncoming,
  measureTree,
  type SafeGit,
  type TreeSize,
  treeLimitProblem,
  treeLimitsAbove,
} from "../../src/workspace/index.ts";
import { createTreeListing } from "../../src/workspace/tree-size.ts";
import { createFixture, type Fixture } from "./repositories.ts";
import { commitLargeFile, commitLongName, commitManyFiles } from "./tree-bombs.ts";

const check = { subject: "the claimed commit's tree", action: "the supervisor checks out" };
const size = (figures: Partial<TreeSize>): TreeSize => ({ ...emptyTreeSize, ...figures });

describe("treeLimitProblem", () => {
  it("passes a tree within every limit, at the limits themselves", () => {
    const atLimits = size({
      files: 50_000,
      bytes: 2 * 1024 ** 3,
      largestBlob: { path: "a.bin", bytes: 100 * 1024 ** 2 },
      deepestPath: { path: "a/b", depth: 64 },
      longestPath: { path: "a/b", bytes: 4096 },
    });
    expect(treeLimitProblem(atLimits, { ...check, limits: defaultTreeLimits })).toBeNull();
  });

  it("names every limit passed with the figure measured", () => {
    const bomb = size({
      files: 100_000,
      bytes: 3 * 1024 ** 3,
      largestBlob: { path: "vendor/blob.bin", bytes: 150 * 1024 ** 2 },
      deepestPath: { path: "x/y", depth: 65 },
      longestPath: { path: "x/y", bytes: 5000 },
    });
    expect(treeLimitProblem(bomb, { ...check, limits: defaultTreeLimits })).toBe(
      "the claimed commit's tree has 100,000 files, over the 50,000 the supervisor checks out; " +
        "it holds 3 GiB of files, over the 2 GiB the supervisor checks out; " +
        "it has a file of 150 MiB (vendor/blob.bin), over the 100 MiB the supervisor checks out per file; " +
        "it has a path 65 levels deep (x/y), over the 64 the supervisor checks out; " +
        "it has a path of 4.9 KiB (x/y), over the 4 KiB the supervisor checks out",
    );
  });

  it("says 'more than' when counting stopped, and shows a worker's path printable and cut", () => {
    const partial = size({
      files: 200_000,
      isPartial: true,
      deepestPath: { path: `\u001b[2J${"a/".repeat(100)}leaf`, depth: 101 },
    });
    expect(treeLimitProblem(partial, { ...check, limits: defaultTreeLimits })).toBe(
      "the claimed commit's tree has more than 200,000 files, over the 50,000 the supervisor checks out; " +
        `it has a path 101 levels deep (\\u001b[2J${"a/".repeat(18)}…${"/a".repeat(17)}/leaf), over the 64 the supervisor checks out`,
    );
  });

  it("grows each limit with the base, so a large project is never refused for being itself", () => {
    const base = size({
      files: 30_000,
      bytes: 1024 ** 3,
      largestBlob: { path: "model.bin", bytes: 10 * 1024 ** 2 },
      deepestPath: { path: "x", depth: 20 },
      longestPath: { path: "x", bytes: 300 },
    });
    expect(treeLimitsAbove(base)).toEqual({
      maxFiles: 120_000,
      maxBytes: 4 * 1024 ** 3,
      maxBlobBytes: 100 * 1024 ** 2,
      maxPathDepth: 80,
      maxPathBytes: 4096,
    });
    expect(treeLimitsAbove(emptyTreeSize)).toEqual(defaultTreeLimits);
  });
});

describe("createTreeListing", () => {
  it("reads records split anywhere between chunks, and stops past the ceiling", () => {
    const output = Buffer.from(
      [
        "100644 blob aa\tone",
        "100644 blob aa\tdir/two",
        "160000 commit cc\tsub/module",
        "100644 blob bb\td/e/f",
      ]
        .map((record) => `${record}\0`)
        .join(""),
    );
    const listing = createTreeListing(10);
    for (const byte of output) expect(listing.read(Buffer.from([byte]))).toBe(true);
    expect(listing.files).toBe(4);
    expect([...listing.blobs]).toEqual([
      ["aa", { count: 2, path: "one" }],
      ["bb", { count: 1, path: "d/e/f" }],
    ]);
    expect(listing.deepestPath).toEqual({ path: "d/e/f", depth: 3 });
    expect(listing.longestPath).toEqual({ path: "sub/module", bytes: 10 });

    const capped = createTreeListing(2);
    expect(capped.read(output)).toBe(false);
    expect({ files: capped.files, isPartial: capped.isPartial }).toEqual({ files: 2, isPartial: true });

    // A name of a megabyte is never kept whole: the listing stops once a record passes 64 KiB.
    const endless = createTreeListing(10);
    expect(endless.read(Buffer.from(`100644 blob aa\t${"n".repeat(32 * 1024)}`))).toBe(true);
    expect(endless.read(Buffer.from("n".repeat(64 * 1024)))).toBe(false);
    expect(endless.longestPath?.bytes).toBe(64 * 1024);
    expect(endless.isPartial).toBe(true);
  });
});

describe("measuring a worker's commit", () => {
  let fixture: Fixture;
  let git: SafeGit;
  beforeEach(async () => {
    fixture = await createFixture();
    git = await createSafeGit(fixture.userRepository, { environment: { PATH: process.env.PATH } });
  });
  afterEach(() => fixture.cleanup());

  it("measures a commit's tree as a checkout would write it", async () => {
    await writeFile(join(fixture.userRepository, "copy.txt"), "one\n");
    await fixture.gitOk(fixture.userRepository, ["add", "copy.txt"]);
    await fixture.gitOk(fixture.userRepository, ["commit", "--quiet", "-m", "copy"], { asUser: true });
    expect(await measureTree(git, "HEAD", { stopAfterFiles: 100 })).toEqual({
      files: 3,
      // README.md (9 bytes), and widget.txt and copy.txt: one 4-byte blob at two paths, written twice.
      bytes: 17,
      largestBlob: { path: "README.md", bytes: 9 },
      deepestPath: { path: "README.md", depth: 1 },
      longestPath: { path: "widget.txt", bytes: 10 },
      isPartial: false,
    });
  });

  it("stops counting 100,000 files at the ceiling, and sizes a large file without reading it", async () => {
    const head = await fixture.gitOk(fixture.userRepository, ["rev-parse", "HEAD"]);
    const bomb = await commitManyFiles(fixture.userRepository, head, 100_000);
    expect(await measureTree(git, bomb, { stopAfterFiles: 60_000 })).toMatchObject({
      files: 60_000,
      isPartial: true,
    });
    const large = await commitLargeFile(fixture.userRepository, head, 3 * 1024 ** 2);
    expect((await measureTree(git, large, { stopAfterFiles: 100 })).largestBlob).toEqual({
      path: "large.bin",
      bytes: 3 * 1024 ** 2,
    });
  });

  it("stops reading a name longer than any path a file system writes", async () => {
    const head = await fixture.gitOk(fixture.userRepository, ["rev-parse", "HEAD"]);
    const long = await commitLongName(fixture.userRepository, head, 1024 * 1024);
    const size = await measureTree(git, long, { stopAfterFiles: 100 });
    expect(treeLimitProblem(size, { ...check, limits: defaultTreeLimits })).toBe(
      `the claimed commit's tree has a path of more than 64 KiB (${"n".repeat(40)}…${"n".repeat(39)}), over the 4 KiB the supervisor checks out`,
    );
  });

  it("counts the objects a history brings that the known refs do not have", async () => {
    const base = await fixture.gitOk(fixture.userRepository, ["rev-parse", "HEAD"]);
    const large = await commitLargeFile(fixture.userRepository, base, 3 * 1024 ** 2);
    const incoming = await measureIncoming(git, large, [base]);
    // The commit, its root tree and the blob.
    expect(incoming.objects).toBe(3);
    expect(incoming.bytes).toBeGreaterThan(0);
    expect(incoming.bytes).toBeLessThan(64 * 1024);
    expect(await measureIncoming(git, large, [large])).toEqual({ objects: 0, bytes: 0 });
    expect(incomingLimitProblem(incoming, { maxObjects: 3, maxBytes: 1024 ** 2 })).toBeNull();
    expect(
      incomingLimitProblem(
        { objects: 600_000, bytes: 3 * 1024 ** 3 },
        { maxObjects: 500_000, maxBytes: 2 * 1024 ** 3 },
      ),
    ).toBe(
      "the claimed commit's history brings 600,000 objects, over the 500,000 and 3 GiB as stored, over the 2 GiB the supervisor copies into its mirror",
    );
  });
});
