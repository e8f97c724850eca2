/**
 * Go test plumbing: `TestMain(m *testing.M)` in a `_test.go` file runs the package's whole test
 * binary (it calls `m.Run()`, or not, and chooses the exit code), so a claim that adds or changes
 * one changes what `go test` reports. The function is compared as written, base against claim.
 */
import type { ChangedFile } from "./diff-scope-observation.ts";
import { isPresentAtClaim, type PlumbingFinding, sideText } from "./plumbing-files.ts";

export function goPlumbing(files: readonly ChangedFile[]): PlumbingFinding[] {
  return files.flatMap((file) => {
    if (!file.path.endsWith("_test.go") || !isPresentAtClaim(file)) return [];
    const after = testMainOf(sideText(file, "commit"));
    if (after === null || after === testMainOf(sideText(file, "base"))) return [];
    return [
      {
        file: file.path,
        hook: "TestMain",
        why: `${file.path} ${file.status === "added" || !sideText(file, "base").includes("func TestMain(") ? "adds" : "changes"} \`TestMain\`: it runs the package's test binary and decides what \`go test\` reports`,
      },
    ];
  });
}

/** The text of `func TestMain(…) { … }`, braces balanced (strings and comments are not parsed). */
export function testMainOf(text: string): string | null {
  const start = /^func\s+TestMain\s*\(/m.exec(text);
  if (!start) return null;
  const open = text.indexOf("{", start.index);
  if (open === -1) return text.slice(start.index);
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === "{") depth++;
    else if (text[index] === "}" && --depth === 0) return text.slice(start.index, index + 1);
  }
  return text.slice(start.index);
}
