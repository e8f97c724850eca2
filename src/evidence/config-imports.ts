/**
 * The local files a JavaScript runner config loads as part of itself: `require("./jest.base")`,
 * `import base from "./vitest.shared.mjs"` (a vitest `mergeConfig` of a shared config), `import()`.
 * Node resolves them, so a setup file named only in the base config is in the runner's config all
 * the same. Relative specifiers only (a package's preset is `preset`, a plumbing key of its own);
 * the config is read as text, never run. Pure.
 */
import { folderOf } from "./plumbing-files.ts";

/** Extensions node and the runners' loaders try for an extensionless specifier, in order. */
export const configImportExtensions = ["", ".js", ".cjs", ".mjs", ".ts", ".cts", ".mts", ".json"];
/** How deep imports of imports are followed: a shared config is one or two files away. */
export const configImportDepth = 3;

const importPattern =
  /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+)(["'])(\.{1,2}\/[^"'\n]+)\1/gm;

/** Repository paths (extension not yet resolved) of the relative specifiers in `text`. */
export function relativeImports(configPath: string, text: string): string[] {
  const folder = folderOf(configPath);
  const paths: string[] = [];
  for (const match of text.matchAll(importPattern)) {
    const path = normalized(folder === "" ? match[2]! : `${folder}/${match[2]}`);
    if (path !== null && !paths.includes(path)) paths.push(path);
  }
  return paths;
}

/** The candidates a specifier's path resolves to: as written, with an extension, or a folder's index. */
export function importCandidates(path: string): string[] {
  return [
    ...configImportExtensions.map((extension) => `${path}${extension}`),
    ...configImportExtensions.slice(1).map((extension) => `${path}/index${extension}`),
  ];
}

/**
 * The files each config loads, transitively up to configImportDepth, resolved against `texts`
 * (path → text of the files that exist): config path → imported paths, nearest first.
 */
export function configImports(
  configs: readonly string[],
  texts: ReadonlyMap<string, string>,
): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const config of configs) {
    const found: string[] = [];
    let frontier = [config];
    for (let depth = 0; depth < configImportDepth && frontier.length > 0; depth++) {
      const next: string[] = [];
      for (const file of frontier) {
        for (const path of relativeImports(file, texts.get(file) ?? "")) {
          const resolved = importCandidates(path).find((candidate) => texts.has(candidate));
          if (resolved === undefined || resolved === config || found.includes(resolved)) continue;
          found.push(resolved);
          next.push(resolved);
        }
      }
      frontier = next;
    }
    if (found.length > 0) result.set(config, found);
  }
  return result;
}

function normalized(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}
