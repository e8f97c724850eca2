/**
 * Test-process plumbing: code that runs inside the test runner's process around the tests (pytest
 * hooks in a conftest.py, a jest setup file, a mocha root hook, a node `--import` preload, Go's
 * TestMain, a Rust test built with `harness = false`). It can rewrite what the run reports, so a
 * claim that adds or changes it changes test selection, whatever folder it sits in. Plumbing is
 * found from the runner's own configuration (which files its config keys and flags name), and from
 * the hooks a file defines, not from its name alone. Pure; each ecosystem's detector is its own
 * module and returns the same one-line findings.
 */
import type { PlumbingFinding, PlumbingInput } from "./plumbing-files.ts";
import { goPlumbing } from "./plumbing-go.ts";
import { javascriptPlumbing } from "./plumbing-javascript.ts";
import { patchingPlumbing } from "./plumbing-patching.ts";
import { pythonPlumbing } from "./plumbing-python.ts";
import { rustPlumbing } from "./plumbing-rust.ts";

export type { PlumbingFinding, PlumbingInput } from "./plumbing-files.ts";

/** Config files, by name, through which runners name the code they load around the tests. */
export const plumbingConfigNames: readonly string[] = [
  "package.json",
  ".npmrc",
  ...["js", "ts", "mjs", "cjs", "mts", "cts"].flatMap((extension) => [
    `jest.config.${extension}`,
    `vitest.config.${extension}`,
    `vite.config.${extension}`,
    `vitest.workspace.${extension}`,
  ]),
  "jest.config.json",
  ...["", ".js", ".cjs", ".mjs", ".json", ".jsonc", ".yaml", ".yml"].map((suffix) => `.mocharc${suffix}`),
  "pytest.ini",
  "pyproject.toml",
  "setup.cfg",
  "tox.ini",
  "Cargo.toml",
  ".cargo/config.toml",
  ".cargo/config",
  "go.mod",
];

/** A runner config the plumbing detectors read in full when a claim changes it. */
export function isPlumbingConfig(path: string): boolean {
  return plumbingConfigNames.some((name) => path === name || path.endsWith(`/${name}`));
}

/** Every piece of plumbing the claim adds or changes, one finding per file and hook. */
export function testPlumbing(input: PlumbingInput): PlumbingFinding[] {
  const findings = [
    ...pythonPlumbing(input),
    ...javascriptPlumbing(input),
    ...goPlumbing(input.files),
    ...rustPlumbing(input),
    ...patchingPlumbing(input.files),
  ];
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const key = `${finding.file}\0${finding.hook}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Folders whose configs are read beyond the root; a change spread wider is judged by the nearest ones. */
const configFoldersLimit = 30;

/**
 * Where the configs that can name a changed file sit: the root and each folder above a changed
 * file (a monorepo package's own jest.config.js), fixture folders left out.
 */
export function plumbingConfigPaths(changedPaths: readonly string[]): string[] {
  const folders = new Set<string>([""]);
  for (const path of changedPaths) {
    const parts = path.split("/").slice(0, -1);
    for (let depth = parts.length; depth > 0 && folders.size < configFoldersLimit; depth--) {
      const folder = parts.slice(0, depth).join("/");
      if (
        parts.slice(0, depth).some((part) => /^(?:__)?(?:fixtures?|testdata|node_modules)(?:__)?$/.test(part))
      )
        continue;
      folders.add(folder);
    }
  }
  return [...folders].flatMap((folder) =>
    plumbingConfigNames.map((name) => (folder === "" ? name : `${folder}/${name}`)),
  );
}
