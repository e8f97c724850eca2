/**
 * Rust can drop tests from the build without touching them: a `#[cfg(…)]` that is never true put
 * on a test or a test module, or the `mod tests;` line that brings a test module file in taken
 * away. cargo then neither runs nor lists them, so no test reads as skipped. Pure, over the
 * comment-free text of one Rust file on each side.
 */
import type { DiffScopeFinding } from "./diff-scope.ts";
import { multisetDifference, significantLines } from "./line-changes.ts";
import { code } from "./test-selection.ts";

type Truth = "always" | "never" | "maybe";

/** cfg names rustc or cargo set; any other bare name is set only by a flag or a build script. */
const knownCfgNames = new Set([
  "debug_assertions",
  "doc",
  "doctest",
  "miri",
  "overflow_checks",
  "panic",
  "proc_macro",
  "relocation_model",
  "sanitize",
  "ub_checks",
  "unix",
  "windows",
  "feature",
  "fmt_debug",
  "contract_checks",
]);

/**
 * Whether a cfg predicate holds when `cargo test` builds tests. `test` holds; `any()`, `false` and
 * a name nothing sets (`FALSE`, `never`) never hold; features and targets may. Unparseable: maybe.
 */
export function cfgTruth(predicate: string): Truth {
  const tokens = predicate.match(/"(?:[^"\\]|\\.)*"|[A-Za-z_]\w*|[(),=]/g) ?? [];
  let position = 0;
  const parse = (): Truth => {
    const name = tokens[position++];
    if (name === undefined || !/^[A-Za-z_]/.test(name)) throw new Error("not a cfg");
    if (tokens[position] === "=") {
      position += 2;
      return "maybe";
    }
    if (tokens[position] !== "(") return nameTruth(name);
    position++;
    const operands: Truth[] = [];
    while (tokens[position] !== ")") {
      operands.push(parse());
      if (tokens[position] === ",") position++;
      else if (tokens[position] !== ")") throw new Error("not a cfg");
    }
    position++;
    return combine(name, operands);
  };
  try {
    const truth = parse();
    return position === tokens.length ? truth : "maybe";
  } catch {
    return "maybe";
  }
}

function nameTruth(name: string): Truth {
  if (name === "test" || name === "true") return "always";
  if (knownCfgNames.has(name) || name.startsWith("target_")) return "maybe";
  return "never";
}

function combine(operator: string, operands: readonly Truth[]): Truth {
  switch (operator) {
    case "any":
      if (operands.includes("always")) return "always";
      return operands.every((truth) => truth === "never") ? "never" : "maybe";
    case "all":
      if (operands.includes("never")) return "never";
      return operands.every((truth) => truth === "always") ? "always" : "maybe";
    case "not":
      if (operands.length !== 1) return "maybe";
      return operands[0] === "always" ? "never" : operands[0] === "never" ? "always" : "maybe";
    default:
      return "maybe";
  }
}

const cfgAttribute = /^#(!?)\[\s*cfg\s*\((.*)\)\s*\]$/;
const testAttribute = /^#\[\s*(?:\w+::)*test\b/;
const testModule = /^(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w*tests?\w*)\b/;
const moduleDeclaration = /^(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;$/;

/**
 * Findings for one Rust file, from its comment-free text at the base (null: new) and at the
 * claimed commit.
 */
export function rustExclusionFindings(
  path: string,
  baseCode: string | null,
  commitCode: string,
): DiffScopeFinding[] {
  const baseLines = significantLines(baseCode ?? "");
  const commitLines = significantLines(commitCode);
  return [
    ...neverTrueCfgs(path, baseLines, commitLines),
    ...removedTestModules(path, baseLines, commitLines),
  ];
}

/**
 * A never-true cfg the change added on a test, a test module, or (inner) a whole test file. Only
 * items that were at the base count: a new test gated on a cfg takes nothing away. An inner
 * `#![cfg(…)]` drops everything in its file, a tests/ binary or a `mod tests;` file.
 */
function neverTrueCfgs(
  path: string,
  baseLines: readonly string[],
  commitLines: readonly string[],
): DiffScopeFinding[] {
  const added = new Set(multisetDifference(commitLines, baseLines));
  const atBase = new Set(baseLines);
  const findings: DiffScopeFinding[] = [];
  commitLines.forEach((line, index) => {
    const cfg = cfgAttribute.exec(line);
    if (!cfg || !added.has(line) || cfgTruth(cfg[2]!) !== "never") return;
    const isInner = cfg[1] === "!";
    const item = isInner ? null : itemAfter(commitLines, index);
    const isTestItem =
      item !== null && atBase.has(item.line) && (item.hasTestAttribute || testModule.test(item.line));
    if (!(isTestItem || (isInner && baseLines.length > 0))) return;
    const what = isInner ? `the whole of ${path}` : code(item!.line);
    findings.push({
      kind: "tests-excluded",
      file: path,
      detail: `${path} adds ${code(line)}, which a plain \`cargo test\` never satisfies, on ${what}: its tests no longer build or run`,
    });
  });
  return findings;
}

/** The item an outer attribute at `index` applies to (the first line after its attribute block), and whether the block marks a test. */
function itemAfter(
  lines: readonly string[],
  index: number,
): { line: string; hasTestAttribute: boolean } | null {
  let start = index;
  while (start > 0 && lines[start - 1]!.startsWith("#[")) start--;
  let end = index + 1;
  while (end < lines.length && lines[end]!.startsWith("#[")) end++;
  if (end === lines.length) return null;
  const hasTestAttribute = lines.slice(start, end).some((line) => testAttribute.test(line));
  return { line: lines[end]!, hasTestAttribute };
}

/**
 * A `mod tests;` line the change removed: the module's file stays, unread by the compiler. A module
 * counts as tests by its name or by a `#[cfg(test)]` on it at the base.
 */
function removedTestModules(
  path: string,
  baseLines: readonly string[],
  commitLines: readonly string[],
): DiffScopeFinding[] {
  const removed = new Set(multisetDifference(baseLines, commitLines));
  const findings: DiffScopeFinding[] = [];
  baseLines.forEach((line, index) => {
    const declaration = moduleDeclaration.exec(line);
    if (!declaration || !removed.has(line)) return;
    const isCfgTest = index > 0 && /^#\[\s*cfg\s*\(\s*test\s*\)\s*\]$/.test(baseLines[index - 1]!);
    if (!isCfgTest && !testModule.test(line)) return;
    findings.push({
      kind: "tests-excluded",
      file: path,
      detail: `${path} removes ${code(line)}, so the tests in module ${declaration[1]} no longer build or run`,
    });
  });
  return findings;
}
