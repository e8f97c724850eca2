/**
 * The target repository of a bench run: a real git repository with one small file per workstream
 * (so workstreams never touch the same file and merges never conflict) and some bulk, so cloning
 * is not trivially empty.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const benchGitIdentity = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"];

export interface GeneratedRepository {
  path: string;
  workstreamIds: string[];
}

/** `ws-001` … : ids sort in creation order and stay valid branch names. */
export function workstreamIdsFor(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `ws-${String(index + 1).padStart(3, "0")}`);
}

export function generateRepository(
  directory: string,
  workstreamCount: number,
  options: { bulkFiles?: number } = {},
): GeneratedRepository {
  const path = join(directory, "repo");
  const workstreamIds = workstreamIdsFor(workstreamCount);
  mkdirSync(join(path, "src"), { recursive: true });
  mkdirSync(join(path, "lib"), { recursive: true });
  for (const id of workstreamIds) writeFileSync(join(path, "src", `${id}.txt`), `file of ${id}\n`);
  const bulkFiles = options.bulkFiles ?? 100;
  for (let index = 0; index < bulkFiles; index++) {
    const line = `export const value${index} = ${index}; // filler so the tree has some weight\n`;
    writeFileSync(join(path, "lib", `module-${index}.js`), line.repeat(40));
  }
  writeFileSync(join(path, "README.md"), "# bench target\n");
  const git = (...args: string[]) => execFileSync("git", [...benchGitIdentity, ...args], { cwd: path });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "bench target: initial import");
  return { path, workstreamIds };
}
