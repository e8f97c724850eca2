/**
 * What a change did to the tests it touched: tests gone, assertions fewer or always true, skip and
 * focus markers, build constraints and collection hooks added, test files renamed out of the runner's
 * reach, and test files too large to read. Pure, over the observed text of each changed file.
 *
 * Only changed files are compared, which is enough: an unchanged file keeps its tests by definition.
 * Comparisons run across all changed files at once, so a test (or an existing `it.skip`) moved from
 * one file to another is neither lost nor new.
 */
import type { DiffScopeFinding } from "./diff-scope.ts";
import type { ChangedFile, FileContent } from "./diff-scope-observation.ts";
import { classifyPath, hasTestFileName, languageOf, type TestLanguage } from "./file-roles.ts";
import { multisetDifference, significantLines } from "./line-changes.ts";
import { rustExclusionFindings } from "./rust-test-exclusion.ts";
import {
  assertionPatternSource,
  countAssertions,
  inventoryOf,
  isTriviallyTrue,
  rustTestRegion,
  skipMarkerIn,
  stripComments,
  type TestInventory,
} from "./test-inventory.ts";
import { code } from "./test-selection.ts";

interface TestSide {
  path: string;
  language: TestLanguage;
  /** Comment-free test code (for a Rust source file, its test region only). */
  code: string;
  /** The same, string contents blanked too: lines and columns match `code`. */
  blanked: string;
  raw: string;
  inventory: TestInventory;
}

interface TestFileChange {
  change: ChangedFile;
  base: TestSide | null;
  commit: TestSide | null;
}

export interface TestChangeSummary {
  findings: DiffScopeFinding[];
  /** Tests declared in the changed files, on each side. */
  testsAtBase: number;
  testsAtCommit: number;
}

export function testChangeFindings(files: readonly ChangedFile[], maxFileBytes: number): TestChangeSummary {
  const findings: DiffScopeFinding[] = [];
  const changes: TestFileChange[] = [];
  for (const change of files) {
    const basePath = change.previousPath ?? change.path;
    let isUnread = false;
    for (const [path, content, where] of [
      [basePath, change.base, "the base"],
      [change.path, change.commit, "the claimed commit"],
    ] as const) {
      const reason = isTestBearing(path) ? unreadReason(content, maxFileBytes) : null;
      if (reason)
        findings.push({ kind: "not-inspected", file: path, detail: `${path} ${reason} at ${where}` });
      isUnread ||= reason !== null;
    }
    // Half a file cannot be compared: its tests would all look deleted, or all new. The finding above fails the gate.
    if (isUnread) continue;
    const base = testSide(basePath, change.base);
    const commit = testSide(change.path, change.commit);
    if (base || commit) changes.push({ change, base, commit });
  }

  const lost = lostTests(changes);
  findings.push(...lost.findings);
  findings.push(...weakenedAssertions(changes, lost.filesKeepingTheirTests, lost.findings.length > 0));
  findings.push(...addedLineFindings(changes));
  findings.push(...changedExpectations(changes));
  findings.push(...changes.flatMap(rustExclusions));
  for (const { change } of changes) {
    if (change.previousPath && hasTestFileName(change.previousPath) && !hasTestFileName(change.path)) {
      findings.push({
        kind: "tests-excluded",
        file: change.path,
        detail: `${change.previousPath} renamed to ${change.path}, a name test runners do not collect`,
      });
    }
  }
  const count = (side: "base" | "commit") =>
    changes.reduce((total, change) => total + (change[side]?.inventory.names.length ?? 0), 0);
  return { findings, testsAtBase: count("base"), testsAtCommit: count("commit") };
}

/** A Rust file's exclusions are read over all of it: a test module's `mod` line precedes its tests. */
function rustExclusions({ base, commit }: TestFileChange): DiffScopeFinding[] {
  if (commit?.language !== "rust") return [];
  const baseCode = base?.language === "rust" ? stripComments("rust", base.raw) : null;
  return rustExclusionFindings(commit.path, baseCode, stripComments("rust", commit.raw));
}

function isTestBearing(path: string): boolean {
  const language = languageOf(path);
  return language !== null && (classifyPath(path) === "test" || language === "rust");
}

function testSide(path: string, content: FileContent): TestSide | null {
  const language = languageOf(path);
  if (!isTestBearing(path) || language === null || content.kind !== "text") return null;
  const stripped = stripComments(language, content.text);
  const blankedStrings = stripComments(language, content.text, { blankStrings: true });
  const isTestFile = classifyPath(path) === "test";
  const code = isTestFile ? stripped : rustTestRegion(stripped, blankedStrings);
  const blanked = isTestFile ? blankedStrings : rustTestRegion(blankedStrings);
  return { path, language, code, blanked, raw: content.text, inventory: inventoryOf(language, code) };
}

function unreadReason(content: FileContent, maxFileBytes: number): string | null {
  switch (content.kind) {
    case "too-large":
      return `is ${formatBytes(content.bytes)}, over the ${formatBytes(maxFileBytes)} this gate reads, so its tests could not be checked`;
    case "over-file-limit":
      return "was not read (too many test files changed for this gate to read), so its tests could not be checked";
    case "not-a-file":
      return "is not a regular file, so its tests could not be checked";
    default:
      return null;
  }
}

/**
 * Test names at the base with no match at the claimed commit. A name first matches in its own
 * file, then anywhere among the changed files (moved); what is left was deleted or renamed away.
 */
function lostTests(changes: readonly TestFileChange[]): {
  findings: DiffScopeFinding[];
  filesKeepingTheirTests: Set<TestFileChange>;
} {
  const remaining = countNames(changes.flatMap((change) => change.commit?.inventory.names ?? []));
  // Same-file matches are taken first, so a moved test only matches another file's surplus.
  const leftovers = changes.map((change) => {
    const sameFile = countNames(change.commit?.inventory.names ?? []);
    const leftover: string[] = [];
    for (const name of change.base?.inventory.names ?? []) {
      if (take(sameFile, name)) take(remaining, name);
      else leftover.push(name);
    }
    return { change, leftover };
  });
  const findings: DiffScopeFinding[] = [];
  const filesKeepingTheirTests = new Set<TestFileChange>();
  for (const { change, leftover } of leftovers) {
    if (leftover.length === 0) filesKeepingTheirTests.add(change);
    const missing = leftover.filter((name) => !take(remaining, name));
    if (missing.length === 0) continue;
    const file = change.base!.path;
    const names = listNames(missing);
    const detail =
      change.change.status === "deleted"
        ? `${file} deleted, and with it ${missing.length === 1 ? `test ${names}` : `${missing.length} tests: ${names}`}`
        : missing.length === 1
          ? `test ${names} deleted from ${file} (or renamed away)`
          : `${missing.length} tests deleted from ${file} (or renamed away): ${names}`;
    findings.push({ kind: "test-deleted", file, detail });
  }
  return { findings, filesKeepingTheirTests };
}

function weakenedAssertions(
  changes: readonly TestFileChange[],
  filesKeepingTheirTests: ReadonlySet<TestFileChange>,
  isAnyTestLost: boolean,
): DiffScopeFinding[] {
  const findings: DiffScopeFinding[] = [];
  let totalAtBase = 0;
  let totalAtCommit = 0;
  for (const change of changes) {
    const before = change.base?.inventory.assertionCount ?? 0;
    const after = change.commit?.inventory.assertionCount ?? 0;
    totalAtBase += before;
    totalAtCommit += after;
    // A file whose tests left it (moved or deleted) is judged by the totals and the deletions instead.
    if (change.base && change.commit && filesKeepingTheirTests.has(change) && after < before) {
      findings.push({
        kind: "assertions-weakened",
        file: change.commit.path,
        detail: `${change.commit.path} has fewer assertions: ${before} at the base, ${after} at the claimed commit`,
      });
    }
  }
  if (findings.length === 0 && !isAnyTestLost && totalAtCommit < totalAtBase) {
    findings.push({
      kind: "assertions-weakened",
      file: null,
      detail: `the changed test files hold fewer assertions: ${totalAtBase} at the base, ${totalAtCommit} at the claimed commit`,
    });
  }
  return findings;
}

/** The parts of an assertion that say what is expected: literals, and the matcher's own words. */
const expectationToken =
  /-?\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|\b(?:to[A-Z]\w*|assert\w*|not\w*|equals?|strictEqual|deepStrictEqual|deepEqual|ok|throws|rejects|match(?:es)?|true|false|True|False|None|null|undefined|nil|Some|Ok|Err)\b|[<>!=]=?=?/g;

/**
 * An existing test's expectation changed: assertion lines the change removed from a test file that
 * had tests at the base, replaced by assertions that expect something else (another value, another
 * matcher). A rename (`add(1, 2)` to `sum(1, 2)`) keeps every expectation and is no finding; fitting
 * a test to broken code is one, and needs a person's (or the review gate's) judgement.
 */
function changedExpectations(changes: readonly TestFileChange[]): DiffScopeFinding[] {
  const findings: DiffScopeFinding[] = [];
  for (const { base, commit } of changes) {
    if (!base || !commit || base.inventory.names.length === 0) continue;
    const isAssertion = (line: CodeLine) => countAssertions(commit.language, line.text) > 0;
    const removed = multisetDifference(linesOf(base), linesOf(commit), keyOf).filter(isAssertion);
    // An assertion that cannot fail is its own finding (trivial-assertion).
    const added = multisetDifference(linesOf(commit), linesOf(base), keyOf)
      .filter(isAssertion)
      .filter((line) => !isTriviallyTrue(line.text, line.blanked));
    if (removed.length === 0 || added.length === 0) continue;
    // From the assertion on: a test's name on the same line (`it("works", () => expect(…))`) is no expectation.
    const expectations = (lines: readonly CodeLine[]) =>
      lines.flatMap((line) => assertionPart(commit.language, line.text).match(expectationToken) ?? []).sort();
    const before = expectations(removed);
    const after = expectations(added);
    // Added assertions may also expect more than before; only expectations that went away count.
    if (multisetDifference(before, after).length === 0) continue;
    findings.push({
      kind: "expectation-changed",
      file: commit.path,
      detail: `${commit.path} changes what an existing test expects: ${code(removed[0]!.text)} became ${code(added[0]!.text)}${removed.length > 1 ? ` (and ${removed.length - 1} more assertion line${removed.length > 2 ? "s" : ""})` : ""}; a person or the review gate must approve it`,
    });
  }
  return findings;
}

function assertionPart(language: TestLanguage, line: string): string {
  const start = line.search(new RegExp(assertionPatternSource(language)));
  return start < 0 ? line : line.slice(start);
}

const goBuildConstraint = /^\/\/\s*(?:go:build|\+build)\b/;
const pythonCollectionHook =
  /\b(?:collect_ignore(?:_glob)?|pytest_collection_modifyitems|pytest_ignore_collect|pytest_collect_file)\b|--deselect\b|--ignore(?:-glob)?\b/;

/** Markers, always-true assertions, build constraints and collection hooks on lines the change added. */
function addedLineFindings(changes: readonly TestFileChange[]): DiffScopeFinding[] {
  // Lines removed from one changed file and added to another were moved, not added.
  const moved = countNames(
    changes.flatMap((change) =>
      multisetDifference(linesOf(change.base), linesOf(change.commit), keyOf).map(keyOf),
    ),
  );
  const findings: DiffScopeFinding[] = [];
  for (const change of changes) {
    const side = change.commit;
    if (!side) continue;
    for (const { text: line, blanked } of multisetDifference(linesOf(side), linesOf(change.base), keyOf)) {
      if (take(moved, line)) continue;
      const marker = skipMarkerIn(side.language, line, blanked);
      if (marker) {
        findings.push({
          kind: "test-skipped",
          file: side.path,
          detail: `${side.path} adds ${code(marker)} in ${code(line)}`,
        });
      } else if (isTriviallyTrue(line, blanked)) {
        findings.push({
          kind: "trivial-assertion",
          file: side.path,
          detail: `${side.path} adds an assertion that cannot fail: ${code(line)}`,
        });
      } else if (side.language === "python" && pythonCollectionHook.test(line)) {
        findings.push({
          kind: "tests-excluded",
          file: side.path,
          detail: `${side.path} changes which tests pytest collects: ${code(line)}`,
        });
      }
    }
    if (side.language === "go") {
      const rawBefore = change.base ? significantLines(change.base.raw) : [];
      for (const line of multisetDifference(significantLines(side.raw), rawBefore)) {
        if (!goBuildConstraint.test(line)) continue;
        findings.push({
          kind: "tests-excluded",
          file: side.path,
          detail: `${side.path} adds the build constraint ${code(line)}, so \`go test\` without that tag skips it`,
        });
      }
    }
  }
  return findings;
}

interface CodeLine {
  text: string;
  blanked: string;
}

/** Non-blank lines, trimmed, each with its string-blanked twin cut at the same columns. */
function linesOf(side: TestSide | null): CodeLine[] {
  if (!side) return [];
  const blankedLines = side.blanked.split("\n");
  return side.code.split("\n").flatMap((line, index) => {
    const start = line.length - line.trimStart().length;
    const end = line.trimEnd().length;
    if (end <= start) return [];
    return [{ text: line.slice(start, end), blanked: (blankedLines[index] ?? "").slice(start, end) }];
  });
}

const keyOf = (line: CodeLine) => line.text;

function countNames(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}

/** Takes one occurrence of `name` from the counts; false when none is left. */
function take(counts: Map<string, number>, name: string): boolean {
  const count = counts.get(name) ?? 0;
  if (count === 0) return false;
  counts.set(name, count - 1);
  return true;
}

function listNames(names: readonly string[]): string {
  const quoted = names.slice(0, 5).map((name) => `'${name.length > 60 ? `${name.slice(0, 57)}...` : name}'`);
  return names.length > 5 ? `${quoted.join(", ")} and ${names.length - 5} more` : quoted.join(", ");
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [size, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KB"] : [bytes / (1024 * 1024), "MB"];
  return `${size.toFixed(1).replace(/\.0$/, "")} ${unit}`;
}
