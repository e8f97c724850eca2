/**
 * `supervise init [FILE]`: writes a commented starter plan (default `supervise.yaml`) for the git
 * repository of the current directory, with the commands its project files suggest, and the JSON
 * Schema beside it for the editor. Never overwrites a file.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { ExitCode, errorMessage, osErrorCode, StateError, UsageError } from "../../errors.ts";
import { planJsonSchema, type RepositoryFacts, starterPlan } from "../../plan/index.ts";
import { parseCommandArguments, rejectExtraPositionals } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";

export async function initCommand(args: string[], context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArguments("init", args, {});
  rejectExtraPositionals("init", positionals, 1);
  const planFile = resolve(context.cwd, positionals[0] ?? "supervise.yaml");
  const repository = gitRepositoryOf(context.cwd);
  if (repository === null) {
    throw new UsageError(`${context.cwd} is not inside a git repository.`, {
      hint: "Run `supervise init` in the repository the workers should work on (or `git init` it first).",
    });
  }
  const facts = repositoryFacts(repository, relative(dirname(planFile), repository) || ".");
  const name = basename(repository).replace(/[^A-Za-z0-9._-]+/g, "-") || "plan";
  await writeNew(planFile, starterPlan(facts, name));
  const schemaFile = join(dirname(planFile), "plan.schema.json");
  const wroteSchema = await writeNew(schemaFile, `${JSON.stringify(planJsonSchema(), null, 2)}\n`, {
    isOptional: true,
  });
  const shown = relative(context.cwd, planFile) || planFile;
  context.output.out(
    [
      `Wrote ${shown}${wroteSchema ? ` and ${relative(context.cwd, schemaFile)}` : ""} for ${repository} (base ${facts.base}).`,
      `Next: edit its workstreams, then \`supervise validate ${shown}\` and \`supervise ${shown} --dry-run\`.`,
      "",
    ].join("\n"),
  );
  return ExitCode.allAccepted;
}

/** Writes only a file that does not exist; an existing one is an error, or skipped when optional. */
async function writeNew(
  file: string,
  text: string,
  options: { isOptional?: boolean } = {},
): Promise<boolean> {
  try {
    await writeFile(file, text, { flag: "wx" });
    return true;
  } catch (error) {
    if (osErrorCode(error) === "EEXIST") {
      if (options.isOptional) return false;
      throw new UsageError(`${file} already exists; supervise init never overwrites a file.`, {
        hint: "Name another file (`supervise init other.yaml`), or move this one aside.",
      });
    }
    throw new StateError(`Cannot write ${file}: ${errorMessage(error)}.`, { cause: error });
  }
}

/** The nearest folder from `cwd` up that holds `.git`. */
function gitRepositoryOf(cwd: string): string | null {
  for (let current = resolve(cwd); ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return current;
    if (dirname(current) === current) return null;
  }
}

function repositoryFacts(repository: string, repo: string): RepositoryFacts {
  const has = (name: string) => existsSync(join(repository, name));
  return {
    repo,
    base: currentBranch(repository),
    ...packageScripts(repository),
    hasPackageLock: has("package-lock.json"),
    hasCargoToml: has("Cargo.toml"),
    hasPyproject: has("pyproject.toml"),
    hasGoMod: has("go.mod"),
  };
}

function packageScripts(repository: string): { packageScripts?: Record<string, string> } {
  try {
    const manifest = JSON.parse(readFileSync(join(repository, "package.json"), "utf8")) as {
      scripts?: Record<string, string>;
    };
    return { packageScripts: manifest.scripts ?? {} };
  } catch {
    return {};
  }
}

/** The branch HEAD names, read from `.git/HEAD`; `main` where that says nothing (a detached HEAD, a worktree). */
function currentBranch(repository: string): string {
  const gitPath = join(repository, ".git");
  try {
    if (!statSync(gitPath).isDirectory()) return "main";
    const head = readFileSync(join(gitPath, "HEAD"), "utf8").trim();
    return /^ref: refs\/heads\/(.+)$/.exec(head)?.[1] ?? "main";
  } catch {
    return "main";
  }
}
