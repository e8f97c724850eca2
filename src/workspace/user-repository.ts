/**
 * What the plan's repository is, found one way for the two who ask: the plan's validation, which
 * reports it at the `repo` and `base` fields, and the workspace, which refuses to fetch from it.
 * It must be the top folder of a git repository (or a bare one) with the base as a local branch.
 */
import { stat } from "node:fs/promises";
import { GitCommandError } from "./git-command-error.ts";
import { createSafeGit, type SafeGitOptions } from "./safe-git.ts";

export type UserRepositoryFinding =
  | { kind: "ready" }
  | { kind: "missing" }
  | { kind: "file" }
  | { kind: "not_a_repository"; cause: GitCommandError }
  /** Git refused for another reason, e.g. its "dubious ownership" check; `reason` is git's complaint. */
  | { kind: "unreadable"; reason: string; cause: GitCommandError }
  /** The base goes into a refspec: only a name git keeps as is for a branch is accepted. */
  | { kind: "invalid_base"; branches: string[] }
  | { kind: "no_base"; branches: string[] };

export async function inspectUserRepository(
  repository: string,
  base: string,
  environment: SafeGitOptions["environment"],
): Promise<UserRepositoryFinding> {
  const kind = await fileKind(repository);
  if (kind !== "directory") return { kind };
  const git = await createSafeGit(repository, { environment });
  try {
    await git.raw(["rev-parse", "--git-dir"]);
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    const reason = firstFatalLine(error.stderr);
    return reason.startsWith("not a git repository")
      ? { kind: "not_a_repository", cause: error }
      : { kind: "unreadable", reason, cause: error };
  }
  const baseRef = `refs/heads/${base}`;
  const normalized = await git.raw(["check-ref-format", "--normalize", baseRef]).catch((error: unknown) => {
    if (error instanceof GitCommandError) return "";
    throw error;
  });
  if (normalized.trim() === baseRef && (await git.resolveCommit(baseRef)) !== null) return { kind: "ready" };
  const branches = (await git.raw(["for-each-ref", "--format=%(refname:strip=2)", "refs/heads/"]))
    .split("\n")
    .filter((line) => line !== "");
  return { kind: normalized.trim() === baseRef ? "no_base" : "invalid_base", branches };
}

async function fileKind(file: string): Promise<"missing" | "file" | "directory"> {
  try {
    return (await stat(file)).isDirectory() ? "directory" : "file";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return "missing";
    throw error;
  }
}

function firstFatalLine(stderr: string): string {
  const lines = stderr.split("\n");
  return (lines.find((line) => line.startsWith("fatal: ")) ?? lines[0] ?? "").replace(/^fatal: /, "");
}

/**
 * The tracked files of the user's repository with uncommitted changes (staged or not): work the
 * checkouts, cloned from commits, will not have. Untracked files are left out: the plan file and
 * the state dir often sit there. Empty when git cannot say (the run's own checks report that).
 */
export async function uncommittedTrackedFiles(
  repository: string,
  environment: SafeGitOptions["environment"],
): Promise<string[]> {
  try {
    const git = await createSafeGit(repository, { environment });
    const status = await git.raw(["status", "--porcelain=v1", "-z", "--untracked-files=no"]);
    return status
      .split("\0")
      .filter((entry) => entry.length > 3)
      .map((entry) => entry.slice(3));
  } catch (error) {
    if (error instanceof GitCommandError) return [];
    throw error;
  }
}
