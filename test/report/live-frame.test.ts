import { describe, expect, it } from "vitest";
import { displayWidth } from "../../src/report/frame-rows.ts";
import { composeFrame, type FrameParts } from "../../src/report/live-frame.ts";

const parts: FrameParts = {
  header: "WORKSTREAM  STATE",
  rows: [
    { line: "done-1      accepted", hasEnded: true },
    { line: "done-2      rejected", hasEnded: true },
    { line: "busy        running", hasEnded: false },
    { line: "asking      escalated", hasEnded: false },
  ],
  notes: ["  done-2: 2 claims rejected"],
  activity: ["  busy: worker.started attempt 1 (command)"],
  escalations: [
    '  ! asking-1 waits on you: supervise approve|deny asking-1 · supervise reply asking-1 "TEXT"',
  ],
  footer: "2/4 ended · 1 running · 1 accepted · 5s",
};

describe("composeFrame", () => {
  it("shows everything when the screen has room", () => {
    expect(composeFrame(parts, { columns: 120, rows: 40 })).toEqual([
      "WORKSTREAM  STATE",
      "done-1      accepted",
      "done-2      rejected",
      "busy        running",
      "asking      escalated",
      "  done-2: 2 claims rejected",
      "",
      "  busy: worker.started attempt 1 (command)",
      '  ! asking-1 waits on you: supervise approve|deny asking-1 · supervise reply asking-1 "TEXT"',
      "2/4 ended · 1 running · 1 accepted · 5s",
    ]);
  });

  it("cuts every line one column short of the width, so no line wraps", () => {
    const frame = composeFrame(parts, { columns: 40, rows: 40 });
    expect(Math.max(...frame.map(displayWidth))).toBe(39);
    expect(frame[8]).toBe("  ! asking-1 waits on you: supervise a…");
  });

  it("keeps the frame below the screen's height: activity goes first, then notes, then ended rows, then escalations", () => {
    expect(composeFrame(parts, { columns: 120, rows: 9 })).toEqual([
      "WORKSTREAM  STATE",
      "done-1      accepted",
      "done-2      rejected",
      "busy        running",
      "asking      escalated",
      "",
      '  ! asking-1 waits on you: supervise approve|deny asking-1 · supervise reply asking-1 "TEXT"',
      "2/4 ended · 1 running · 1 accepted · 5s",
    ]);
    expect(composeFrame(parts, { columns: 120, rows: 8 })).toEqual([
      "WORKSTREAM  STATE",
      "busy        running",
      "asking      escalated",
      "  … 2 more workstreams: supervise status",
      "",
      '  ! asking-1 waits on you: supervise approve|deny asking-1 · supervise reply asking-1 "TEXT"',
      "2/4 ended · 1 running · 1 accepted · 5s",
    ]);
    expect(composeFrame(parts, { columns: 120, rows: 5 })).toEqual([
      "WORKSTREAM  STATE",
      "busy        running",
      "  … 3 more workstreams: supervise status",
      "2/4 ended · 1 running · 1 accepted · 5s",
    ]);
  });
});
