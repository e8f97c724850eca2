/**
 * Rust test plumbing: a test target built with `harness = false` (a `[[test]]`, `[[bench]]` or the
 * `[lib]` in Cargo.toml) is a program of its own whose `main` prints whatever it likes in place of
 * libtest's results, and `#![feature(custom_test_frameworks)]` / `#[test_runner]` replace the harness
 * that runs `#[test]` functions. A claim that sets either, or changes the code of such a target, is
 * plumbing. Cargo.toml is read by sections, as text.
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
  return [...findings, ...files.flatMap(customFrameworkFinding)];
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
