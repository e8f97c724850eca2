import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { observeReviewDiff } from "../../src/evidence/review-diff.ts";
import { capPatch } from "../../src/evidence/review-patch.ts";
import { fenced } from "../../src/evidence/review-prompt.ts";
import { createSafeGit } from "../../src/workspace/safe-git.ts";
import { createReviewRepository, type ReviewRepository } from "./review-gate-repository.ts";

const filePatch = (path: string, lines: string[]) =>
  `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((line) => `+${line}\n`).join("")}`;

describe("capPatch", () => {
  it("keeps a patch within the limit whole", () => {
    const patch = filePatch("a.js", ["one"]);
    expect(capPatch(patch, 10_000)).toEqual({
      patch,
      totalBytes: patch.length,
      shownBytes: patch.length,
      cutFiles: [],
      omittedFiles: [],
    });
  });

  it("keeps whole files while they fit, cuts the next at a line, and leaves out the rest", () => {
    const first = filePatch("a.js", ["one"]);
    const second = filePatch("b c.js", ["é".repeat(20), "two", "three"]);
    const third = filePatch("d.js", ["four"]);
    const secondHead = second.slice(0, second.indexOf("+two"));
    const limit = Buffer.byteLength(first + secondHead) + 2;
    const capped = capPatch(first + second + third, limit);
    expect(capped).toEqual({
      patch: first + secondHead,
      totalBytes: Buffer.byteLength(first + second + third),
      shownBytes: Buffer.byteLength(first + secondHead),
      cutFiles: ["b c.js"],
      omittedFiles: ["d.js"],
    });
  });

  it("names a renamed file by its new path", () => {
    const rename =
      "diff --git a/old.js b/new.js\nsimilarity index 90%\nrename from old.js\nrename to new.js\n";
    expect(capPatch(filePatch("a.js", ["x".repeat(100)]) + rename, 10).omittedFiles).toEqual([
      "a.js",
      "new.js",
    ]);
  });
});

describe("fenced", () => {
  it("uses a fence one backtick longer than any run in the text", () => {
    expect(fenced("plain", "text")).toBe("```text\nplain\n```");
    expect(fenced("a ```` b\n", "diff")).toBe("`````diff\na ```` b\n`````");
    expect(fenced("", "diff")).toBe("```diff\n```");
  });
});

describe("observeReviewDiff on a real repository", () => {
  let repository: ReviewRepository;
  beforeEach(async () => {
    repository = await createReviewRepository();
  });
  afterEach(() => repository.cleanup());

  it("lists renames and binary files and ignores a worker's diff config", async () => {
    await repository.git(["mv", "src/sum.js", "src/add.js"]);
    await repository.write({ "logo.bin": "\u0000\u0001binary" });
    // A worker's config that would hide or reshape the patch if the supervisor's git honoured it.
    await repository.git(["config", "diff.noprefix", "true"]);
    await repository.git(["config", "diff.relative", "true"]);
    await repository.git(["config", "diff.context", "0"]);
    const head = await repository.commit("rename");
    const git = await createSafeGit(repository.path, { environment: repository.environment });
    const diff = await observeReviewDiff(git, {
      baseSha: repository.baseSha,
      commit: head,
      limitBytes: 10_000,
    });
    expect(diff.files).toEqual([
      { path: "logo.bin", previousPath: null, status: "added", addedLines: null, removedLines: null },
      { path: "src/add.js", previousPath: "src/sum.js", status: "renamed", addedLines: 0, removedLines: 0 },
    ]);
    expect(diff.patch).toContain("diff --git a/logo.bin b/logo.bin\n");
    expect(diff.patch).toContain("Binary files /dev/null and b/logo.bin differ");
    expect(diff.patch).toContain("rename from src/sum.js\nrename to src/add.js\n");
    expect(diff.baseSha).toBe(repository.baseSha);
  });

  it("reads a big change only until the limit and names every file it did not show", async () => {
    const files: Record<string, string> = {};
    for (let index = 0; index < 40; index++) {
      files[`vendor/lib-${String(index).padStart(2, "0")}.js`] = `// ${"x".repeat(60)}\n`.repeat(16);
    }
    await repository.write(files);
    const head = await repository.commit("vendor a library");
    const git = await createSafeGit(repository.path, { environment: repository.environment });
    const diff = await observeReviewDiff(git, {
      baseSha: repository.baseSha,
      commit: head,
      limitBytes: 3_000,
    });
    expect(diff.files).toHaveLength(40);
    expect(diff.shownBytes).toBeLessThanOrEqual(3_000);
    const shownWhole = ["vendor/lib-00.js", "vendor/lib-01.js"];
    expect(diff.cutFiles).toEqual(["vendor/lib-02.js"]);
    expect(diff.omittedFiles).toEqual(
      Object.keys(files).filter((path) => !shownWhole.includes(path) && path !== "vendor/lib-02.js"),
    );
    for (const path of shownWhole) expect(diff.patch).toContain(`diff --git a/${path} b/${path}\n`);
    expect(diff.oversizedFiles).toEqual([]);
  });

  it("shows an empty change as empty", async () => {
    const git = await createSafeGit(repository.path, { environment: repository.environment });
    const diff = await observeReviewDiff(git, {
      baseSha: repository.baseSha,
      commit: repository.baseSha,
      limitBytes: 10_000,
    });
    expect(diff).toEqual({
      baseSha: repository.baseSha,
      requestedBase: repository.baseSha,
      commit: repository.baseSha,
      files: [],
      patch: "",
      shownBytes: 0,
      cutFiles: [],
      omittedFiles: [],
      oversizedFiles: [],
    });
  });
});
