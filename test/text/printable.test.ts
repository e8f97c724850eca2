import { describe, expect, it } from "vitest";
import { printable } from "../../src/text.ts";

describe("printable", () => {
  it("shows a worker's escape sequences instead of letting a terminal act on them", () => {
    const summary = "done\u001b]52;c;ZWNobyBwd25lZA==\u0007\u001b[2J\rfake: accepted\u009b31m";
    expect(printable(summary)).toBe(
      "done\\u001b]52;c;ZWNobyBwd25lZA==\\u0007\\u001b[2J\\u000dfake: accepted\\u009b31m",
    );
  });

  it("keeps newlines, tabs and every printable character, and JSON stays JSON", () => {
    expect(printable("a\tb\nc é ✓")).toBe("a\tb\nc é ✓");
    const json = JSON.stringify({ summary: "x\u009by" });
    expect(JSON.parse(printable(json))).toEqual({ summary: "x\u009by" });
  });
});
