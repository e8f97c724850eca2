/**
 * One state dir per plan file. The state root (`.supervise/` beside the plan, or the one named by
 * flag or environment) is the state dir of the first plan that ran there, as it always was; any
 * other plan keeps its runs, checkouts, mirror and forge in `<root>/plans/<file name>/`. So two
 * plans in one folder never share runs (the second would otherwise resume or report the first's),
 * and a state dir made before plans were told apart keeps working for its plan. A plan is known by
 * its absolute path, which every `run.started` event records.
 */
import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import { osErrorCode } from "../errors.ts";
import { listRuns, type RunInfo } from "./run-store.ts";

const plansFolder = "plans";

/** The state dir of the plan at `planFile` (absolute) under `root`. */
export async function planStateDirectory(root: string, planFile: string): Promise<string> {
  if (await isOwnedBy(root, planFile)) return root;
  const name = planFolderName(basename(planFile, extname(planFile)));
  const named = join(root, plansFolder, name);
  // Another folder's plan of the same file name, under a shared root: told apart by its path.
  if (await isOwnedBy(named, planFile)) return named;
  const hash = createHash("sha256").update(planFile).digest("hex").slice(0, 8);
  return join(root, plansFolder, `${name}-${hash}`);
}

/** Whether `directory` holds no plan's runs yet, or `planFile`'s. */
async function isOwnedBy(directory: string, planFile: string): Promise<boolean> {
  const owner = await ownerOf(directory);
  return owner === null || owner === planFile;
}

/** The plan whose runs `root` holds: the one its oldest run names; null while it holds none that names one. */
async function ownerOf(root: string): Promise<string | null> {
  return (await listRuns(root)).find((run) => run.plan !== undefined)?.plan ?? null;
}

/**
 * Every state dir under `root` that holds a run, each with its latest run, the root's own first:
 * for the reading commands, which pick the one the person means.
 */
export async function stateDirectoriesUnder(root: string): Promise<{ directory: string; latest: RunInfo }[]> {
  let names: string[] = [];
  try {
    names = (await readdir(join(root, plansFolder))).filter((name) => !name.startsWith("."));
  } catch (error) {
    if (osErrorCode(error) !== "ENOENT" && osErrorCode(error) !== "ENOTDIR") throw error;
  }
  const directories = [root, ...names.sort().map((name) => join(root, plansFolder, name))];
  const found = await Promise.all(
    directories.map(async (directory) => ({ directory, latest: (await listRuns(directory)).at(-1) })),
  );
  return found.flatMap(({ directory, latest }) => (latest ? [{ directory, latest }] : []));
}

/** A plan's file name as a folder name: as it is when that is safe, else made safe and told apart by a hash. */
export function planFolderName(planName: string): string {
  const safe = planName.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "");
  if (safe === planName && safe.length > 0 && safe.length <= 64) return safe;
  const hash = createHash("sha256").update(planName).digest("hex").slice(0, 8);
  return `${safe.slice(0, 48) || "plan"}-${hash}`;
}
