/**
 * The layout is the architecture: each folder of src/ is a part, reached through an index.ts that
 * opens with what the part owns and what it must never do. Which parts may import which (the
 * "never" rules) is Biome's noRestrictedImports, in biome.json; this test checks what a lint rule on
 * one import cannot see: that an import from another part names one of its index.ts files, that
 * the shared files at the top of src/ import no part, and that below the CLI nothing prints or exits.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const sourceRoot = fileURLToPath(new URL("../src/", import.meta.url));

interface SourceFile {
  /** Relative to src/, with forward slashes. */
  path: string;
  text: string;
}

function sourceFiles(): SourceFile[] {
  return readdirSync(sourceRoot, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".ts"))
    .map((path) => ({
      path: path.split(sep).join("/"),
      text: readFileSync(join(sourceRoot, path), "utf8"),
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The part a file belongs to: its top folder under src/; src/cli.ts, the binary's entry, is the CLI's. */
function partOf(path: string): string | null {
  const [top, ...rest] = path.split("/");
  if (rest.length > 0) return top!;
  return path === "cli.ts" ? "cli" : null;
}

const importPattern =
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]*?\s*from\s*)?["'](\.[^"']+)["']|\bimport\(\s*["'](\.[^"']+)["']\s*\)/g;

/** Every relative module a file imports or re-exports, statically or with import(), relative to src/. */
function importsOf(file: SourceFile): string[] {
  return [...file.text.matchAll(importPattern)].map((match) =>
    relative(sourceRoot, resolve(sourceRoot, dirname(file.path), (match[1] ?? match[2])!))
      .split(sep)
      .join("/"),
  );
}

const files = sourceFiles();
const parts = [
  ...new Set(files.flatMap((file) => (file.path.includes("/") ? [file.path.split("/")[0]!] : []))),
];

describe("the parts of src/", () => {
  it("each have an index.ts, and every index.ts opens with what its part owns and must never do", () => {
    const entries = files.filter((file) => file.path.endsWith("/index.ts"));
    const missing = parts
      .filter((part) => !entries.some((entry) => entry.path === `${part}/index.ts`))
      .map((part) => `src/${part}/ has no index.ts`);
    const withoutHeader = entries
      .filter((entry) => !/^\/\/ Owns: \S.*\n\/\/ Must never: \S.*\n/.test(entry.text))
      .map((entry) => `src/${entry.path} does not open with "// Owns: …" and "// Must never: …"`);
    expect([...missing, ...withoutHeader]).toEqual([]);
  });

  it("are imported by other parts only through an index.ts", () => {
    const deepImports = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => {
          const targetPart = partOf(target);
          return targetPart !== null && targetPart !== partOf(file.path) && !target.endsWith("/index.ts");
        })
        .map(
          (target) =>
            `src/${file.path} imports src/${target}: import it from src/${partOf(target)}/index.ts (export it there if it is meant to be used outside)`,
        ),
    );
    expect(deepImports).toEqual([]);
  });

  it("are not imported by the shared files at the top of src/", () => {
    const shared = files.filter((file) => partOf(file.path) === null);
    const violations = shared.flatMap((file) =>
      importsOf(file)
        .filter((target) => partOf(target) !== null)
        .map((target) => `src/${file.path} imports src/${target}: a shared file depends on no part`),
    );
    expect(violations).toEqual([]);
  });
});

describe("below the CLI", () => {
  it("nothing prints to the terminal or exits the process", () => {
    const printingOrExiting = /\bprocess\.(?:stdout|stderr|exit|exitCode)\b|\bconsole\.\w+/;
    const violations = files
      .filter((file) => partOf(file.path) !== "cli")
      .flatMap((file) =>
        file.text.split("\n").flatMap((line, index) => {
          const code = line.trimStart();
          if (code.startsWith("//") || code.startsWith("*")) return [];
          const found = printingOrExiting.exec(line);
          return found
            ? [`src/${file.path}:${index + 1} uses ${found[0]}: write through the output the CLI passes down`]
            : [];
        }),
      );
    expect(violations).toEqual([]);
  });
});
