/** Finds the state dir the way `run` does, for every command that reads it. */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { StateError } from "../errors.ts";

export const defaultStateDirectoryName = ".supervise";

export interface StateLocationInput {
  stateDirFlag: string | undefined;
  planFlag: string | undefined;
  environmentStateDir: string | undefined;
  cwd: string;
}

/** For `run`: the flag, then SUPERVISE_STATE_DIR, then `.supervise/` beside the plan. */
export function stateDirectoryForPlan(planFile: string, input: Omit<StateLocationInput, "planFlag">): string {
  if (input.stateDirFlag) return resolve(input.cwd, input.stateDirFlag);
  if (input.environmentStateDir) return resolve(input.cwd, input.environmentStateDir);
  return join(dirname(resolve(input.cwd, planFile)), defaultStateDirectoryName);
}

/** For the reading commands: as `run` would, or the nearest `.supervise/` from the cwd upwards. */
export function findStateDirectory(input: StateLocationInput): string {
  if (input.stateDirFlag || input.environmentStateDir || input.planFlag) {
    const directory = input.planFlag
      ? stateDirectoryForPlan(input.planFlag, input)
      : resolve(input.cwd, (input.stateDirFlag ?? input.environmentStateDir)!);
    if (!isDirectory(directory)) {
      throw new StateError(`No supervise state at ${directory}.`, {
        hint: "Run a plan first (`supervise PLAN`), or point at its state with --state-dir or --plan.",
      });
    }
    return directory;
  }
  let current = resolve(input.cwd);
  for (;;) {
    const candidate = join(current, defaultStateDirectoryName);
    if (isDirectory(join(candidate, "runs"))) return candidate;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  throw new StateError(`No supervise state found in ${input.cwd} or its parents.`, {
    hint: "Run this beside the plan, or name the state with --state-dir DIR or --plan PLAN.",
  });
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}
