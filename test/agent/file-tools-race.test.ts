import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { callWorkerTool } from "../../src/agent/tools/tool-registry.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

// A worker that races its own file tools: a process swaps a folder of the checkout for a symlink
// to a folder outside, and back, as fast as it can, while the tools read and write through it.
const swapper = `
const fs = require("node:fs");
const [folder, outside, rounds] = process.argv.slice(1);
for (let round = 0; round < Number(rounds); round++) {
  try {
    fs.renameSync(folder, folder + ".real");
    fs.symlinkSync(outside, folder);
    fs.unlinkSync(folder);
    fs.renameSync(folder + ".real", folder);
  } catch {}
}
`;

let root: string;
let checkout: string;
let outside: string;
let services: FakeWorkerServices;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-file-race-"));
  checkout = join(root, "checkout");
  outside = join(root, "home", ".ssh");
  await mkdir(join(checkout, "notes"), { recursive: true });
  await mkdir(outside, { recursive: true });
  await writeFile(join(checkout, "notes", "id_ed25519"), "inside\n");
  await writeFile(join(outside, "id_ed25519"), "PRIVATE KEY\n");
  services = new FakeWorkerServices(checkout);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function startSwapping(rounds: number): Promise<void> {
  const child = spawn(process.execPath, ["-e", swapper, join(checkout, "notes"), outside, String(rounds)], {
    stdio: "ignore",
  });
  return new Promise((resolve) => child.on("exit", () => resolve()));
}

describe("file tools against a worker that swaps a folder for a symlink", () => {
  it("never read or write a file outside the checkout, however the swaps fall", async () => {
    const swapping = startSwapping(200_000);
    const texts = new Set<string>();
    for (let call = 0; call < 400; call++) {
      texts.add((await callWorkerTool("read_file", { path: "notes/id_ed25519" }, services)).text);
      await callWorkerTool("write_file", { path: "notes/id_ed25519", content: "written\n" }, services);
      await callWorkerTool(
        "edit_file",
        { path: "notes/id_ed25519", old_string: "written", new_string: "edited" },
        services,
      );
    }
    await swapping;
    expect([...texts].filter((text) => text.includes("PRIVATE KEY"))).toEqual([]);
    expect(await readFile(join(outside, "id_ed25519"), "utf8")).toBe("PRIVATE KEY\n");
  });
});
