/**
 * Reading a plan file end to end: parse → schema → rules → resolve → repository check, with every
 * problem of every stage reported at once in one PlanError.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { PlanError, type PlanProblem, SuperviseError } from "../errors.ts";
import { checkRepository } from "./check-repository.ts";
import { checkGatePlaybooks } from "./gate-playbooks.ts";
import { parsePlan, sortProblems } from "./parse-plan.ts";
import type { PlanLocator } from "./plan-locator.ts";
import { checkPlanRules } from "./plan-rules.ts";
import { resolvePlan } from "./resolve-plan.ts";
import type { Plan } from "./schema.ts";

export interface PlanValidation {
  /** Present only when there are no problems. */
  plan?: Plan;
  problems: PlanProblem[];
}

export interface LoadPlanOptions {
  /** Directory a relative `file` is resolved against; the process's current directory by default. */
  cwd?: string;
  /**
   * The ids of the playbooks this plan can use (the built-in ones and its own folder's), which its
   * gates' `playbooks:` must name; without it those names are not checked.
   */
  playbookIdsOf?: (plan: Plan) => Promise<readonly string[]>;
}

/**
 * Everything but the repository check: pure, for tests and for checking a plan held in memory.
 * `file` names the plan in problems and anchors its relative paths (resolved against the current
 * directory when relative).
 */
export function validatePlanSource(source: string, file: string): PlanValidation {
  const { plan, problems } = validateSource(source, file, path.resolve(file));
  return problems.length === 0 ? { plan, problems } : { problems };
}

/**
 * Reads, validates and resolves the plan at `file`. Problems name the file as given, so a relative
 * path stays relative in `file:line:column`; Plan.file is absolute. Throws SuperviseError (exit 2)
 * when the file cannot be read, and PlanError with every problem when it is not valid.
 */
export async function loadPlan(file: string, options: LoadPlanOptions = {}): Promise<Plan> {
  const absoluteFile = options.cwd === undefined ? path.resolve(file) : path.resolve(options.cwd, file);
  const source = await readPlanFile(file, absoluteFile);
  const { plan, problems, locate } = validateSource(source, file, absoluteFile);
  // The repository is checked even when other fields have problems, so one run reports them all.
  if (plan !== undefined) problems.push(...(await checkRepository(plan, locate)));
  if (plan !== undefined && options.playbookIdsOf) {
    problems.push(...(await playbookProblems(plan, locate, options.playbookIdsOf)));
  }
  if (problems.length > 0 || plan === undefined) throw new PlanError(sortProblems(problems));
  return plan;
}

/** A playbook folder's own problems stand in for the check of the names it could not supply. */
async function playbookProblems(
  plan: Plan,
  locate: PlanLocator,
  playbookIdsOf: (plan: Plan) => Promise<readonly string[]>,
): Promise<PlanProblem[]> {
  try {
    return checkGatePlaybooks(plan, locate, await playbookIdsOf(plan));
  } catch (error) {
    if (error instanceof PlanError) return error.problems;
    throw error;
  }
}

interface SourceValidation {
  /** Resolved whenever the schema accepted the document, even if rules found problems. */
  plan: Plan | undefined;
  problems: PlanProblem[];
  locate: PlanLocator;
}

function validateSource(source: string, file: string, absoluteFile: string): SourceValidation {
  const { document, problems, locate } = parsePlan(source, file);
  if (document === undefined) return { plan: undefined, problems, locate };
  const all = sortProblems([...problems, ...checkPlanRules(document, locate)]);
  return { plan: resolvePlan(document, absoluteFile), problems: all, locate };
}

async function readPlanFile(file: string, absoluteFile: string): Promise<string> {
  try {
    return await readFile(absoluteFile, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const shown = absoluteFile === file ? file : `${file} (${absoluteFile})`;
    if (code === "ENOENT") {
      throw new SuperviseError(`plan file ${shown} does not exist`, {
        hint: "Pass the path of a plan YAML file, e.g. `supervise validate plans/week2.yaml`.",
        cause: error,
      });
    }
    if (code === "EISDIR")
      throw new SuperviseError(`plan file ${shown} is a directory, not a file`, { cause: error });
    throw new SuperviseError(`cannot read plan file ${shown}: ${(error as Error).message}`, { cause: error });
  }
}
