/**
 * The one plan check that looks outside the file: `repo` is an existing git repository and `base`
 * is one of its local branches. Thin I/O around git; problems point at the `repo` / `base` fields.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import type { PlanProblem } from "../errors.ts";
import { runGit } from "../workspace/run-git.ts";
import { closestMatch } from "./closest-match.ts";
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

  const kind = await fileKind(plan.repo);
  if (kind === "missing")
    return [at("repo", `repository ${written} does not exist (resolved to ${plan.repo})`)];
  if (kind === "file")
    return [at("repo", `repository ${written} is a file, not a directory (resolved to ${plan.repo})`)];

  const gitDirectory = await git(plan.repo, ["rev-parse", "--git-dir"]);
  if (gitDirectory.exitCode !== 0) {
    const reason = firstFatalLine(gitDirectory.stderr);
    // Other failures (e.g. git's "dubious ownership" refusal) must not be reported as "not a repository".
    const message = reason.startsWith("not a git repository")
      ? `repository ${written} is not a git repository (resolved to ${plan.repo})`
      : `git cannot read repository ${written} (resolved to ${plan.repo}): ${reason}`;
    return [at("repo", message)];
  }

  const branches = await localBranches(plan.repo);
  if (branches.includes(plan.base)) return [];
  const suggestion = closestMatch(plan.base, branches);
  const didYouMean = suggestion === undefined ? "" : `did you mean "${suggestion}"? `;
  return [
    at(
      "base",
      `branch "${plan.base}" does not exist in ${plan.repo} (${didYouMean}${describeBranches(branches)})`,
    ),
  ];
}

/** The repo as the plan wrote it, relative to the plan file. */
function displayedRepo(plan: Plan): string {
  return path.relative(path.dirname(plan.file), plan.repo) || ".";
}

async function fileKind(file: string): Promise<"missing" | "file" | "directory"> {
  try {
    return (await stat(file)).isDirectory() ? "directory" : "file";
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ENOTDIR"
    ) {
      return "missing";
    }
    throw error;
  }
}

async function localBranches(repo: string): Promise<string[]> {
  const result = await git(repo, ["for-each-ref", "--format=%(refname:strip=2)", "refs/heads/"]);
  return result.stdout.split("\n").filter((line) => line !== "");
}

function describeBranches(branches: string[]): string {
  if (branches.length === 0) return "it has no branches yet: commit something first";
  const listed = branches.slice(0, listedBranchLimit).join(", ");
  const more = branches.length > listedBranchLimit ? `, and ${branches.length - listedBranchLimit} more` : "";
  return `branches: ${listed}${more}`;
}

function firstFatalLine(stderr: string): string {
  const lines = stderr.split("\n");
  return (lines.find((line) => line.startsWith("fatal: ")) ?? lines[0] ?? "").replace(/^fatal: /, "");
}

/** Read-only git, hardened (the plan may point at a repository we do not trust). */
function git(repo: string, args: readonly string[]) {
  return runGit({ cwd: repo, args, environment: process.env });
}
