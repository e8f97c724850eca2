/**
 * Finds the state dir the way `run` does, for every command that reads it. The state root (flag,
 * SUPERVISE_STATE_DIR, or `.supervise/` beside the plan) holds one state dir per plan (see
 * run/plan-state.ts): the root for the first plan that ran there, `plans/<file name>/` for the others.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { StateError } from "../errors.ts";
import { planStateDirectory, stateDirectoriesUnder } from "../run/index.ts";

export const defaultStateDirectoryName = ".supervise";

export interface StateLocationInput {
  stateDirFlag: string | undefined;
  planFlag: string | undefined;
  environmentStateDir: string | undefined;
  cwd: string;
}

/** The state root for a plan: the flag, then SUPERVISE_STATE_DIR, then `.supervise/` beside the plan. */
export function stateRootForPlan(planFile: string, input: Omit<StateLocationInput, "planFlag">): string {
  if (input.stateDirFlag) return resolve(input.cwd, input.stateDirFlag);
  if (input.environmentStateDir) return resolve(input.cwd, input.environmentStateDir);
  return join(dirname(resolve(input.cwd, planFile)), defaultStateDirectoryName);
}

/** The state dir of the plan at `planFile` under its state root. */
export function stateDirectoryForPlan(
  planFile: string,
  input: Omit<StateLocationInput, "planFlag">,
): Promise<string> {
  return planStateDirectory(stateRootForPlan(planFile, input), resolve(input.cwd, planFile));
}

/**
 * For the reading commands: the plan's state dir with --plan; otherwise, under the root named by
 * flag or environment or the nearest `.supervise/` from the cwd upwards, the state dir of the plan
 * whose latest run started last (the run a person most likely asks about).
 */
export async function findStateDirectory(input: StateLocationInput): Promise<string> {
  if (input.planFlag) {
    const directory = await stateDirectoryForPlan(input.planFlag, input);
    requireDirectory(directory);
    return directory;
  }
  if (input.stateDirFlag || input.environmentStateDir) {
    const root = resolve(input.cwd, (input.stateDirFlag ?? input.environmentStateDir)!);
    requireDirectory(root);
    return (await mostRecentUnder(root)) ?? root;
  }
  let current = resolve(input.cwd);
  for (;;) {
    const candidate = join(current, defaultStateDirectoryName);
    if (isDirectory(candidate)) {
      const found = await mostRecentUnder(candidate);
      if (found !== null) return found;
    }
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  throw new StateError(`No supervise state found in ${input.cwd} or its parents.`, {
    hint: "Run this beside the plan, or name the state with --state-dir DIR or --plan PLAN.",
  });
}

async function mostRecentUnder(root: string): Promise<string | null> {
  const found = await stateDirectoriesUnder(root);
  let best: (typeof found)[number] | undefined;
  for (const entry of found) {
    if (best === undefined || (entry.latest.startedAt ?? "") > (best.latest.startedAt ?? "")) best = entry;
  }
  return best?.directory ?? null;
}

function requireDirectory(directory: string): void {
  if (!isDirectory(directory)) {
    throw new StateError(`No supervise state at ${directory}.`, {
      hint: "Run a plan first (`supervise PLAN`), or point at its state with --state-dir or --plan.",
    });
  }
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
