/**
 * StrykerJS's mutants of the lines a claim changed in a JavaScript/TypeScript file, listed by
 * Stryker's own instrumenter in this process (it only parses; nothing of the worker's runs), so the
 * gate knows before Stryker runs which mutants there are and can keep to `max_mutants`: Stryker
 * itself has no cap, and takes `file:line:column-line:column` ranges to mutate. A range selects
 * every mutant whose code lies inside it, so the cost of choosing a mutant is its own range's
 * mutants (`a >= b` brings `a > b`, `a < b`, `true`, `false`); the sample counts that cost.
 */
import { createHash } from "node:crypto";
import type { Mutant } from "../mutants.ts";

/** A mutant Stryker will make; `line`/`column` 1-based as people read them, `range` as Stryker takes it. */
export interface StrykerMutant extends Mutant {
  mutator: string;
  /** Stryker's `mutate` range of the mutated code: lines 1-based, columns 0-based, end column included. */
  range: { startLine: number; startColumn: number; endLine: number; endColumn: number };
}

export interface StrykerFileMutants {
  file: string;
  mutants: StrykerMutant[];
}

/** A file Stryker cannot mutate (its instrumenter cannot read it), and why: the built-in engine takes it. */
export interface StrykerUnusable {
  file: string;
  reason: string;
}

interface InstrumentedMutant {
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
  mutatorName: string;
  replacement: string;
}

type Instrument = (file: string, text: string, ranges: LineRange[]) => Promise<InstrumentedMutant[]>;

interface LineRange {
  start: { line: number; column: number };
  end: { line: number; column: number };
}

/** Stryker's mutants of `lines` (1-based) in each file; a file the instrumenter cannot parse is unusable. */
export async function strykerMutantsOfLines(
  files: readonly { file: string; text: string; lines: readonly number[] }[],
): Promise<{ files: StrykerFileMutants[]; unusable: StrykerUnusable[] }> {
  const instrument = await loadInstrumenter();
  const found: StrykerFileMutants[] = [];
  const unusable: StrykerUnusable[] = [];
  for (const { file, text, lines } of files) {
    if (typeof instrument === "string") {
      unusable.push({ file, reason: instrument });
      continue;
    }
    if (!isNameableInMutate(file)) {
      unusable.push({
        file,
        reason: "StrykerJS's `mutate` patterns cannot name its path (a hidden folder or a glob character)",
      });
      continue;
    }
    try {
      const mutants = await instrument(file, text, lineRuns(lines));
      found.push({ file, mutants: mutants.map((mutant) => strykerMutant(file, text, mutant)) });
    } catch (error) {
      // Babel names the file by its absolute path in the gate's scratch folder: the rest is the news.
      const message = firstLine(error);
      const at = message.indexOf(`${file}: `);
      const parseError = at === -1 ? message : message.slice(at + file.length + 2);
      unusable.push({ file, reason: `StrykerJS cannot parse it: ${parseError}` });
    }
  }
  return { files: found, unusable };
}

/**
 * Stryker matches `mutate` entries as globs that skip hidden files (FileMatcher in
 * @stryker-mutator/core): a path with a dot folder or a glob character would match nothing, and
 * its mutants would silently not run.
 */
function isNameableInMutate(file: string): boolean {
  return !file.split("/").some((part) => part.startsWith(".")) && !/[*?[\]{}()!+@\\]/.test(file);
}

/** Loaded when needed: Babel and Stryker's mutators are large, and most runs have no mutation gate. */
async function loadInstrumenter(): Promise<Instrument | string> {
  let module: typeof import("@stryker-mutator/instrumenter");
  try {
    module = await import("@stryker-mutator/instrumenter");
  } catch (error) {
    return `StrykerJS is not installed with supervise (${firstLine(error)})`;
  }
  const instrumenter = new module.Instrumenter(silentLogger as never);
  return async (file, text, ranges) => {
    const result = await instrumenter.instrument([{ name: file, content: text, mutate: ranges }], {
      plugins: null,
      excludedMutations: [],
      ignorers: [],
    } as never);
    return result.mutants as readonly InstrumentedMutant[] as InstrumentedMutant[];
  };
}

const ignore = () => undefined;
const silentLogger = {
  isTraceEnabled: () => false,
  isDebugEnabled: () => false,
  isInfoEnabled: () => false,
  isWarnEnabled: () => false,
  isErrorEnabled: () => false,
  isFatalEnabled: () => false,
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  fatal: ignore,
};

/** Consecutive changed lines as one range, so an expression spread over them is inside it. */
function lineRuns(lines: readonly number[]): LineRange[] {
  const runs: LineRange[] = [];
  for (const line of [...new Set(lines)].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    // The instrumenter counts lines from 0.
    if (last && last.end.line === line - 2) last.end.line = line - 1;
    else
      runs.push({
        start: { line: line - 1, column: 0 },
        end: { line: line - 1, column: Number.MAX_SAFE_INTEGER },
      });
  }
  return runs;
}

function strykerMutant(file: string, text: string, mutant: InstrumentedMutant): StrykerMutant {
  const { start, end } = mutant.location;
  const line = start.line + 1;
  const column = start.column + 1;
  const original = shortened(sourceBetween(text, mutant.location));
  const replacement = shortened(mutant.replacement);
  return {
    id: strykerMutantKey({
      file,
      line,
      column,
      mutator: mutant.mutatorName,
      replacement: mutant.replacement,
    }),
    file,
    line,
    column,
    original,
    replacement,
    mutator: mutant.mutatorName,
    description: `\`${original}\` → \`${replacement}\` (${mutant.mutatorName})`,
    range: { startLine: line, startColumn: start.column, endLine: end.line + 1, endColumn: end.column },
  };
}

/** How a mutant is known on both sides of a Stryker run: the plan here, the reporter's lines there. */
export function strykerMutantKey(mutant: {
  file: string;
  line: number;
  column: number;
  mutator: string;
  replacement: string;
}): string {
  return `${mutant.file}:${mutant.line}:${mutant.column}:${mutant.mutator}:${mutant.replacement}`;
}

/** Stryker's `mutate` entry for a mutant's range. */
export function mutateRange(mutant: StrykerMutant): string {
  const { startLine, startColumn, endLine, endColumn } = mutant.range;
  return `${mutant.file}:${startLine}:${startColumn}-${endLine}:${endColumn}`;
}

/** The mutants whose code lies inside `outer`'s range: the ones Stryker makes when asked for it. */
export function mutantsInside(outer: StrykerMutant, all: readonly StrykerMutant[]): StrykerMutant[] {
  const before = (a: { line: number; column: number }, b: { line: number; column: number }) =>
    a.line < b.line || (a.line === b.line && a.column <= b.column);
  const range = outer.range;
  return all.filter(
    (mutant) =>
      mutant.file === outer.file &&
      before(
        { line: range.startLine, column: range.startColumn },
        {
          line: mutant.range.startLine,
          column: mutant.range.startColumn,
        },
      ) &&
      before(
        { line: mutant.range.endLine, column: mutant.range.endColumn },
        {
          line: range.endLine,
          column: range.endColumn,
        },
      ),
  );
}

/**
 * At most `count` mutants of all engines together, chosen by a hash of their ids and the seed (as
 * sampleMutants does) and spread over the change. A Stryker mutant is taken with every mutant its
 * range brings, and only when all of them fit. Returned in file order.
 */
export function sampleWithCosts<Item extends Mutant>(
  mutants: readonly Item[],
  count: number,
  seed: string,
  costOf: (mutant: Item) => readonly Item[],
): Item[] {
  const rank = (mutant: Mutant) => createHash("sha256").update(`${seed}\0${mutant.id}`).digest("hex");
  const ranked = [...mutants]
    .map((mutant) => ({ mutant, rank: rank(mutant) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  const chosen = new Set<Item>();
  for (const { mutant } of ranked) {
    if (chosen.size >= count) break;
    if (chosen.has(mutant)) continue;
    const brought = costOf(mutant).filter((other) => !chosen.has(other));
    if (chosen.size + brought.length > count) continue;
    for (const other of brought) chosen.add(other);
  }
  return mutants.filter((mutant) => chosen.has(mutant));
}

function sourceBetween(text: string, location: InstrumentedMutant["location"]): string {
  const lines = text.split("\n");
  if (location.start.line === location.end.line)
    return (lines[location.start.line] ?? "").slice(location.start.column, location.end.column);
  return [
    (lines[location.start.line] ?? "").slice(location.start.column),
    ...lines.slice(location.start.line + 1, location.end.line),
    (lines[location.end.line] ?? "").slice(0, location.end.column),
  ].join("\n");
}

/** One line, at most 80 characters: a mutation as the bundle and the rejection show it. */
function shortened(code: string): string {
  const flat = code.replace(/\s*\n\s*/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
