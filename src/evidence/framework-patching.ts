/**
 * Source code that rewrites the test framework or the assertion library from inside the code under
 * test: `assert.equal = () => {}` in a module the tests import disarms every assertion on it, and
 * `unittest.TestCase.assertEqual = …` does the same in Python. Product code has no reason to
 * assign into them, so any such line a claim adds is a finding. Pure, over added lines.
 */
import type { TestLanguage } from "./file-roles.ts";

const patchingPatterns: Partial<Record<TestLanguage, readonly RegExp[]>> = {
  javascript: [
    // assert.equal = …, assert.strict.equal = …, expect.extend(…), t.is = …
    /(?<![\w$.])(?:assert|expect|chai|should)(?:\s*\.\s*[\w$]+)+\s*=(?!=)/,
    /(?<![\w$.])expect\s*\.\s*extend\s*\(/,
    /require\s*\(\s*["'](?:node:)?(?:assert|assert\/strict|test)["']\s*\)(?:\s*\.\s*[\w$]+)+\s*=(?!=)/,
    /\b(?:Object\s*\.\s*(?:defineProperty|defineProperties|assign|setPrototypeOf)|Reflect\s*\.\s*(?:set|defineProperty))\s*\(\s*(?:assert|expect|chai|require\s*\(\s*["'](?:node:)?assert)/,
    /(?<![\w$.])(?:globalThis|global|window)\s*\.\s*(?:expect|assert|test|it|describe)\s*=(?!=)/,
    /\bModule\s*\.\s*(?:prototype\s*\.\s*require|_load|_resolveFilename)\s*=(?!=)/,
  ],
  python: [
    /\b(?:unittest\s*\.\s*)?TestCase\s*\.\s*\w+\s*=(?!=)/,
    /\bsetattr\s*\(\s*(?:unittest\s*\.\s*)?(?:TestCase|pytest|unittest)\b/,
    /\b(?:pytest|_pytest|unittest|builtins)(?:\s*\.\s*\w+)+\s*=(?!=)/,
    /\bsys\s*\.\s*modules\s*\[\s*["'](?:unittest|pytest|_pytest)[\w.]*["']\s*\]\s*=(?!=)/,
  ],
};

/** The pattern-matching line, when `line` patches the test framework; null otherwise. */
export function patchesTestFramework(language: TestLanguage, line: string): boolean {
  return (patchingPatterns[language] ?? []).some((pattern) => pattern.test(line));
}

/** Whether source files of this language are read for framework patching. */
export function isScannedForPatching(language: TestLanguage | null): boolean {
  return language !== null && patchingPatterns[language] !== undefined;
}
