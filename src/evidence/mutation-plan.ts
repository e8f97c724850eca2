/**
 * Which mutants the `mutation` gate runs for a claim: the changed source lines of each file, their
 * mutants from StrykerJS for JavaScript/TypeScript and from the built-in operators (mutants.ts) for
 * every other language and for a JS/TS file Stryker cannot read, sampled together to `max_mutants`.
 * Also what the cache keys on: each file's blob and the claim's test files.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSafeGit, type SafeGitOptions } from "../workspace/index.ts";
import { classifyPath, languageOf } from "./file-roles.ts";
import { type Mutant, mutantsOfLines } from "./mutants.ts";
import {
  mutantsInside,
  type StrykerMutant,
  type StrykerUnusable,
  sampleWithCosts,
  strykerMutantsOfLines,
} from "./stryker/stryker-mutants.ts";

export interface MutationPlan {
  /** The changed source files that have mutants. */
  files: string[];
  found: number;
  /** The sample, in file order; Stryker's are StrykerMutant. */
  mutants: Mutant[];
  /** Each mutated file's text at the claim. */
  texts: Map<string, string>;
  /** Each changed source file's changed lines (1-based), for a fallback to the built-in engine. */
  changedLines: Map<string, number[]>;
  /** Blob ids at the claim, by path, for the cache. */
  blobs: Map<string, string>;
  testsIdentity: string;
  /** JS/TS files whose mutants come from the built-in engine, and why. */
  strykerUnusable: StrykerUnusable[];
  /** Stryker config files in the claim's tree: never read, named in the result. */
  ignoredStrykerConfigs: string[];
}

/** The names Stryker looks for when no config is named (config-file-formats.js in @stryker-mutator/core). */
const strykerConfigName = /(^|\/)\.?stryker\.(conf|config)\.(json|js|mjs|cjs)$/;

export function isStrykerMutant(mutant: Mutant): mutant is StrykerMutant {
  return "range" in mutant;
}

export async function planMutants(
  request: {
    checkoutPath: string;
    baseSha: string;
    commit: string;
    maxMutants: number;
    gitEnvironment?: SafeGitOptions["environment"];
  },
  clone: string,
): Promise<MutationPlan> {
  const git = await createSafeGit(request.checkoutPath, { environment: request.gitEnvironment });
  const changed = (
    await git.diff(["--name-only", "-z", "--no-renames", "--diff-filter=AM", request.baseSha, request.commit])
  )
    .split("\0")
    .filter((path) => path !== "" && classifyPath(path) === "source" && languageOf(path) !== null);
  const blobs = new Map<string, string>();
  for (const entry of (await git.raw(["ls-tree", "-r", "-z", "--full-tree", request.commit])).split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab !== -1) blobs.set(entry.slice(tab + 1), entry.slice(0, tab).split(" ")[2] ?? "");
  }
  const testsIdentity = createHash("sha256")
    .update(
      [...blobs]
        .filter(([path]) => classifyPath(path) === "test")
        .map(([path, blob]) => `${path}\0${blob}`)
        .sort()
        .join("\n"),
    )
    .digest("hex");

  const sources: { file: string; text: string; lines: number[] }[] = [];
  for (const file of changed) {
    const hunks = await git.diff([
      "-U0",
      "--no-renames",
      request.baseSha,
      request.commit,
      "--",
      `:(literal)${file}`,
    ]);
    const text = await readFile(join(clone, file), "utf8").catch(() => null);
    if (text !== null) sources.push({ file, text, lines: addedLineNumbers(hunks) });
  }
  const forStryker = sources.filter(({ file }) => languageOf(file) === "javascript");
  const stryker =
    forStryker.length > 0 ? await strykerMutantsOfLines(forStryker) : { files: [], unusable: [] };
  const builtIn = sources.filter(
    ({ file }) => languageOf(file) !== "javascript" || stryker.unusable.some((entry) => entry.file === file),
  );

  const all: Mutant[] = [];
  const texts = new Map<string, string>();
  const strykerMutants = stryker.files.flatMap((entry) => entry.mutants);
  for (const { file, text, lines } of sources) {
    const mutants = builtIn.some((entry) => entry.file === file)
      ? mutantsOfLines(file, text, lines, languageOf(file))
      : strykerMutants.filter((mutant) => mutant.file === file);
    if (mutants.length === 0) continue;
    texts.set(file, text);
    all.push(...mutants);
  }
  const costOf = (mutant: Mutant): Mutant[] =>
    isStrykerMutant(mutant) ? mutantsInside(mutant, strykerMutants) : [mutant];
  return {
    files: [...texts.keys()],
    found: all.length,
    mutants: sampleWithCosts(all, request.maxMutants, request.baseSha, costOf),
    texts,
    changedLines: new Map(sources.map(({ file, lines }) => [file, lines])),
    blobs,
    testsIdentity,
    strykerUnusable: stryker.unusable,
    ignoredStrykerConfigs: [...blobs.keys()].filter((path) => strykerConfigName.test(path)).sort(),
  };
}

/** The new side's line numbers of a `-U0` diff's hunks. */
export function addedLineNumbers(diff: string): number[] {
  const lines: number[] = [];
  for (const match of diff.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const start = Number(match[1]);
    const count = match[2] === undefined ? 1 : Number(match[2]);
    for (let line = start; line < start + count; line++) lines.push(line);
  }
  return lines;
}
