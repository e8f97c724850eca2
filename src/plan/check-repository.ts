/**
 * The one plan check that looks outside the file: `repo` is the top folder of a git repository
 * and `base` is one of its local branches (workspace/user-repository.ts finds out; the workspace
 * asks the same before it fetches). Problems point at the `repo` / `base` fields.
 */
import path from "node:path";
import { closestMatch } from "../closest-match.ts";
import type { PlanProblem } from "../errors.ts";
import { inspectUserRepository } from "../workspace/index.ts";
import { type PlanLocator, problemAt } from "./plan-locator.ts";
import type { Plan } from "./schema.ts";

/** Branches listed in a message before it says "and N more". */
const listedBranchLimit = 10;

export async function checkRepository(plan: Plan, locate: PlanLocator): Promise<PlanProblem[]> {
  const at = (field: string, message: string): PlanProblem =>
    // A defaulted field has no node of its own; the whole file is the closest place to point at.
    problemAt(
      locate,
      [field],
      message,
      locate.has([field]) ? locate.valueAt([field]) : { line: 1, column: 1 },
    );
  const written = displayedRepo(plan);
  const finding = await inspectUserRepository(plan.repo, plan.base, process.env);
  switch (finding.kind) {
    case "ready":
      return [];
    case "missing":
      return [at("repo", `repository ${written} does not exist (resolved to ${plan.repo})`)];
    case "file":
      return [at("repo", `repository ${written} is a file, not a directory (resolved to ${plan.repo})`)];
    case "not_a_repository":
      return [at("repo", `repository ${written} is not a git repository (resolved to ${plan.repo})`)];
    // Other failures (e.g. git's "dubious ownership" refusal) must not be reported as "not a repository".
    case "unreadable":
      return [
        at("repo", `git cannot read repository ${written} (resolved to ${plan.repo}): ${finding.reason}`),
      ];
    case "invalid_base":
    case "no_base": {
      const suggestion = closestMatch(plan.base, finding.branches);
      const didYouMean = suggestion === undefined ? "" : `did you mean "${suggestion}"? `;
      return [
        at(
          "base",
          `branch "${plan.base}" does not exist in ${plan.repo} (${didYouMean}${describeBranches(finding.branches)})`,
        ),
      ];
    }
  }
}

/** The repo as the plan wrote it, relative to the plan file. */
function displayedRepo(plan: Plan): string {
  return path.relative(path.dirname(plan.file), plan.repo) || ".";
}

function describeBranches(branches: string[]): string {
  if (branches.length === 0) return "it has no branches yet: commit something first";
  const listed = branches.slice(0, listedBranchLimit).join(", ");
  const more = branches.length > listedBranchLimit ? `, and ${branches.length - listedBranchLimit} more` : "";
  return `branches: ${listed}${more}`;
}
