import { describe, expect, it } from "vitest";
import { TerminalFrame } from "../../src/report/terminal-frame.ts";
import { createVirtualTerminal } from "../fakes/virtual-terminal.ts";

describe("TerminalFrame", () => {
  it("erases exactly the rows of the last frame before drawing the next", () => {
    const terminal = createVirtualTerminal({ columns: 40, rows: 20 });
    terminal.out("$ supervise plan.yaml\n");
    const frame = new TerminalFrame(terminal);
    frame.draw(["header", "row 1", "footer"]);
    frame.draw(["header", "row 1", "row 2", "footer"]);
    frame.draw(["header", "footer"]);
    expect(terminal.written()).toBe(
      "$ supervise plan.yaml\nheader\nrow 1\nfooter\n\r\x1b[3A\x1b[Jheader\nrow 1\nrow 2\nfooter\n\r\x1b[4A\x1b[Jheader\nfooter\n",
    );
    expect(terminal.rowsOfText()).toEqual(["$ supervise plan.yaml", "header", "footer", ""]);
  });

  it("counts a frame line that wraps as the rows it fills", () => {
    const terminal = createVirtualTerminal({ columns: 10, rows: 20 });
    const frame = new TerminalFrame(terminal);
    frame.draw(["0123456789abcde", "footer"]);
    frame.draw(["new", "footer"]);
    expect(terminal.rowsOfText()).toEqual(["new", "footer", ""]);
  });

  it("after the terminal narrowed, erases the rows the old frame fills at the new width", () => {
    const terminal = createVirtualTerminal({ columns: 80, rows: 20 });
    const frame = new TerminalFrame(terminal);
    frame.draw(["x".repeat(70), "footer"]);
    terminal.resize(30, 20);
    frame.draw(["y".repeat(29), "footer"]);
    // A terminal that rewraps fills 3 + 1 rows with the old frame: all of them are erased.
    expect(terminal.written().endsWith(`\r\x1b[4A\x1b[J${"y".repeat(29)}\nfooter\n`)).toBe(true);
  });

  it("keeps text printed above the frame, and the frame below it", () => {
    const terminal = createVirtualTerminal({ columns: 40, rows: 20 });
    const frame = new TerminalFrame(terminal);
    frame.draw(["header", "footer 1s"]);
    frame.printAbove("\nStopping: workers are being stopped.\n", ["header", "footer 2s"]);
    frame.draw(["header", "footer 3s"]);
    expect(terminal.rowsOfText()).toEqual([
      "",
      "Stopping: workers are being stopped.",
      "header",
      "footer 3s",
      "",
    ]);
  });

  it("leaves a released frame on screen: the next draw starts below it", () => {
    const terminal = createVirtualTerminal({ columns: 40, rows: 20 });
    const frame = new TerminalFrame(terminal);
    frame.draw(["final table"]);
    frame.release();
    frame.draw(["something else"]);
    expect(terminal.rowsOfText()).toEqual(["final table", "something else", ""]);
  });
});
