import { describe, expect, it } from "vitest";
import { firstErrorLines } from "../../src/evidence/error-excerpt.ts";

describe("firstErrorLines", () => {
  it("keeps a compiler's first error with the location under it, not the summary at the end", () => {
    const log = [
      "   Compiling widget v0.1.0 (/work/widget)",
      "error[E0308]: mismatched types",
      " --> src/lib.rs:3:5",
      "  |",
      '3 |     "three"',
      "  |     ^^^^^^^ expected `u32`, found `&str`",
      "",
      "For more information about this error, try `rustc --explain E0308`.",
      "error: could not compile `widget` (lib) due to 1 previous error",
    ].join("\n");
    expect(firstErrorLines(log)).toBe(
      [
        "error[E0308]: mismatched types",
        " --> src/lib.rs:3:5",
        "  |",
        '3 |     "three"',
        "  |     ^^^^^^^ expected `u32`, found `&str`",
        "…",
        "For more information about this error, try `rustc --explain E0308`.",
        "error: could not compile `widget` (lib) due to 1 previous error",
      ].join("\n"),
    );
  });

  it("skips passing tests whose names say error, and summary lines that count no failures", () => {
    const log = [
      " ✓ test/parse.test.ts > reports a parse error",
      " × test/words.test.ts > counts words 12ms",
      "   → expected 3 to be 2",
      "",
      "Lint: 0 errors, 0 warnings",
    ].join("\n");
    expect(firstErrorLines(log)).toBe(" × test/words.test.ts > counts words 12ms\n   → expected 3 to be 2");
  });

  it("falls back to warnings when nothing failed outright, and strips colours", () => {
    const log = "\u001b[33mwarning\u001b[0m: unused variable: `x`\n --> src/main.rs:2:9\n\nFinished";
    expect(firstErrorLines(log)).toBe("warning: unused variable: `x`\n --> src/main.rs:2:9");
  });

  it("strips the character-set resets of a coloured rustfmt diff", () => {
    const log = [
      "Diff in /checkout/units/src/kelvin.rs:3:",
      "\u001b[31m-pub fn k(c:f64)->f64{ c }",
      "\u001b(B\u001b[m\u001b[32m+pub fn k(c: f64) -> f64 {",
      "\u001b(B\u001b[m",
    ].join("\n");
    expect(firstErrorLines(log)).toBe(
      "Diff in /checkout/units/src/kelvin.rs:3:\n-pub fn k(c:f64)->f64{ c }\n+pub fn k(c: f64) -> f64 {",
    );
  });

  it("is empty when no line reads as an error, and stops at its line limit", () => {
    expect(firstErrorLines("src/a.js\nsrc/b.js\n")).toBe("");
    const many = Array.from({ length: 50 }, (_, index) => `error: problem ${index}`).join("\n");
    expect(firstErrorLines(many, { maxLines: 3, contextLines: 0, maxLineLength: 300 })).toBe(
      "error: problem 0\nerror: problem 1\nerror: problem 2",
    );
  });
});
