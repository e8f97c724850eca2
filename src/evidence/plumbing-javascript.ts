/**
 * JavaScript test plumbing: what jest, vitest and mocha load into the test process by their config
 * (setup files, custom runners, reporters, environments, transforms, module maps, required files),
 * mocha's root hooks, and the preloads node and the runners take as flags (`--import`, `--require`,
 * `NODE_OPTIONS` in the scripts the check runs). A change to such a key is plumbing, and so is a
 * change to any file a key or flag names. JSON and YAML configs are parsed; JS configs are read as
 * text (config-key-values.ts), never run.
 */
import { parse as parseYaml } from "yaml";
import { configImports } from "./config-imports.ts";
import { keyValues } from "./config-key-values.ts";
import type { ChangedFile } from "./diff-scope-observation.ts";
import { baseName, languageOf } from "./file-roles.ts";
import { lineChanges } from "./line-changes.ts";
import {
  changedFileNamed,
  folderOf,
  isPresentAtClaim,
  type PlumbingFinding,
  type PlumbingInput,
  sideText,
  stringLiterals,
} from "./plumbing-files.ts";
import { code } from "./test-selection.ts";

type Runner = "jest" | "vitest" | "mocha";

/** Config keys through which each runner loads code into the test process. */
const plumbingKeys: Record<Runner, readonly string[]> = {
  jest: [
    "setupFiles",
    "setupFilesAfterEnv",
    "setupFilesAfterEach",
    "testRunner",
    "runner",
    "reporters",
    "globalSetup",
    "globalTeardown",
    "testEnvironment",
    "transform",
    "moduleNameMapper",
    "snapshotResolver",
    "testSequencer",
    "resolver",
    "preset",
  ],
  vitest: ["setupFiles", "globalSetup", "reporters", "pool", "runner", "environment", "poolOptions"],
  mocha: ["require", "file", "import", "loader", "node-option", "reporter", "ui"],
};

/** Flags that load a file into the test process, on node's command line or a runner's. */
const preloadFlag =
  /(?:^|[\s'"=])(--import|--require|-r|--loader|--experimental-loader|--test-reporter|--setupFiles|--setupFilesAfterEnv|--globalSetup|--testRunner|--reporters?|--file)(?:=|\s+)(["']?)([^\s"';&|]+)\2/g;

export function javascriptPlumbing(input: PlumbingInput): PlumbingFinding[] {
  return [
    ...configPlumbing(input),
    ...preloadPlumbing(input),
    ...npmrcPlumbing(input),
    ...rootHookPlumbing(input.files),
  ];
}

/** The runner a config file configures, by its name; package.json may configure jest and mocha. */
function runnersOf(path: string): Runner[] {
  const name = baseName(path);
  if (name === "package.json") return ["jest", "mocha"];
  if (/^jest\.config\.(?:[cm]?[jt]s|json)$/.test(name)) return ["jest"];
  if (/^(?:vitest|vite)\.(?:config|workspace)\.[cm]?[jt]s$/.test(name)) return ["vitest"];
  if (/^\.mocharc(?:\.(?:[cm]?js|json|jsonc|ya?ml))?$/.test(name)) return ["mocha"];
  return [];
}

function configPlumbing({ files, configs }: PlumbingInput): PlumbingFinding[] {
  const changedConfigs = new Map(
    files
      .filter((file) => runnersOf(file.path).length > 0 && !isFixture(file.path))
      .map((file) => [file.path, file]),
  );
  const changedByPath = new Map(files.filter(isPresentAtClaim).map((file) => [file.path, file]));
  const paths = new Set([...configs.keys(), ...changedConfigs.keys()]);
  const texts = new Map(configs);
  for (const file of changedByPath.values()) texts.set(file.path, sideText(file, "commit"));
  // What a config loads (a shared base config) is part of it: its keys and the files they name.
  const imports = configImports(
    [...paths].filter((path) => runnersOf(path).length > 0),
    texts,
  );
  const findings: PlumbingFinding[] = [];
  for (const path of paths) {
    if (changedConfigs.get(path)?.status === "deleted") continue;
    for (const runner of runnersOf(path)) {
      for (const member of [path, ...(imports.get(path) ?? [])]) {
        const changed = changedByPath.get(member);
        const commitText = changed ? sideText(changed, "commit") : (configs.get(member) ?? "");
        const baseText = changed ? sideText(changed, "base") : commitText;
        findings.push(
          ...keyFindings(files, { path: member, root: folderOf(path) }, runner, baseText, commitText),
        );
      }
    }
  }
  return findings;
}

/**
 * One config file's plumbing keys for `runner`: a changed value, and the changed files its values
 * name. Those resolve against the runner's root (the loading config's folder: jest's `<rootDir>`,
 * vitest's root), also when the key sits in a base config elsewhere.
 */
function keyFindings(
  files: readonly ChangedFile[],
  { path, root }: { path: string; root: string },
  runner: Runner,
  baseText: string,
  commitText: string,
): PlumbingFinding[] {
  const findings: PlumbingFinding[] = [];
  for (const key of plumbingKeys[runner]) {
    const before = valuesOf(path, baseText, runner, key);
    const after = valuesOf(path, commitText, runner, key);
    if (after === null || before === null) continue;
    if (after.join("\n") !== before.join("\n")) {
      findings.push({
        file: path,
        hook: `${runner} ${key}`,
        why: `${path} changes ${runner}'s \`${key}\` to ${code(after.join(", ") || "nothing")}: it chooses code ${runner} runs in the test process`,
      });
    }
    for (const reference of after.flatMap(stringLiterals)) {
      const target = changedFileNamed(files, root, reference);
      if (target === undefined || target.path === path) continue;
      findings.push({
        file: target.path,
        hook: `${runner} ${key}`,
        why: `${target.path} is named by ${runner}'s \`${key}\` in ${path}: it runs inside the test process around the tests`,
      });
    }
  }
  return findings;
}

/**
 * The raw values of `key` for `runner` in one config: JSON and YAML parsed (package.json under the
 * runner's own key), JS read as text. Null when the file does not parse (another finding says so).
 */
function valuesOf(path: string, text: string, runner: Runner, key: string): string[] | null {
  const name = baseName(path);
  if (/\.[cm]?[jt]s$/.test(name)) return keyValues(text, key);
  let document: unknown;
  try {
    document = text.trim() === "" ? {} : parseYaml(text);
  } catch {
    return null;
  }
  const section = name === "package.json" ? field(document, runner) : document;
  const value = field(section, key);
  return value === undefined ? [] : [JSON.stringify(value)];
}

function field(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

/** Preload flags in the check command and the npm scripts it reaches. */
function preloadPlumbing({ files, scriptBodies, checkCommand }: PlumbingInput): PlumbingFinding[] {
  const findings: PlumbingFinding[] = [];
  const atClaim = [
    checkCommand ?? "",
    ...scriptBodies.filter((script) => !script.base).map((script) => script.body),
  ];
  const atBase = new Set(
    [
      checkCommand ?? "",
      ...scriptBodies.filter((script) => script.base).map((script) => script.body),
    ].flatMap((text) => preloads(text).map(({ flag, value }) => `${flag} ${value}`)),
  );
  for (const text of atClaim) {
    for (const { flag, value } of preloads(text)) {
      const target = changedFileNamed(files, "", value);
      if (target !== undefined) {
        findings.push({
          file: target.path,
          hook: flag,
          why: `${target.path} is loaded with \`${flag}\` by the check command: it runs inside the test process before the tests`,
        });
      }
      if (!atBase.has(`${flag} ${value}`) && text !== checkCommand) {
        findings.push({
          file: "package.json",
          hook: flag,
          why: `package.json's scripts that the check runs now load ${code(value)} with \`${flag}\` into the test process`,
        });
      }
    }
  }
  return findings;
}

function preloads(text: string): { flag: string; value: string }[] {
  return [...text.matchAll(preloadFlag)].map((match) => ({ flag: match[1]!, value: match[3]! }));
}

/**
 * npm's own config keys that reach into the scripts it runs: `node-options` becomes NODE_OPTIONS
 * (its `--import`/`--require` preloads load into every node process of `npm test`), and
 * `script-shell` is the program that runs the script itself. A change to .npmrc is already a
 * selection finding (test-selection.ts); here the files these keys name are, changed or not.
 */
function npmrcPlumbing({ files, configs }: PlumbingInput): PlumbingFinding[] {
  const texts = new Map<string, string>();
  for (const [path, text] of configs) if (baseName(path) === ".npmrc") texts.set(path, text);
  for (const file of files) {
    if (baseName(file.path) !== ".npmrc" || !isPresentAtClaim(file) || isFixture(file.path)) continue;
    texts.set(file.path, sideText(file, "commit"));
  }
  const findings: PlumbingFinding[] = [];
  for (const [path, text] of texts) {
    const options = npmrcValue(text, "node-options") ?? "";
    const named = [
      ...preloads(options).map(({ flag, value }) => ({ hook: `node-options ${flag}`, value })),
      ...[npmrcValue(text, "script-shell")].flatMap((value) =>
        value === undefined ? [] : [{ hook: "script-shell", value }],
      ),
    ];
    for (const { hook, value } of named) {
      const target = changedFileNamed(files, folderOf(path), value);
      if (target === undefined) continue;
      findings.push({
        file: target.path,
        hook,
        why: `${target.path} is named by npm's \`${hook}\` in ${path}: npm runs it with every script, the check's included`,
      });
    }
  }
  return findings;
}

/** The last value of `key` in an .npmrc (ini: `key = value`, `;` and `#` comments). */
function npmrcValue(text: string, key: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([^=;#\s]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1] === key) value = match[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  return value;
}

/** Mocha runs a `mochaHooks` export of any required file around every test. */
function rootHookPlumbing(files: readonly ChangedFile[]): PlumbingFinding[] {
  return files.flatMap((file) => {
    if (!isPresentAtClaim(file) || languageOf(file.path) !== "javascript") return [];
    const added = lineChanges(sideText(file, "base"), sideText(file, "commit")).added;
    if (!added.some((line) => /\bmochaHooks\b/.test(line))) return [];
    return [
      {
        file: file.path,
        hook: "mochaHooks",
        why: `${file.path} defines mocha root hooks (\`mochaHooks\`): they run around every test`,
      },
    ];
  });
}

function isFixture(path: string): boolean {
  return path.split("/").some((folder) => /^(?:__)?(?:fixtures?|testdata)(?:__)?$/.test(folder));
}
