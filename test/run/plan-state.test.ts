import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { Journal } from "../../src/run/journal.ts";
import { planFolderName, planStateDirectory, stateDirectoriesUnder } from "../../src/run/plan-state.ts";
import { createRun } from "../../src/run/run-store.ts";

let root: string;
const clock = new ManualClock(Date.UTC(2026, 11, 4, 20, 0, 0));

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-plan-state-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A run of `planFile` in `stateDir`, as `supervise run` starts one. */
async function startRun(stateDir: string, planFile: string, id: string): Promise<void> {
  const run = await createRun(stateDir, id);
  const { journal } = await Journal.open(run.journalFile, { clock });
  await journal.append("run.started", null, {
    run: id,
    plan: planFile,
    workstreams: ["w"],
    only: null,
    concurrency: 1,
    sandbox: null,
    repo: "/repo",
  });
  await journal.close();
}

describe("planStateDirectory", () => {
  it("gives the root to the first plan, and every other plan a folder of its own under plans/", async () => {
    expect(await planStateDirectory(root, "/work/a.yaml")).toBe(root);
    await startRun(root, "/work/a.yaml", "20261204-200000-aaaa");
    expect(await planStateDirectory(root, "/work/a.yaml")).toBe(root);
    expect(await planStateDirectory(root, "/work/b.yaml")).toBe(join(root, "plans", "b"));

    await startRun(join(root, "plans", "b"), "/work/b.yaml", "20261204-200100-bbbb");
    expect(await planStateDirectory(root, "/work/b.yaml")).toBe(join(root, "plans", "b"));
    // The same file name in another folder, under a shared root: told apart by its path.
    const other = await planStateDirectory(root, "/elsewhere/b.yaml");
    expect(other).toMatch(new RegExp(`^${join(root, "plans", "b-")}[0-9a-f]{8}$`));

    expect(
      (await stateDirectoriesUnder(root)).map(({ directory, latest }) => [directory, latest.id]),
    ).toEqual([
      [root, "20261204-200000-aaaa"],
      [join(root, "plans", "b"), "20261204-200100-bbbb"],
    ]);
  });

  it("makes a folder name of any file name", () => {
    expect(planFolderName("week2")).toBe("week2");
    expect(planFolderName("week 2 / fixes")).toMatch(/^week-2-fixes-[0-9a-f]{8}$/);
    expect(planFolderName("..")).toMatch(/^plan-[0-9a-f]{8}$/);
  });
});
