/**
 * What the local forge holds after a run, read straight from its files under <state>/forge/:
 * pull requests, issues, and the commits that landed on the base of its origin.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ForgeRecords {
  pullRequests: {
    number: number;
    head: string;
    state: string;
    isMerged: boolean;
    mergeCommitSha: string | null;
  }[];
  issues: {
    number: number;
    state: string;
    closedBy: { kind: string; pullRequest?: number } | null;
    comments: unknown[];
  }[];
  /** The pull request number of each squash commit on the base, newest first. */
  landedPullRequests: number[];
}

function readJsonRecords<T>(directory: string): T[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+\.json$/.test(name))
    .map((name) => JSON.parse(readFileSync(join(directory, name), "utf8")) as T);
}

export function readForgeRecords(stateDirectory: string, base = "main"): ForgeRecords {
  const forge = join(stateDirectory, "forge");
  const subjects = execFileSync("git", ["log", "--format=%s", base], {
    cwd: join(forge, "origin.git"),
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  return {
    pullRequests: readJsonRecords(join(forge, "pulls")),
    issues: readJsonRecords(join(forge, "issues")),
    landedPullRequests: subjects.flatMap((subject) => {
      const number = /\(#(\d+)\)$/.exec(subject)?.[1];
      return number === undefined ? [] : [Number(number)];
    }),
  };
}
