/**
 * Mutants of the lines a claim changed: small operator mutations (a comparison or arithmetic
 * operator flipped, a boolean or a logical operator swapped, a number moved by one) that a test
 * which checks the changed behaviour notices. They work on any C-like or Python source, so every
 * ecosystem gets them; string literals and comments are left alone. Pure: text in, mutants out;
 * the sample is deterministic, so a re-claim meets the same mutants where its lines did not change.
 */
import { createHash } from "node:crypto";
import type { TestLanguage } from "./file-roles.ts";

export interface Mutant {
  /** Stable across runs: file, line, column and the operator. */
  id: string;
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based, where the replaced text starts. */
  column: number;
  original: string;
  replacement: string;
  /** `a < b` → `a <= b`, as a person reads it. */
  description: string;
}

interface Operator {
  /** Matched at a position outside strings and comments. */
  pattern: RegExp;
  replacement(match: string): string;
  /** The texts just before and after the match that rule it out (`=>`, `->`, `<<`, `++`, `+=`, …). */
  isExcluded?(before: string, after: string): boolean;
}

const swap = (table: Record<string, string>) => (match: string) => table[match] ?? match;

const operators: readonly Operator[] = [
  { pattern: /===|!==/y, replacement: swap({ "===": "!==", "!==": "===" }) },
  {
    pattern: /==|!=/y,
    replacement: swap({ "==": "!=", "!=": "==" }),
    isExcluded: (before, after) => after.startsWith("=") || /[=!<>]$/.test(before),
  },
  {
    pattern: /<=|>=/y,
    replacement: swap({ "<=": "<", ">=": ">" }),
    isExcluded: (before) => /[<>=]$/.test(before),
  },
  {
    pattern: /[<>]/y,
    replacement: swap({ "<": "<=", ">": ">=" }),
    // Arrows, shifts, generics and HTML-ish text: only a spaced comparison is one for sure.
    isExcluded: (before, after) => !before.endsWith(" ") || !after.startsWith(" ") || /^[=<>]/.test(after),
  },
  {
    pattern: /&&|\|\|/y,
    replacement: swap({ "&&": "||", "||": "&&" }),
    isExcluded: (_before, after) => after.startsWith("="),
  },
  {
    pattern: /\b(?:and|or)\b/y,
    replacement: swap({ and: "or", or: "and" }),
  },
  {
    pattern: /[+\-*/%]/y,
    replacement: swap({ "+": "-", "-": "+", "*": "/", "/": "*", "%": "*" }),
    // Only a spaced binary operator: not `++`, `+=`, `->`, `**`, `//`, a sign, a path or a flag.
    isExcluded: (before, after) =>
      !before.endsWith(" ") || !after.startsWith(" ") || /[+\-*/%=<>!&|]\s*$/.test(before.trimEnd()),
  },
  {
    pattern: /\b(?:true|false|True|False)\b/y,
    replacement: swap({ true: "false", false: "true", True: "False", False: "True" }),
  },
  {
    pattern: /\b\d+\b/y,
    replacement: (match) => (match === "0" ? "1" : String(BigInt(match) - 1n)),
    // A digit inside a name or a number with a fraction or an exponent is not a whole integer literal.
    isExcluded: (before, after) => /[\w.$]$/.test(before) || /^[.\w]/.test(after),
  },
];

/** Lines whose text is no code to mutate: imports, comments, declarations of the module's shape. */
const skippedLine =
  /^\s*(?:import\b|export\s+\*|from\s+\S+\s+import\b|#|\/\/|\/\*|\*|use\s|package\s|mod\s|extern\s|@|"use strict")/;

/** The mutants of `lines` (1-based numbers) in `text`, in file order. */
export function mutantsOfLines(
  file: string,
  text: string,
  lines: readonly number[],
  language: TestLanguage | null,
): Mutant[] {
  if (language === null) return [];
  const all = text.split("\n");
  const mutants: Mutant[] = [];
  for (const number of [...new Set(lines)].sort((a, b) => a - b)) {
    const line = all[number - 1];
    if (line === undefined || skippedLine.test(line)) continue;
    for (const { start, end } of codeRegions(line, language)) {
      let column = start;
      while (column < end) {
        const mutant = mutantAt(file, line, number, column, end);
        if (mutant !== null) mutants.push(mutant);
        column += mutant?.original.length ?? 1;
      }
    }
  }
  return mutants;
}

/** The first operator's mutant that starts at `column`, or null. */
function mutantAt(file: string, line: string, number: number, column: number, end: number): Mutant | null {
  for (const operator of operators) {
    operator.pattern.lastIndex = column;
    const match = operator.pattern.exec(line)?.[0];
    if (match === undefined || column + match.length > end) continue;
    if (operator.isExcluded?.(line.slice(0, column), line.slice(column + match.length))) continue;
    const replacement = operator.replacement(match);
    if (replacement === match) continue;
    return {
      id: `${file}:${number}:${column + 1}:${match}>${replacement}`,
      file,
      line: number,
      column: column + 1,
      original: match,
      replacement,
      description: `\`${match}\` → \`${replacement}\``,
    };
  }
  return null;
}

/** The text with one mutant applied. */
export function applyMutant(text: string, mutant: Mutant): string {
  const lines = text.split("\n");
  const line = lines[mutant.line - 1]!;
  const start = mutant.column - 1;
  lines[mutant.line - 1] =
    `${line.slice(0, start)}${mutant.replacement}${line.slice(start + mutant.original.length)}`;
  return lines.join("\n");
}

/**
 * At most `count` mutants, chosen by a hash of their ids and the seed: the same mutants for the
 * same lines, spread over the change rather than bunched at its first lines. Returned in file order.
 */
export function sampleMutants(mutants: readonly Mutant[], count: number, seed: string): Mutant[] {
  if (mutants.length <= count) return [...mutants];
  const rank = (mutant: Mutant) => createHash("sha256").update(`${seed}\0${mutant.id}`).digest("hex");
  const chosen = new Set(
    [...mutants]
      .map((mutant) => ({ mutant, rank: rank(mutant) }))
      .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
      .slice(0, count)
      .map(({ mutant }) => mutant),
  );
  return mutants.filter((mutant) => chosen.has(mutant));
}

/** The parts of a line outside string literals and trailing comments. */
function codeRegions(line: string, language: TestLanguage): { start: number; end: number }[] {
  const regions: { start: number; end: number }[] = [];
  const commentStart = language === "python" || language === "ruby" ? "#" : "//";
  let start = 0;
  let index = 0;
  while (index < line.length) {
    const char = line[index]!;
    if (line.startsWith(commentStart, index)) break;
    if (char === '"' || char === "'" || char === "`") {
      // A Rust lifetime (`'a`) or char literal is short; an unterminated quote ends the code here.
      const close = findClosingQuote(line, index, char);
      if (close === -1) {
        if (language === "rust" && char === "'") {
          index += 1;
          continue;
        }
        regions.push({ start, end: index });
        return regions;
      }
      regions.push({ start, end: index });
      index = close + 1;
      start = index;
      continue;
    }
    index += 1;
  }
  regions.push({ start, end: index });
  return regions.filter((region) => region.end > region.start);
}

function findClosingQuote(line: string, open: number, quote: string): number {
  for (let index = open + 1; index < line.length; index++) {
    if (line[index] === "\\") index += 1;
    else if (line[index] === quote) return index;
  }
  return -1;
}
