import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callWorkerTool } from "../../src/agent/tools/tool-registry.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

let root: string;
let checkout: string;
let outside: string;
let services: FakeWorkerServices;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-file-tools-"));
  checkout = join(root, "checkout");
  outside = join(root, "outside");
  await mkdir(join(checkout, "src"), { recursive: true });
  await mkdir(join(checkout, ".git"));
  await mkdir(outside);
  await writeFile(join(checkout, "src", "app.ts"), "export const answer = 41;\n");
  await writeFile(join(outside, "secret.txt"), "not for workers\n");
  services = new FakeWorkerServices(checkout);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("read_file", () => {
  it("reads a file inside the checkout", async () => {
    expect(await callWorkerTool("read_file", { path: "src/app.ts" }, services)).toEqual({
      isError: false,
      text: "export const answer = 41;\n",
    });
  });

  it("refuses a path that climbs out with ..", async () => {
    const result = await callWorkerTool("read_file", { path: "../outside/secret.txt" }, services);
    expect(result).toEqual({
      isError: true,
      text: '"../outside/secret.txt" climbs out of the checkout with "..". File tools take a path relative to the checkout root, e.g. "src/index.ts", inside the checkout.',
    });
  });

  it("refuses an absolute path, even an existing one", async () => {
    const result = await callWorkerTool("read_file", { path: "/etc/passwd" }, services);
    expect(result).toEqual({
      isError: true,
      text: '"/etc/passwd" is an absolute path. File tools take a path relative to the checkout root, e.g. "src/index.ts"; nothing outside the checkout is reachable.',
    });
  });

  it("refuses a symlink that leads outside, as a file and as a folder on the way", async () => {
    await symlink(join(outside, "secret.txt"), join(checkout, "link.txt"));
    await symlink(tmpdir(), join(checkout, "tmp"));
    const viaFile = await callWorkerTool("read_file", { path: "link.txt" }, services);
    expect(viaFile.isError).toBe(true);
    expect(viaFile.text).toMatch(
      /^"link\.txt" resolves through a symlink to .*secret\.txt, outside the checkout\./,
    );
    const viaFolder = await callWorkerTool("read_file", { path: "tmp/anything.txt" }, services);
    expect(viaFolder.isError).toBe(true);
    expect(viaFolder.text).toContain("outside the checkout");
  });

  it("follows a symlink that stays inside the checkout", async () => {
    await symlink(join(checkout, "src"), join(checkout, "source"));
    expect(await callWorkerTool("read_file", { path: "source/app.ts" }, services)).toEqual({
      isError: false,
      text: "export const answer = 41;\n",
    });
  });

  it("says how to find a missing file, and how to list a directory", async () => {
    expect(await callWorkerTool("read_file", { path: "src/missing.ts" }, services)).toEqual({
      isError: true,
      text: '"src/missing.ts" does not exist in the checkout. Find files with bash, e.g. `git ls-files | grep NAME`.',
    });
    expect(await callWorkerTool("read_file", { path: "src" }, services)).toEqual({
      isError: true,
      text: '"src" is a directory. List it with bash, e.g. `ls src`.',
    });
  });

  it("refuses a FIFO at once instead of waiting for a writer", async () => {
    execFileSync("mkfifo", [join(checkout, "pipe")]);
    expect(await callWorkerTool("read_file", { path: "pipe" }, services)).toEqual({
      isError: true,
      text: '"pipe" is not a regular file (a device, socket or pipe); file tools read files.',
    });
  });

  it("refuses binary and oversized files with a way to read them in parts", async () => {
    await writeFile(join(checkout, "image.bin"), Buffer.from([0x89, 0x50, 0x00, 0x01]));
    await writeFile(join(checkout, "big.log"), "x".repeat(200 * 1024));
    expect((await callWorkerTool("read_file", { path: "image.bin" }, services)).text).toContain(
      "binary file",
    );
    const big = await callWorkerTool("read_file", { path: "big.log" }, services);
    expect(big).toEqual({
      isError: true,
      text: "\"big.log\" is 204800 bytes, more than read_file returns (102400). Read parts of it with bash, e.g. `sed -n '1,200p' big.log` or `grep -n PATTERN big.log`.",
    });
  });
});

describe("write_file", () => {
  it("writes a file, creating its folders", async () => {
    const result = await callWorkerTool(
      "write_file",
      { path: "docs/new/notes.md", content: "# Notes\n" },
      services,
    );
    expect(result).toEqual({ isError: false, text: "Wrote 8 bytes to docs/new/notes.md." });
    expect(await readFile(join(checkout, "docs", "new", "notes.md"), "utf8")).toBe("# Notes\n");
  });

  it("refuses to write through a symlink to /tmp, and leaves the outside untouched", async () => {
    await symlink(outside, join(checkout, "escape"));
    const result = await callWorkerTool(
      "write_file",
      { path: "escape/secret.txt", content: "owned" },
      services,
    );
    expect(result.isError).toBe(true);
    expect(result.text).toContain("outside the checkout");
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("not for workers\n");
  });

  it("refuses a dangling symlink, whose target writing would create", async () => {
    await symlink(join(outside, "created-by-worker.txt"), join(checkout, "dangling"));
    await symlink("src/not-yet.ts", join(checkout, "dangling-inside"));
    const result = await callWorkerTool("write_file", { path: "dangling", content: "x" }, services);
    expect(result.text).toMatch(
      /^"dangling" resolves through a symlink to .*created-by-worker\.txt, outside the checkout\./,
    );
    expect(await callWorkerTool("write_file", { path: "dangling-inside", content: "x" }, services)).toEqual({
      isError: true,
      text: '"dangling-inside" goes through a symlink whose target does not exist; file tools do not follow it. Use a path relative to the checkout root, e.g. "src/index.ts".',
    });
    expect(existsSync(join(outside, "created-by-worker.txt"))).toBe(false);
  });

  it("writes through a relative symlink that stays inside, and refuses one that climbs out", async () => {
    await symlink("../src", join(checkout, "docs-link"));
    await mkdir(join(checkout, "nested"));
    await symlink("../../outside", join(checkout, "nested", "up"));
    expect(
      await callWorkerTool("write_file", { path: "nested/up/secret.txt", content: "owned" }, services),
    ).toEqual({
      isError: true,
      text: `"nested/up/secret.txt" resolves through a symlink to ${join(checkout, "..", "outside")}, outside the checkout. File tools reach only files inside the checkout.`,
    });
    await mkdir(join(checkout, "sub"));
    await symlink("../src/app.ts", join(checkout, "sub", "app-link.ts"));
    expect(await callWorkerTool("write_file", { path: "sub/app-link.ts", content: "x\n" }, services)).toEqual(
      {
        isError: false,
        text: "Wrote 2 bytes to src/app.ts.",
      },
    );
    expect(await readFile(join(outside, "secret.txt"), "utf8")).toBe("not for workers\n");
  });

  it("refuses ../ and absolute paths", async () => {
    expect((await callWorkerTool("write_file", { path: "../x", content: "x" }, services)).isError).toBe(true);
    expect((await callWorkerTool("write_file", { path: "/tmp/x", content: "x" }, services)).isError).toBe(
      true,
    );
  });

  it("refuses to write inside .git", async () => {
    expect(
      await callWorkerTool("write_file", { path: ".git/hooks/pre-commit", content: "x" }, services),
    ).toEqual({
      isError: true,
      text: '".git/hooks/pre-commit" is inside .git; file tools do not write there. Change history with git commands through the bash tool.',
    });
  });

  it("says what is wrong with an input that does not match the schema", async () => {
    const result = await callWorkerTool("write_file", { path: "a.txt" }, services);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^Invalid input for write_file: content: /);
  });
});

describe("edit_file", () => {
  it("replaces the one occurrence of old_string", async () => {
    const result = await callWorkerTool(
      "edit_file",
      { path: "src/app.ts", old_string: "41", new_string: "42" },
      services,
    );
    expect(result).toEqual({ isError: false, text: "Replaced 1 occurrence in src/app.ts." });
    expect(await readFile(join(checkout, "src", "app.ts"), "utf8")).toBe("export const answer = 42;\n");
  });

  it("refuses when old_string does not occur, and changes nothing", async () => {
    const result = await callWorkerTool(
      "edit_file",
      { path: "src/app.ts", old_string: "answer = 40", new_string: "answer = 42" },
      services,
    );
    expect(result).toEqual({
      isError: true,
      text: "old_string does not occur in src/app.ts. It must match the file exactly, whitespace and indentation included: read_file the file and copy the text from it.",
    });
  });

  it("refuses when old_string occurs more than once, and says how many times", async () => {
    await writeFile(join(checkout, "src", "twice.ts"), "let a = 1;\nlet b = 1;\n");
    const result = await callWorkerTool(
      "edit_file",
      { path: "src/twice.ts", old_string: " = 1;", new_string: " = 2;" },
      services,
    );
    expect(result).toEqual({
      isError: true,
      text: "old_string occurs 2 times in src/twice.ts; it must occur exactly once. Include more of the surrounding lines so it is unique, or make one edit per occurrence.",
    });
    expect(await readFile(join(checkout, "src", "twice.ts"), "utf8")).toBe("let a = 1;\nlet b = 1;\n");
  });

  it("points a missing file at write_file", async () => {
    const result = await callWorkerTool(
      "edit_file",
      { path: "new.ts", old_string: "a", new_string: "b" },
      services,
    );
    expect(result.text).toContain("To create a file, use write_file.");
  });
});
