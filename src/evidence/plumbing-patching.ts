/**
 * A test file, or any file that is not product source, that assigns into the test framework or the
 * assertion library (`unittest.TestCase.assertEqual = …`, `unittest.TestResult.addFailure = …`,
 * `assert.equal = …`): a tests package's `__init__.py` or a helper the tests import runs it in the
 * test process before the tests, and every assertion or result after it is the claim's. Product
 * source doing the same is diff_scope's `test-framework-patched`; this is the same line in a file
 * the tests bring with them, named as plumbing with the target as its hook.
 */
import type { ChangedFile } from "./diff-scope-observation.ts";
import { classifyPath, languageOf } from "./file-roles.ts";
import { isScannedForPatching, patchesTestFramework } from "./framework-patching.ts";
import { multisetDifference, significantLines } from "./line-changes.ts";
import { isPresentAtClaim, type PlumbingFinding, sideText } from "./plumbing-files.ts";

export function patchingPlumbing(files: readonly ChangedFile[]): PlumbingFinding[] {
  return files.flatMap((file) => {
    const language = languageOf(file.path);
    if (!isPresentAtClaim(file) || language === null || !isScannedForPatching(language)) return [];
    if (classifyPath(file.path) === "source") return [];
    const added = multisetDifference(
      significantLines(sideText(file, "commit")),
      significantLines(sideText(file, "base")),
    );
    // Custom matchers (`expect.extend`) are ordinary in test files; a setup file overriding
    // built-in ones is found through the runner's config (plumbing-javascript.ts).
    const line = added.find(
      (each) => patchesTestFramework(language, each) && !/^\s*expect\s*\.\s*extend\s*\(/.test(each),
    );
    if (line === undefined) return [];
    const hook = assignmentTarget(line) ?? line.trim().slice(0, 80);
    return [
      {
        file: file.path,
        hook,
        why: `${file.path} assigns into the test framework (\`${hook}\`): the tests run with it, so what they check or report is this file's`,
      },
    ];
  });
}

/** `unittest.TestCase.assertEqual` of `unittest.TestCase.assertEqual = lambda …`; null for a call. */
function assignmentTarget(line: string): string | null {
  return (
    /^\s*(?:(?:const|let|var)\s+)?([\w$]+(?:\s*\.\s*[\w$]+)+)\s*=(?!=)/
      .exec(line)?.[1]
      ?.replace(/\s+/g, "") ?? null
  );
}
