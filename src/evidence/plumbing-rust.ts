/**
 * Rust test plumbing: a test target built with `harness = false` (a `[[test]]`, `[[bench]]` or the
 * `[lib]` in Cargo.toml) is a program of its own whose `main` prints whatever it likes in place of
 * libtest's results, and `#![feature(custom_test_frameworks)]` / `#[test_runner]` replace the harness
 * that runs `#[test]` functions. A claim that sets either, or changes the code of such a target, is
 * plumbing; so is a `macro_rules!` named like std's assertions (it shadows `assert_eq!` in the
 * code below it), and cargo's own config (`.cargo/config.toml`) where it names a `runner` that
 * starts every test binary, or flags and environment every test build and run gets. Cargo.toml and
 * the config are read by sections, as text.
 */
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

interface HarnessFreeTarget {
  /** `[[test]] name`, `[lib]`: how the section is named in the finding. */
  label: string;
  /** The section's text, to tell a new or changed one from one the base had already. */
  text: string;
  /** The target's source file, relative to the manifest's folder. */
  source: string;
}

export function rustPlumbing({ files, configs }: PlumbingInput): PlumbingFinding[] {
  const manifests = new Map<string, { base: string; commit: string }>();
  for (const [path, text] of configs)
    if (baseName(path) === "Cargo.toml") manifests.set(path, { base: text, commit: text });
  for (const file of files) {
    if (baseName(file.path) !== "Cargo.toml" || !isPresentAtClaim(file)) continue;
    manifests.set(file.path, { base: sideText(file, "base"), commit: sideText(file, "commit") });
  }
  const findings: PlumbingFinding[] = [];
  for (const [path, manifest] of manifests) {
    const before = new Set(harnessFreeTargets(manifest.base).map((target) => target.text));
    for (const target of harnessFreeTargets(manifest.commit)) {
      if (!before.has(target.text)) {
        findings.push({
          file: path,
          hook: "harness = false",
          why: `${path} builds ${target.label} with \`harness = false\`: its own main, not libtest, decides what \`cargo test\` reports`,
        });
      }
      const source = changedFileNamed(files, folderOf(path), target.source);
      if (source !== undefined) {
        findings.push({
          file: source.path,
          hook: "harness = false",
          why: `${source.path} is ${target.label}, built with \`harness = false\` in ${path}: its main decides what \`cargo test\` reports`,
        });
      }
    }
  }
  return [
    ...findings,
    ...cargoConfigFindings(files, configs),
    ...files.flatMap(customFrameworkFinding),
    ...files.flatMap(assertionShadowingFinding),
  ];
}

/** Keys of cargo's config that run or shape every test binary: `[target.…] runner`, flags, `[env]`. */
const cargoConfigKeys = ["runner", "rustflags", "rustdocflags"] as const;

function cargoConfigFindings(
  files: readonly ChangedFile[],
  configs: ReadonlyMap<string, string>,
): PlumbingFinding[] {
  const texts = new Map<string, { base: string; commit: string }>();
  for (const [path, text] of configs) if (isCargoConfig(path)) texts.set(path, { base: text, commit: text });
  for (const file of files) {
    if (!isCargoConfig(file.path) || !isPresentAtClaim(file)) continue;
    texts.set(file.path, { base: sideText(file, "base"), commit: sideText(file, "commit") });
  }
  const findings: PlumbingFinding[] = [];
  for (const [path, { base, commit }] of texts) {
    const before = cargoConfigEntries(base);
    for (const [key, value] of cargoConfigEntries(commit)) {
      const hook = `cargo ${key.startsWith("env.") ? "env" : key.split(".").at(-1)}`;
      if (before.get(key) !== value) {
        findings.push({
          file: path,
          hook,
          why: `${path} sets cargo's \`${key}\` to ${value.trim()}: cargo applies it to every test it builds and runs`,
        });
      }
      if (hook !== "cargo runner") continue;
      // A runner path with a slash is relative to the folder that holds `.cargo`.
      for (const reference of stringLiterals(value)) {
        const target = changedFileNamed(files, folderOf(folderOf(path)), reference);
        if (target === undefined) continue;
        findings.push({
          file: target.path,
          hook,
          why: `${target.path} is the runner cargo starts every test binary with (${path}): it decides what \`cargo test\` reports`,
        });
      }
    }
  }
  return findings;
}

export function isCargoConfig(path: string): boolean {
  return /(?:^|\/)\.cargo\/config(?:\.toml)?$/.test(path);
}

/** `section.key` → value, for the keys that shape test runs (cargoConfigKeys, and all of `[env]`). */
function cargoConfigEntries(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const section of [{ header: "", body: text.split(/^\s*\[/m)[0] ?? "" }, ...sections(text)]) {
    const table = section.header.replace(/^\[+|\]+$/g, "");
    for (const line of section.body.split("\n")) {
      const match = /^\s*([\w.'"-]+)\s*=\s*(.+)$/.exec(line);
      if (!match) continue;
      const key = `${table === "" ? "" : `${table}.`}${match[1]!.replace(/["']/g, "")}`;
      const last = key.split(".").at(-1)!;
      if (table === "env" || (cargoConfigKeys as readonly string[]).includes(last))
        entries.set(key, match[2]!);
    }
  }
  return entries;
}

/** std's assertion macros: a crate's `macro_rules!` of the same name replaces them below it. */
const assertionMacro = /^\s*macro_rules!\s*((?:debug_)?assert(?:_eq|_ne)?|panic|unreachable)\s*\{/;

function assertionShadowingFinding(file: ChangedFile): PlumbingFinding[] {
  if (languageOf(file.path) !== "rust" || !isPresentAtClaim(file)) return [];
  const added = lineChanges(sideText(file, "base"), sideText(file, "commit")).added;
  const name = added.map((line) => assertionMacro.exec(line)?.[1]).find((each) => each !== undefined);
  if (name === undefined) return [];
  return [
    {
      file: file.path,
      hook: `macro_rules! ${name}`,
      why: `${file.path} defines its own \`${name}!\`: it shadows std's in the tests below it, which then check whatever it does`,
    },
  ];
}

/** The targets of a manifest built without libtest's harness. */
export function harnessFreeTargets(manifest: string): HarnessFreeTarget[] {
  const targets: HarnessFreeTarget[] = [];
  for (const section of sections(manifest)) {
    const kind = /^\[\[(test|bench)\]\]$|^\[(lib)\]$/.exec(section.header);
    if (!kind || !/^\s*harness\s*=\s*false\b/m.test(section.body)) continue;
    const name = /^\s*name\s*=\s*"([^"]*)"/m.exec(section.body)?.[1];
    const path = /^\s*path\s*=\s*"([^"]*)"/m.exec(section.body)?.[1];
    const folder = kind[1] === "test" ? "tests" : kind[1] === "bench" ? "benches" : null;
    const source = path ?? (folder === null ? "src/lib.rs" : `${folder}/${name ?? ""}.rs`);
    const label = kind[3] ? "the library's tests ([lib])" : `the ${kind[1]} target \`${name ?? source}\``;
    targets.push({ label, text: `${section.header}\n${section.body.trim()}`, source });
  }
  return targets;
}

function sections(manifest: string): { header: string; body: string }[] {
  const result: { header: string; body: string }[] = [];
  let current: { header: string; body: string } | null = null;
  for (const line of manifest.split(/\r?\n/)) {
    const header = /^\s*(\[\[?[^\]]+\]\]?)\s*(?:#.*)?$/.exec(line);
    if (header) {
      current = { header: header[1]!.replace(/\s+/g, ""), body: "" };
      result.push(current);
    } else if (current && !/^\s*#/.test(line)) current.body += `${line.trim()}\n`;
  }
  return result;
}

function customFrameworkFinding(file: ChangedFile): PlumbingFinding[] {
  if (languageOf(file.path) !== "rust" || !isPresentAtClaim(file)) return [];
  const added = lineChanges(sideText(file, "base"), sideText(file, "commit")).added;
  const line = added.find((each) => /custom_test_frameworks|#!?\[\s*test_runner\b/.test(each));
  if (line === undefined) return [];
  const hook = line.includes("custom_test_frameworks") ? "custom_test_frameworks" : "#[test_runner]";
  return [
    {
      file: file.path,
      hook,
      why: `${file.path} sets \`${hook}\`: a test runner of the crate's own replaces libtest's`,
    },
  ];
}
