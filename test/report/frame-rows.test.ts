import { describe, expect, it } from "vitest";
import { displayWidth, fitToWidth, physicalRows } from "../../src/report/frame-rows.ts";

describe("displayWidth", () => {
  it("counts columns, not characters: no width for escape sequences and combining marks, two for wide characters", () => {
    expect(displayWidth("accepted")).toBe(8);
    expect(displayWidth("\x1b[32maccepted\x1b[0m")).toBe(8);
    expect(displayWidth("3/5 ended · 1 running · 2 accepted · 1m05s")).toBe(42);
    expect(displayWidth("修复登录")).toBe(8);
    expect(displayWidth("done 🚀")).toBe(7);
    expect(displayWidth("cafe\u0301")).toBe(4);
  });
});

describe("physicalRows", () => {
  it("counts one row per line that fits, an empty line included", () => {
    expect(physicalRows(["WORKSTREAM  STATE", "", "1/2 ended"], 80)).toBe(3);
    expect(physicalRows([], 80)).toBe(0);
  });

  it("counts the rows a line wraps onto, a line of exactly the width as one", () => {
    expect(physicalRows(["x".repeat(80)], 80)).toBe(1);
    expect(physicalRows(["x".repeat(81)], 80)).toBe(2);
    expect(physicalRows(["x".repeat(160), "x".repeat(161)], 80)).toBe(5);
  });

  it("counts a frame drawn wide again after the terminal narrowed, as the terminal rewraps it", () => {
    const frame = ["x".repeat(77), "y".repeat(77), "footer"];
    expect(physicalRows(frame, 160)).toBe(3);
    expect(physicalRows(frame, 60)).toBe(5);
    expect(physicalRows(frame, 30)).toBe(7);
  });

  it("leaves colours out of the count", () => {
    expect(physicalRows([`\x1b[36m${"x".repeat(80)}\x1b[0m`], 80)).toBe(1);
  });

  it("counts wide characters as two columns", () => {
    expect(physicalRows(["修".repeat(41)], 80)).toBe(2);
  });
});

describe("fitToWidth", () => {
  it("keeps a line that fits, and cuts a longer one to the width with an ellipsis", () => {
    expect(fitToWidth("slow  running", 20)).toBe("slow  running");
    expect(fitToWidth("slow  running  -  1", 10)).toBe("slow  run…");
    expect(displayWidth(fitToWidth("x".repeat(200), 59))).toBe(59);
  });

  it("keeps escape sequences whole and resets the colour of a cut line", () => {
    expect(fitToWidth("slow  \x1b[36mrunning\x1b[0m  -  1", 10)).toBe("slow  \x1b[36mrun…\x1b[0m");
  });

  it("never splits a wide character across the edge", () => {
    expect(fitToWidth("ab修复登录", 5)).toBe("ab修…");
    expect(displayWidth(fitToWidth("ab修复登录", 6))).toBeLessThanOrEqual(6);
  });
});
