/**
 * Python test plumbing: pytest hooks (`pytest_runtest_makereport` turning failures into passes,
 * `pytest_collection_modifyitems` dropping tests) and autouse fixtures in a conftest.py or in any
 * module that defines them, the plugins pytest loads by `-p` (from addopts or the check command) or
 * by `pytest_plugins`, and unittest's `load_tests` protocol. Functions are compared one by one, so
 * a conftest whose hooks are unchanged is named only for what did change. (sitecustomize.py,
 * usercustomize.py and `.pth` files run in every Python process: toolchain-shadowing.ts names them.)
 */
import type { ChangedFile } from "./diff-scope-observation.ts";
import { baseName, languageOf } from "./file-roles.ts";
import {
  isPresentAtClaim,
  type PlumbingFinding,
  type PlumbingInput,
  sideText,
  stringLiterals,
} from "./plumbing-files.ts";

export function pythonPlumbing({ files, configs, checkCommand }: PlumbingInput): PlumbingFinding[] {
  const python = files.filter((file) => languageOf(file.path) === "python" && isPresentAtClaim(file));
  return [...python.flatMap(hookFindings), ...pluginFindings(files, python, configs, checkCommand)];
}

/** Functions pytest or unittest call around the tests, by name. */
function isHookName(name: string): boolean {
  return /^pytest_\w+$/.test(name) || name === "load_tests";
}

/** The hooks and autouse fixtures whose code the claim adds or changes in one file. */
function hookFindings(file: ChangedFile): PlumbingFinding[] {
  const before = functionsOf(sideText(file, "base"));
  const after = functionsOf(sideText(file, "commit"));
  const isConftest = baseName(file.path) === "conftest.py";
  const changed = [...after].filter(([name, text]) => before.get(name) !== text).map(([name]) => name);
  const findings: PlumbingFinding[] = [];
  for (const name of changed) {
    const text = after.get(name)!;
    if (isHookName(name)) {
      findings.push({ file: file.path, hook: name, why: hookWhy(file.path, name) });
    } else if (/@pytest\.fixture\s*\([^)]*autouse\s*=\s*True/.test(text)) {
      findings.push({
        file: file.path,
        hook: `autouse fixture ${name}`,
        why: `${file.path} defines the autouse fixture \`${name}\`: pytest runs it around every test in its scope`,
      });
    }
  }
  if (isConftest && findings.length === 0) {
    const module = moduleCode(sideText(file, "commit"));
    const wasModule = moduleCode(sideText(file, "base"));
    if (module !== wasModule || file.status === "added" || file.status === "renamed") {
      findings.push({
        file: file.path,
        hook: "conftest.py",
        why: `${file.path} is a conftest.py: pytest imports it into the test process before the tests beside it, and its code can change what they report`,
      });
    }
  }
  return findings;
}

function hookWhy(path: string, name: string): string {
  if (name === "load_tests") {
    return `${path} defines \`load_tests\`: unittest calls it to decide which tests of the module run`;
  }
  return `${path} defines the pytest hook \`${name}\`: it runs inside pytest around the tests and can change what the run collects or reports`;
}

/**
 * Top-level functions of a Python module by name, each with its decorators and body as written;
 * the same name twice keeps the last (the one Python binds).
 */
export function functionsOf(text: string): Map<string, string> {
  const functions = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  let index = 0;
  while (index < lines.length) {
    const start = index;
    while (index < lines.length && /^@/.test(lines[index]!)) index++;
    const header = /^(?:async\s+)?def\s+(\w+)\s*\(/.exec(lines[index] ?? "");
    if (!header) {
      index = Math.max(index, start) + 1;
      continue;
    }
    index++;
    while (index < lines.length && (/^\s/.test(lines[index]!) || lines[index]!.trim() === "")) index++;
    functions.set(header[1]!, lines.slice(start, index).join("\n").trimEnd());
  }
  return functions;
}

/** A module's code outside its top-level functions: imports, assignments, `pytest_plugins`. */
function moduleCode(text: string): string {
  let rest = text;
  for (const body of functionsOf(text).values()) rest = rest.replace(body, "");
  return rest
    .split(/\r?\n/)
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"))
    .join("\n");
}

/** Plugins named by `-p` in pytest's addopts or the check command, and by `pytest_plugins`. */
function pluginFindings(
  files: readonly ChangedFile[],
  python: readonly ChangedFile[],
  configs: ReadonlyMap<string, string>,
  checkCommand: string | null,
): PlumbingFinding[] {
  const named: { module: string; how: string; where: string }[] = [];
  const configTexts = new Map(configs);
  for (const file of files) {
    if (isPytestConfig(file.path) && isPresentAtClaim(file))
      configTexts.set(file.path, sideText(file, "commit"));
  }
  for (const [path, text] of configTexts) {
    if (!isPytestConfig(path)) continue;
    for (const line of addoptsLines(text)) {
      for (const module of pFlags(line)) named.push({ module, how: "-p", where: `${path}'s addopts` });
    }
  }
  for (const module of pFlags(checkCommand ?? ""))
    named.push({ module, how: "-p", where: "the check command" });
  for (const file of python) {
    const declaration = /^pytest_plugins\s*=\s*([\s\S]*?)(?:\n(?=\S)|$)/m.exec(sideText(file, "commit"));
    if (!declaration) continue;
    for (const module of stringLiterals(declaration[1]!)) {
      named.push({ module, how: "pytest_plugins", where: file.path });
    }
  }
  const findings: PlumbingFinding[] = [];
  for (const { module, how, where } of named) {
    const candidates = modulePaths(module);
    const target = files.find(
      (file) =>
        isPresentAtClaim(file) &&
        candidates.some((path) => file.path === path || file.path.endsWith(`/${path}`)),
    );
    if (target === undefined) continue;
    findings.push({
      file: target.path,
      hook: how === "-p" ? `-p ${module}` : `pytest_plugins ${module}`,
      why: `${target.path} is the pytest plugin \`${module}\` loaded by ${how === "-p" ? "`-p`" : "`pytest_plugins`"} in ${where}: it runs inside pytest around the tests`,
    });
  }
  return findings;
}

function isPytestConfig(path: string): boolean {
  return ["pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini"].includes(baseName(path));
}

/** The addopts setting, its continuation lines included (ini) or its array (toml). */
function addoptsLines(text: string): string[] {
  const match = /^\s*addopts\s*[=:]\s*([\s\S]*?)(?=\n\s*[\w-]+\s*[=:]|\n\s*\[|(?![\s\S]))/m.exec(text);
  return match ? [match[1]!] : [];
}

/** `-p plugin`, `-pplugin`, and TOML's `["-p", "plugin"]`; `-p no:name` disables a plugin, so it is not one. */
function pFlags(text: string): string[] {
  return [...text.matchAll(/(?:^|[\s"',[])-p(?:\s*["']\s*,\s*["']|\s*["']?)([\w.:]+)/g)]
    .map((match) => match[1]!)
    .filter((module) => !module.startsWith("no:"));
}

/** Where a module's code lives: `pkg.plugin` → `pkg/plugin.py`, `pkg/plugin/__init__.py`. */
function modulePaths(module: string): string[] {
  const path = module.replaceAll(".", "/");
  return [`${path}.py`, `${path}/__init__.py`];
}
