/**
 * Which changes alter what the check command runs: the npm scripts it reaches, test runner config
 * (include/exclude patterns), pytest/tox/Cargo/Maven/Gradle settings, ignore files, and the scripts
 * the command names. Pure; each function returns one-line descriptions of what changed.
 */
import { baseName, classifyPath, hasTestFileName } from "./file-roles.ts";
import { type LineChanges, lineChanges } from "./line-changes.ts";

export type SelectionFileKind =
  | "package-json"
  | "runner-config"
  | "pytest-config"
  | "cargo"
  | "maven"
  | "gradle"
  | "package-manager-config"
  | "ignore-file";

const runnerConfigName =
  /^(?:(?:vitest|vite|jest|ava|karma|playwright|cypress|wdio|jasmine|mocha|web-test-runner|wtr|uvu|tap)\.(?:config|workspace|conf)(?:\.[\w-]+)*\.[cm]?[jt]sx?|vitest\.workspace\.json|jest\.config\.json|\.mocharc(?:\.\w+)?|\.taprc|jasmine\.json|deno\.jsonc?|bunfig\.toml)$/;

/** Config that can change which tests run, by file name; null for everything else. */
export function selectionFileKind(path: string): SelectionFileKind | null {
  const name = baseName(path);
  if (name === "package.json") return "package-json";
  if (runnerConfigName.test(name)) return "runner-config";
  if (["pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini"].includes(name)) return "pytest-config";
  if (name === "Cargo.toml") return "cargo";
  if (name === "pom.xml") return "maven";
  if (/^build\.gradle(?:\.kts)?$/.test(name)) return "gradle";
  if (name === ".gitignore") return "ignore-file";
  // They choose the shell npm runs scripts with (`script-shell`), Node's options, whether scripts
  // run at all: a changed line can fake the whole test run, so every one counts.
  if ([".npmrc", ".yarnrc", ".yarnrc.yml", ".pnpmfile.cjs", ".pnpmfile.js"].includes(name)) {
    return "package-manager-config";
  }
  return null;
}

/** Keys through which JS runner configs choose, filter or stop tests. */
const runnerSelectionKey =
  /\b(?:include|exclude|testMatch|testRegex|testPathIgnorePatterns|testPathPattern|modulePathIgnorePatterns|roots|root|projects|workspace|spec|ignore|extension|files|dir|testNamePattern|grep|fgrep|invert|passWithNoTests|allowOnly|testIgnore|testDir|testFiles|filter|bail|retry|retries|skip|only)\b/;
// A workspace's `members` and `exclude` choose which crates' tests `cargo test --workspace` runs.
const cargoSelection =
  /\[\[test\]\]|^\s*(?:test|autotests|harness|doctest|required-features|members|default-members|exclude)\s*=/;
const mavenSelection =
  /skipTests|maven\.test\.skip|testFailureIgnore|<\/?(?:excludes?|includes?|test|groups|excludedGroups|skip)>|surefire|failsafe/;
const gradleSelection =
  /\b(?:exclude|excludeTestsMatching|includeTestsMatching|excludeTags|includeTags|ignoreFailures|onlyIf|filter|enabled)\b/;

/**
 * What changed in one selection file, given its text on each side (null: absent there).
 * `scripts` are the npm scripts the check command reaches, for package.json.
 */
export function selectionChanges(
  path: string,
  baseText: string | null,
  commitText: string | null,
  scripts: ReadonlySet<string>,
): string[] {
  const kind = selectionFileKind(path);
  const changes = lineChanges(baseText ?? "", commitText ?? "");
  switch (kind) {
    case "package-json":
      return packageJsonChanges(path, baseText, commitText, scripts);
    case "runner-config":
      return describeLines(path, "changes test selection", changes, (line) => runnerSelectionKey.test(line));
    case "pytest-config":
      return pytestChanges(path, baseText ?? "", commitText ?? "");
    case "cargo":
      return describeLines(path, "changes which Rust tests build", changes, (line) =>
        cargoSelection.test(line),
      );
    case "maven":
      return describeLines(path, "changes which tests Maven runs", changes, (line) =>
        mavenSelection.test(line),
      );
    case "gradle":
      return describeLines(path, "changes which tests Gradle runs", changes, (line) =>
        gradleSelection.test(line),
      );
    case "package-manager-config":
      return describeLines(path, "changes how the package manager runs the check", changes, (line) => {
        const trimmed = line.trim();
        return trimmed !== "" && !trimmed.startsWith("#") && !trimmed.startsWith(";");
      });
    case "ignore-file":
      return describeLines(
        path,
        "ignores test paths",
        { added: changes.added, removed: [] },
        (line) => !line.startsWith("#") && isTestPattern(line),
      );
    case null:
      return [];
  }
}

/** The npm scripts a check command runs, followed through `npm run x` inside scripts, with pre/post. */
export function scriptsRunBy(
  checkCommand: string | undefined,
  packageJsonTexts: readonly string[],
): Set<string> {
  const scripts = packageJsonTexts.map(parseScripts);
  const reached = new Set<string>();
  const pending = [...(checkCommand ? scriptNamesIn(checkCommand) : []), "test"];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (reached.has(name)) continue;
    reached.add(name);
    // npm runs pre<name> and post<name> around <name>; a pretest can delete tests before they run.
    if (!/^(?:pre|post)/.test(name)) pending.push(`pre${name}`, `post${name}`);
    for (const table of scripts) {
      const body = table[name];
      if (body !== undefined) pending.push(...scriptNamesIn(body));
    }
  }
  return reached;
}

/** Files the check command or its scripts run directly (`bash scripts/test.sh`, `./run-tests`). */
export function filesRunBy(checkCommand: string | undefined, scriptBodies: readonly string[]): Set<string> {
  const files = new Set<string>();
  for (const text of [checkCommand ?? "", ...scriptBodies]) {
    for (const token of text.split(/[\s;&|()<>'"]+/)) {
      const isScript = /^(?:\.\/)?[\w.@-]+(?:\/[\w.@-]+)*\.(?:sh|bash|zsh|js|mjs|cjs|ts|mts|py|rb|pl)$/.test(
        token,
      );
      if (!isScript && !token.startsWith("./")) continue;
      const path = token.replace(/^\.\//, "");
      // A test file named on the command line is read by the test inventory instead.
      if (path && !path.includes("...") && !path.startsWith("node_modules/") && !hasTestFileName(path))
        files.add(path);
    }
  }
  return files;
}

export function parseScripts(packageJsonText: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(packageJsonText);
    const scripts = (parsed as { scripts?: unknown } | null)?.scripts;
    if (typeof scripts !== "object" || scripts === null) return {};
    return Object.fromEntries(
      Object.entries(scripts).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
  } catch {
    return {};
  }
}

function scriptNamesIn(command: string): string[] {
  const names: string[] = [];
  for (const match of command.matchAll(
    /\b(?:npm|pnpm|yarn|bun)\s+(?:--?[\w-]+(?:=\S+)?\s+)*(?:(?:run|run-script)\s+(?:--?[\w-]+\s+)*)?([\w:.-]+)/g,
  )) {
    const name = match[1]!;
    names.push(name === "t" || name === "tst" ? "test" : name);
  }
  for (const match of command.matchAll(/\b(?:run-s|run-p|npm-run-all)\s+([^&|;]+)/g)) {
    names.push(...match[1]!.split(/\s+/).filter((word) => word !== "" && !word.startsWith("-")));
  }
  return names;
}

const packageJsonRunnerKeys = ["jest", "mocha", "ava", "tap", "c8", "vitest"] as const;

function packageJsonChanges(
  path: string,
  baseText: string | null,
  commitText: string | null,
  scripts: ReadonlySet<string>,
): string[] {
  const base = parseObject(baseText ?? "{}");
  const commit = parseObject(commitText ?? "{}");
  if (commit === null) return [`${path} no longer parses as JSON, so its test scripts cannot be compared`];
  const baseScripts = baseText === null ? {} : parseScripts(baseText);
  const commitScripts = commitText === null ? {} : parseScripts(commitText);
  const changes: string[] = [];
  for (const name of [...scripts].sort()) {
    const before = baseScripts[name];
    const after = commitScripts[name];
    if (before === after) continue;
    if (before === undefined) {
      // A new test script runs more, not less; a new pre/post hook can rewrite the tests around the run.
      if (/^(?:pre|post)/.test(name)) changes.push(`${path} adds scripts.${name}: ${code(after!)}`);
    } else if (after === undefined) changes.push(`${path} removes scripts.${name} (was ${code(before)})`);
    else changes.push(`${path} scripts.${name} changed from ${code(before)} to ${code(after)}`);
  }
  for (const key of packageJsonRunnerKeys) {
    const before = JSON.stringify(base?.[key]);
    const after = JSON.stringify(commit[key]);
    if (before !== after) changes.push(`${path} changes its \`${key}\` config: ${code(after ?? "removed")}`);
  }
  return changes;
}

/** pytest reads `[pytest]`, `[tool:pytest]` or `[tool.pytest.ini_options]`; tox adds `[testenv…]` commands. */
function pytestChanges(path: string, baseText: string, commitText: string): string[] {
  const isPytestSection = (name: string) =>
    name === "pytest" ||
    name === "tool:pytest" ||
    name.startsWith("tool.pytest") ||
    name.startsWith("testenv");
  const baseSections = sectionLines(baseText, isPytestSection);
  const commitSections = sectionLines(commitText, isPytestSection);
  const changes: string[] = [];
  for (const name of new Set([...baseSections.keys(), ...commitSections.keys()])) {
    const difference = lineChanges(
      (baseSections.get(name) ?? []).join("\n"),
      (commitSections.get(name) ?? []).join("\n"),
    );
    changes.push(...describeLines(path, `changes [${name}]`, difference, () => true));
  }
  return changes;
}

function sectionLines(text: string, isWanted: (name: string) => boolean): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!.replace(/^"|"$/g, "");
      current = isWanted(name) ? (sections.get(name) ?? []) : null;
      if (current) sections.set(name, current);
    } else if (current) current.push(line);
  }
  return sections;
}

function describeLines(
  path: string,
  what: string,
  changes: LineChanges,
  isRelevant: (line: string) => boolean,
): string[] {
  const shown = [
    ...changes.removed.filter(isRelevant).map((line) => `-${line}`),
    ...changes.added.filter(isRelevant).map((line) => `+${line}`),
  ];
  if (shown.length === 0) return [];
  const more = shown.length > 3 ? ` and ${shown.length - 3} more lines` : "";
  return [`${path} ${what}: ${shown.slice(0, 3).map(code).join(" ")}${more}`];
}

/** An ignore-file pattern that names tests: `tests/`, `**\/*.test.js`, `test_*.py`. */
function isTestPattern(pattern: string): boolean {
  const path = pattern.replace(/^!?\/?(?:\*\*\/)?/, "").replace(/\/$/, "");
  if (path === "") return false;
  const withFile = path.includes("*") || path.includes(".") ? path : `${path}/x`;
  return (
    classifyPath(withFile.replaceAll("*", "x")) === "test" || hasTestFileName(withFile.replaceAll("*", "x"))
  );
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function code(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return `\`${line.length > 100 ? `${line.slice(0, 97)}...` : line}\``;
}
