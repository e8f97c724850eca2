/**
 * What a changed path is, judged by its name alone: a test, documentation, configuration, or real
 * source. Pure; `diff_scope` uses it to decide whether a change touched anything but tests and docs.
 * Conventions cover the ecosystems supervised projects use (JS/TS, Python, Go, Rust, JVM, Ruby).
 */

export type FileRole = "test" | "doc" | "config" | "source";

/** Languages whose tests, skip markers and assertions the test inventory understands. */
export type TestLanguage = "javascript" | "python" | "go" | "rust" | "jvm" | "ruby";

const languageByExtension: Record<string, TestLanguage> = {
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  ts: "javascript",
  tsx: "javascript",
  mts: "javascript",
  cts: "javascript",
  py: "python",
  go: "go",
  rs: "rust",
  java: "jvm",
  kt: "jvm",
  kts: "jvm",
  scala: "jvm",
  groovy: "jvm",
  rb: "ruby",
};

/** Folders whose whole content is tests or test data (`src/test/` in Maven layouts, Rust's `tests/`). */
const testFolders = new Set([
  "test",
  "tests",
  "__tests__",
  "__test__",
  "spec",
  "specs",
  "testdata",
  "__mocks__",
  "__snapshots__",
]);
const docFolders = new Set(["docs", "doc", "documentation"]);
const docExtensions = new Set(["md", "mdx", "markdown", "rst", "txt", "adoc", "asciidoc", "org", "rdoc"]);
const docNames =
  /^(?:readme|license|licence|changelog|changes|history|authors|contributors|notice|copying)(?:\.|$)/i;
const configExtensions = new Set([
  "json",
  "jsonc",
  "json5",
  "yaml",
  "yml",
  "toml",
  "ini",
  "cfg",
  "conf",
  "lock",
  "properties",
  "env",
  "editorconfig",
]);
/** Config files named by convention; checked before extensions, so `requirements.txt` is not a doc. */
const configNames =
  /^(?:\.[\w.-]*rc(?:\.[\w]+)?|\.git(?:ignore|attributes|modules)|\.[\w-]*ignore|\.nvmrc|\.node-version|\.tool-versions|go\.mod|go\.sum|requirements[\w.-]*\.txt|pom\.xml|[\w-]+\.config\.[cm]?[jt]s|[\w-]+\.workspace\.[cm]?[jt]s|karma\.conf\.[cm]?[jt]s|build\.gradle(?:\.kts)?|settings\.gradle(?:\.kts)?|gradle\.properties|\.python-version|Pipfile|Gemfile|Cargo\.toml)$/i;

/** `sum.test.ts`, `sum_test.go`, `sum-spec.rb`; code extensions only, so `run-tests.sh` stays a script. */
const testSuffix =
  /[._-](?:test|tests|spec|specs)\.(?:[cm]?[jt]sx?|py|go|rs|rb|exs?|java|kt|kts|scala|groovy|cs|swift|php|dart|c|cc|cpp|h|hpp|lua)$/i;

/** A name that test runners collect by itself, wherever the file sits. */
export function hasTestFileName(path: string): boolean {
  const name = baseName(path);
  return (
    testSuffix.test(name) ||
    /^test_[^/]*\.py$/.test(name) ||
    // node --test's own default patterns: test-*.js and test.js, wherever they sit.
    /^test(?:-[^/]*)?\.[cm]?[jt]sx?$/.test(name) ||
    name === "conftest.py" ||
    /(?:Test|Tests|Spec|[a-z0-9]IT)\.(?:java|kt|kts|scala|groovy|cs)$/.test(name) ||
    /^Test[A-Z]\w*\.(?:java|kt|cs)$/.test(name)
  );
}

export function classifyPath(path: string): FileRole {
  const segments = path.split("/");
  const folders = segments.slice(0, -1);
  const name = segments.at(-1) ?? path;
  const extension = extensionOf(name);
  if (hasTestFileName(path) || folders.some((folder) => testFolders.has(folder))) {
    // Prose inside a test folder is still prose; fixtures and helpers there are tests.
    return docExtensions.has(extension) && !configNames.test(name) ? "doc" : "test";
  }
  if (configNames.test(name)) return "config";
  if (docNames.test(name) || docExtensions.has(extension)) return "doc";
  if (folders[0] !== undefined && docFolders.has(folders[0])) return "doc";
  if (folders[0] === ".github" || folders[0] === ".circleci" || folders[0] === ".vscode") return "config";
  if (configExtensions.has(extension)) return "config";
  return "source";
}

export function languageOf(path: string): TestLanguage | null {
  return languageByExtension[extensionOf(baseName(path))] ?? null;
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}
