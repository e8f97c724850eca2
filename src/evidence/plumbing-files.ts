/**
 * What every test-plumbing detector shares: the finding it returns, the input it reads, and how a
 * reference in a runner's config (`./setup`, `<rootDir>/test/setup.ts`) is matched to a changed file.
 */
import type { ChangedFile } from "./diff-scope-observation.ts";

export interface PlumbingFinding {
  /** The file that runs in the test process, or the config that names it. */
  file: string;
  /** The hook, key or flag through which it runs: `pytest_runtest_makereport`, `setupFilesAfterEnv`. */
  hook: string;
  /** One line: why this code runs around the tests. */
  why: string;
}

export interface PlumbingInput {
  files: readonly ChangedFile[];
  /**
   * Runner configuration at the claimed commit by path (package.json, jest/vitest/mocha configs,
   * pytest's ini files, Cargo.toml, at the root and in the folders above changed files), read
   * whether or not the claim changed them: an unchanged config can name a changed setup file.
   */
  configs: ReadonlyMap<string, string>;
  /** The npm script bodies at the base and the claim that the check command reaches. */
  scriptBodies: readonly { base: boolean; body: string }[];
  checkCommand: string | null;
}

/** The text of one side of a changed file, or "" when absent or not read. */
export function sideText(file: ChangedFile, side: "base" | "commit"): string {
  const content = file[side];
  return content.kind === "text" ? content.text : "";
}

/** A file the claim added or edited (not deleted): its code runs at the claimed commit. */
export function isPresentAtClaim(file: ChangedFile): boolean {
  return file.status !== "deleted";
}

/**
 * The changed file a runner's reference points at: `./setup`, `<rootDir>/test/setup.ts` and
 * `test.setup.js` all name a file relative to the config's folder, with or without extension.
 */
export function changedFileNamed(
  files: readonly ChangedFile[],
  configFolder: string,
  reference: string,
): ChangedFile | undefined {
  const cleaned = reference
    .replace(/^<rootDir>\//, "")
    .replace(/^file:\/\//, "")
    .replace(/^\.\//, "");
  if (cleaned === "" || cleaned.startsWith("/") || /\s/.test(cleaned)) return undefined;
  const path = normalize(configFolder === "" ? cleaned : `${configFolder}/${cleaned}`);
  if (path === null) return undefined;
  return files.find((file) => {
    if (!isPresentAtClaim(file) || !file.path.startsWith(path)) return false;
    const rest = file.path.slice(path.length);
    return rest === "" || /^(?:\/index)?\.[cm]?[jt]sx?$/.test(rest);
  });
}

/** `a/./b/../c` → `a/c`; null when it climbs out of the repository. */
function normalize(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

export function folderOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash === -1 ? "" : path.slice(0, slash);
}

/** Every string literal in a piece of code or config: the paths and module names it mentions. */
export function stringLiterals(text: string): string[] {
  return [...text.matchAll(/(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g)].map((match) => match[2]!);
}
