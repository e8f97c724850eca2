import { describe, expect, it } from "vitest";
import type { ChangedFile } from "../../src/evidence/diff-scope-observation.ts";
import { cfgTruth } from "../../src/evidence/rust-test-exclusion.ts";
import { testChangeFindings } from "../../src/evidence/test-change-findings.ts";
import { selectionChanges } from "../../src/evidence/test-selection.ts";

function modified(path: string, base: string, commit: string): ChangedFile {
  return {
    path,
    previousPath: null,
    status: "modified",
    addedLines: 1,
    removedLines: 1,
    base: { kind: "text", text: base },
    commit: { kind: "text", text: commit },
  };
}

const findingsOf = (path: string, base: string, commit: string) =>
  testChangeFindings([modified(path, base, commit)], 1_000_000).findings;

const library = (moduleHeader: string[], testAttributes: string[] = []) =>
  [
    "pub fn add(a: i32, b: i32) -> i32 { a + b }",
    ...moduleHeader,
    "mod tests {",
    "    #[test]",
    ...testAttributes,
    "    fn adds() { assert_eq!(super::add(1, 1), 2); }",
    "}",
    "",
  ].join("\n");

describe("cfgTruth", () => {
  it.each([
    ["test", "always"],
    ["any()", "never"],
    ["all()", "always"],
    ["false", "never"],
    ["FALSE", "never"],
    ["not(test)", "never"],
    ["all(test, any())", "never"],
    ["any(test, never)", "always"],
    ['feature = "slow"', "maybe"],
    ['all(test, target_os = "linux")', "maybe"],
    ["not(miri)", "maybe"],
    ["unix", "maybe"],
    ["any(", "maybe"],
  ] as const)("%s is %s under cargo test", (predicate, truth) => {
    expect(cfgTruth(predicate)).toBe(truth);
  });
});

describe("Rust test exclusions in the diff", () => {
  const base = library(["#[cfg(test)]"]);

  it.each([
    ["#[cfg(any())]", "tests-excluded"],
    ["#[cfg(FALSE)]", "tests-excluded"],
    ["#[cfg(all(test, not(test)))]", "tests-excluded"],
  ])("finds %s put on a test module", (cfg, kind) => {
    const findings = findingsOf("src/lib.rs", base, library([cfg]));
    expect(findings).toEqual([
      {
        kind,
        file: "src/lib.rs",
        detail: `src/lib.rs adds \`${cfg}\`, which a plain \`cargo test\` never satisfies, on \`mod tests {\`: its tests no longer build or run`,
      },
    ]);
  });

  it("finds a never-true cfg put on one test, and #[cfg_attr(…, ignore)]", () => {
    expect(
      findingsOf("src/lib.rs", base, library(["#[cfg(test)]"], ["#[cfg(any())]"])).map((f) => f.kind),
    ).toEqual(["tests-excluded"]);
    expect(
      findingsOf("src/lib.rs", base, library(["#[cfg(test)]"], ["#[cfg_attr(unix, ignore)]"])).map(
        (f) => f.kind,
      ),
    ).toEqual(["test-skipped"]);
  });

  it("finds an inner never-true cfg on a test file", () => {
    const it = "#[test]\nfn adds() { assert_eq!(2, 2); }\n";
    expect(findingsOf("tests/it.rs", it, `#![cfg(any())]\n${it}`).map((f) => f.kind)).toEqual([
      "tests-excluded",
    ]);
  });

  it("lets a cfg that may hold, and a new gated test, pass", () => {
    expect(findingsOf("src/lib.rs", base, library(['#[cfg(all(test, feature = "slow"))]']))).toEqual([]);
    const withNew = `${base}#[cfg(FALSE)]\nmod more_tests {\n    #[test]\n    fn later() {}\n}\n`;
    expect(findingsOf("src/lib.rs", base, withNew)).toEqual([]);
  });

  it("finds a removed `mod tests;` line, and not a removed ordinary module", () => {
    const lib = "pub mod parse;\n#[cfg(test)]\nmod checks;\npub fn f() {}\n";
    expect(findingsOf("src/lib.rs", lib, "pub mod parse;\npub fn f() {}\n")).toEqual([
      {
        kind: "tests-excluded",
        file: "src/lib.rs",
        detail: "src/lib.rs removes `mod checks;`, so the tests in module checks no longer build or run",
      },
    ]);
    expect(findingsOf("src/lib.rs", lib, "#[cfg(test)]\nmod checks;\npub fn f() {}\n")).toEqual([]);
  });

  it.each([
    ["[lib]\ntest = false\n", "+test = false"],
    ["autotests = false\n", "+autotests = false"],
    ['[[test]]\nname = "it"\nharness = false\n', "+harness = false"],
  ])("reads Cargo.toml's test selection: %j", (added, shown) => {
    const manifest = '[package]\nname = "widget"\nversion = "0.1.0"\n';
    const changes = selectionChanges("Cargo.toml", manifest, `${manifest}${added}`, new Set());
    expect(changes).toHaveLength(1);
    expect(changes[0]).toContain(shown);
  });

  it("reads a workspace's members changing", () => {
    const changes = selectionChanges(
      "Cargo.toml",
      '[workspace]\nmembers = ["alpha", "beta"]\n',
      '[workspace]\nmembers = ["alpha"]\n',
      new Set(),
    );
    expect(changes).toEqual([
      'Cargo.toml changes which Rust tests build: `-members = ["alpha", "beta"]` `+members = ["alpha"]`',
    ]);
  });
});
