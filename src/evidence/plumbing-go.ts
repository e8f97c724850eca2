/**
 * Go test plumbing: what a test binary runs besides the tests, or links in place of the code it
 * names. `TestMain(m *testing.M)` in a `_test.go` file runs the package's whole test binary (it
 * calls `m.Run()`, or not, and chooses the exit code); a `func init()` in a `_test.go` file runs
 * before `m.Run()` parses the test flags, so it can rewrite `os.Args` (`-test.run`) or patch
 * package state; vendored modules (`vendor/…`) and go.mod's `replace` directives decide which code
 * an imported assertion library is. Functions are compared as written, base against claim.
 */
import type { ChangedFile } from "./diff-scope-observation.ts";
import { baseName } from "./file-roles.ts";
import { isPresentAtClaim, type PlumbingFinding, sideText } from "./plumbing-files.ts";
import { code } from "./test-selection.ts";

export function goPlumbing(files: readonly ChangedFile[]): PlumbingFinding[] {
  return [
    ...files.flatMap(testMainFinding),
    ...files.flatMap(testInitFindings),
    ...vendoredModuleFindings(files),
    ...files.flatMap(replaceFindings),
  ];
}

function testMainFinding(file: ChangedFile): PlumbingFinding[] {
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
}

/** An init function of a test file, added or changed: it runs in the test binary before any test. */
function testInitFindings(file: ChangedFile): PlumbingFinding[] {
  if (!file.path.endsWith("_test.go") || !isPresentAtClaim(file)) return [];
  const before = new Set(functionsNamed(sideText(file, "base"), "init"));
  if (functionsNamed(sideText(file, "commit"), "init").every((body) => before.has(body))) return [];
  return [
    {
      file: file.path,
      hook: "init",
      why: `${file.path} adds or changes a \`func init()\`: it runs in the test binary before the test flags are read, and can choose which tests run or patch what they check`,
    },
  ];
}

/** One finding per vendored module the claim edits: go builds it into the test binary. */
function vendoredModuleFindings(files: readonly ChangedFile[]): PlumbingFinding[] {
  const modules = new Map<string, ChangedFile>();
  for (const file of files) {
    const parts = file.path.split("/");
    const vendor = parts.indexOf("vendor");
    if (vendor === -1 || !file.path.endsWith(".go") || vendor >= parts.length - 2) continue;
    const module = parts.slice(0, parts.length - 1).join("/");
    if (!modules.has(module)) modules.set(module, file);
  }
  return [...modules.values()].map((file) => ({
    file: file.path,
    hook: "vendor",
    why: `${file.path} is vendored module code: \`go test\` builds it into the test binary in place of the module's released code, so an edit here can change what an imported assertion library checks`,
  }));
}

function replaceFindings(file: ChangedFile): PlumbingFinding[] {
  if (baseName(file.path) !== "go.mod" || !isPresentAtClaim(file)) return [];
  const before = new Set(replaceDirectives(sideText(file, "base")));
  return replaceDirectives(sideText(file, "commit"))
    .filter((directive) => !before.has(directive))
    .map((directive) => ({
      file: file.path,
      hook: "replace",
      why: `${file.path} adds ${code(`replace ${directive}`)}: the test binary links that code in place of the module its tests import`,
    }));
}

/** `old => new` of every replace directive, single-line and in a `replace ( … )` block. */
export function replaceDirectives(goMod: string): string[] {
  const directives: string[] = [];
  let inBlock = false;
  for (const raw of goMod.split(/\r?\n/)) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (inBlock) {
      if (line === ")") inBlock = false;
      else if (line.includes("=>")) directives.push(line.replace(/\s+/g, " "));
      continue;
    }
    if (/^replace\s*\($/.test(line)) inBlock = true;
    else if (/^replace\s/.test(line) && line.includes("=>"))
      directives.push(line.replace(/^replace\s+/, "").replace(/\s+/g, " "));
  }
  return directives;
}

/** The text of `func TestMain(…) { … }`, braces balanced (strings and comments are not parsed). */
export function testMainOf(text: string): string | null {
  const start = /^func\s+TestMain\s*\(/m.exec(text);
  return start ? functionAt(text, start.index) : null;
}

/** Every top-level `func <name>(…) { … }` (Go allows many `init`s per file). */
function functionsNamed(text: string, name: string): string[] {
  return [...text.matchAll(new RegExp(`^func\\s+${name}\\s*\\(`, "gm"))].map((match) =>
    functionAt(text, match.index),
  );
}

function functionAt(text: string, start: number): string {
  const open = text.indexOf("{", start);
  if (open === -1) return text.slice(start);
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === "{") depth++;
    else if (text[index] === "}" && --depth === 0) return text.slice(start, index + 1);
  }
  return text.slice(start);
}
