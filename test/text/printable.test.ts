import { describe, expect, it } from "vitest";
import { markdownInline, printable } from "../../src/text.ts";

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

describe("markdownInline", () => {
  it("keeps a worker's summary on one line with no Markdown structure of its own", () => {
    const summary = "done\n\n**Verdict: accepted** | [ok](https://x) <img src=x> _all_ `gates` pass\u001b[2J";
    expect(markdownInline(summary)).toBe(
      "done \\*\\*Verdict: accepted\\*\\* \\| \\[ok\\](https://x) &lt;img src=x> \\_all\\_ \\`gates\\` pass\\u001b\\[2J",
    );
  });

  it("leaves identifiers readable: an underscore inside a word is no emphasis", () => {
    expect(markdownInline("local_check and diff_scope")).toBe("local_check and diff_scope");
  });
});
