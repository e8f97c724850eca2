import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { createLiveView, type LiveViewOptions, type ViewWriter } from "../../src/report/live-view.ts";
import type { JournalEvent } from "../../src/run/events.ts";
import type { RunInfo } from "../../src/run/run-store.ts";
import { foldEvents, type RunState } from "../../src/run/workstream-state.ts";
import { journalEvent } from "../fakes/journal-events.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";
import { createVirtualTerminal, ManualViewTimers } from "../fakes/virtual-terminal.ts";

const startMs = Date.UTC(2026, 0, 1);
let seq = 0;
/** An event `second` seconds after the start. */
const event = (
  second: number,
  type: string,
  workstream: string | null,
  data: Record<string, unknown> = {},
): JournalEvent => {
  seq += 1;
  return journalEvent(seq, new Date(startMs + second * 1000).toISOString(), type, workstream, data);
};

const plan = testPlan([testWorkstream("alpha"), testWorkstream("beta")]);
const run: RunInfo = {
  id: "r1",
  dir: "/state/runs/r1",
  journalFile: "/state/runs/r1/journal.jsonl",
  isFinished: false,
  startedAt: null,
};
const runStarted = () =>
  event(0, "run.started", null, {
    run: "r1",
    plan: "plan.yaml",
    workstreams: ["alpha", "beta"],
    only: null,
    concurrency: 2,
  });
const acceptedAlpha = () => [
  event(1, "workstream.started", "alpha", { goal: "alpha" }),
  event(1, "worker.started", "alpha", { attempt: 1, provider: "command" }),
  event(3, "claim.made", "alpha", {
    claim: 1,
    commit: "abcdef1234567890",
    head: "abcdef1234567890",
    summary: "done",
  }),
  event(4, "claim.accepted", "alpha", { claim: 1, commit: "abcdef1234567890" }),
];

function setUp(options: Partial<LiveViewOptions> & { columns?: number; rows?: number } = {}) {
  const terminal = createVirtualTerminal({ columns: options.columns ?? 100, rows: options.rows ?? 30 });
  const clock = new ManualClock(startMs);
  const timers = new ManualViewTimers();
  const view = createLiveView({
    plan,
    runId: "r1",
    output: terminal,
    json: false,
    redact: (text) => text,
    recordedEvents: [],
    clock,
    timers,
    ...options,
  });
  return { terminal, clock, timers, view };
}

const stateOf = (events: JournalEvent[]): RunState => foldEvents(["alpha", "beta"], events);
const tables = (rows: string[]) => rows.filter((row) => row.startsWith("WORKSTREAM")).length;

describe("the live view on a terminal", () => {
  it("draws one table at once and redraws it in place after events, with activity, escalations, a footer and a bell", () => {
    const { terminal, timers, view } = setUp();
    expect(terminal.rowsOfText()).toEqual([
      "WORKSTREAM  STATE    GATES  ATTEMPTS  TURNS  TOKENS  COST   ELAPSED",
      "alpha       pending  -      0         0      0       $0.00  -",
      "beta        pending  -      0         0      0       $0.00  -",
      "0/2 ended · 0 running · 0 accepted · 0s",
      "",
    ]);
    view.onEvent(runStarted());
    view.onEvent(event(1, "workstream.started", "alpha", { goal: "alpha" }));
    view.onEvent(event(1, "worker.started", "alpha", { attempt: 1, provider: "command" }));
    view.onEvent(event(2, "escalation.opened", "alpha", { escalation: "alpha-1", question: "Which API?" }));
    timers.flush();
    expect(terminal.rowsOfText()).toEqual([
      "WORKSTREAM  STATE      GATES  ATTEMPTS  TURNS  TOKENS  COST   ELAPSED",
      "alpha       escalated  -      1         0      0       $0.00  0s",
      "beta        pending    -      0         0      0       $0.00  -",
      "  alpha: waiting on a human: Which API?",
      "",
      "  alpha: escalation.opened alpha-1: Which API?",
      '  ! alpha-1 waits on you: supervise approve|deny alpha-1 · supervise reply alpha-1 "TEXT"',
      "0/2 ended · 0 running · 0 accepted · 0s",
      "",
    ]);
    expect(terminal.written()).toContain("\x07");
  });

  it("moves ELAPSED and the footer every second with no event to redraw on", () => {
    const { terminal, clock, timers, view } = setUp();
    view.onEvent(runStarted());
    view.onEvent(event(0, "workstream.started", "alpha", { goal: "alpha" }));
    clock.advance(65_000);
    timers.tick();
    expect(terminal.rowsOfText()).toContain(
      "alpha       running  -      0         0      0       $0.00  1m05s",
    );
    expect(terminal.rowsOfText()).toContain("0/2 ended · 1 running · 0 accepted · 1m05s");
    expect(tables(terminal.rowsOfText())).toBe(1);
  });

  it("keeps column widths within a run: a column never narrows, so the table does not jump", () => {
    const { terminal, timers, view } = setUp();
    view.onEvent(runStarted());
    view.onEvent(event(1, "workstream.started", "alpha", { goal: "alpha" }));
    view.onEvent(event(2, "escalation.opened", "alpha", { escalation: "alpha-1", question: "Which API?" }));
    timers.flush();
    const escalatedHeader = terminal.rowsOfText()[0];
    view.onEvent(
      event(3, "escalation.decided", "alpha", {
        escalation: "alpha-1",
        decision: "approved",
        note: null,
        text: null,
      }),
    );
    timers.flush();
    expect(terminal.rowsOfText()[0]).toBe(escalatedHeader);
    // The question waited a second (its events are a second apart): shown apart from the work.
    expect(terminal.rowsOfText()[1]).toBe(
      "alpha       running    -      0         0      0       $0.00  0s +1s human",
    );
  });

  it("cuts lines to a narrow terminal so none wraps, and redraws at the new width on resize", () => {
    const { terminal, view } = setUp({ columns: 40 });
    view.onEvent(runStarted());
    expect(terminal.rowsOfText().slice(0, 3)).toEqual([
      "WORKSTREAM  STATE    GATES  ATTEMPTS  …",
      "alpha       pending  -      0         …",
      "beta        pending  -      0         …",
    ]);
    terminal.resize(100, 30);
    expect(terminal.rowsOfText()).toEqual([
      "WORKSTREAM  STATE    GATES  ATTEMPTS  TURNS  TOKENS  COST   ELAPSED",
      "alpha       pending  -      0         0      0       $0.00  -",
      "beta        pending  -      0         0      0       $0.00  -",
      "0/2 ended · 0 running · 0 accepted · 0s",
      "",
    ]);
  });

  it("keeps the stop message above the table, and ends with the final table once and how to resume", () => {
    const { terminal, clock, timers, view } = setUp({ columns: 160 });
    view.onEvent(runStarted());
    for (const accepted of acceptedAlpha()) view.onEvent(accepted);
    view.onEvent(event(5, "workstream.started", "beta", { goal: "beta" }));
    timers.flush();
    view.notice("\nStopping: workers are being stopped and the journal closed (Ctrl-C again to force).\n");
    clock.advance(6_000);
    timers.tick();
    const events = [
      runStarted(),
      ...acceptedAlpha(),
      event(5, "workstream.started", "beta", { goal: "beta" }),
    ];
    view.finish({
      outcome: { kind: "stopped", state: stateOf(events), reason: "interrupted" },
      stateDirectory: "/state",
      run,
      resumeCommand: "npx supervise plan.yaml",
    });
    expect(timers.isIdle).toBe(true);
    expect(terminal.rowsOfText()).toEqual([
      "",
      "Stopping: workers are being stopped and the journal closed (Ctrl-C again to force).",
      "WORKSTREAM  STATE     GATES          ATTEMPTS  TURNS  TOKENS  COST   ELAPSED",
      "alpha       accepted  0 ok 0 failed  1         0      0       $0.00  3s",
      "beta        running   -              0         0      0       $0.00  1s",
      "",
      "Run r1 stopped on request: 1 accepted, 1 running.",
      "Evidence: /state/runs/r1/evidence/<workstream>/bundle.md · `supervise status --state-dir /state` · `supervise evidence <workstream>`",
      "Stopped: the worker of beta; it continues from its checkout on resume.",
      "Resume with: npx supervise plan.yaml",
      "",
    ]);
  });

  it("shows a resumed run as the journal left it, opening with what is done and what is to go", () => {
    const { terminal, timers, view } = setUp({ recordedEvents: [runStarted(), ...acceptedAlpha()] });
    expect(terminal.rowsOfText()).toEqual([
      "Resuming run r1: 1 accepted, 1 to go.",
      "WORKSTREAM  STATE     GATES          ATTEMPTS  TURNS  TOKENS  COST   ELAPSED",
      "alpha       accepted  0 ok 0 failed  1         0      0       $0.00  3s",
      "beta        pending   -              0         0      0       $0.00  -",
      "1/2 ended · 0 running · 1 accepted · 0s",
      "",
    ]);
    view.onEvent(event(10, "run.resumed", null, { run: "r1" }));
    timers.flush();
    expect(terminal.rowsOfText()[4]).toBe("1/2 ended · 0 running · 1 accepted · 0s");
  });

  it("writes no colour with NO_COLOR, and colours the state otherwise", () => {
    const colored = setUp();
    colored.view.onEvent(runStarted());
    colored.view.onEvent(event(1, "workstream.started", "alpha", { goal: "alpha" }));
    colored.timers.flush();
    expect(colored.terminal.written()).toContain("\x1b[36mrunning\x1b[0m");
    const terminal = createVirtualTerminal({ columns: 100, rows: 30, useColor: false });
    const plain = setUp({ output: terminal });
    plain.view.onEvent(runStarted());
    plain.view.onEvent(event(1, "workstream.started", "alpha", { goal: "alpha" }));
    plain.timers.flush();
    expect(terminal.written()).not.toMatch(/\x1b\[[0-9;]*m/);
    expect(terminal.rowsOfText()[1]).toBe("alpha       running  -      0         0      0       $0.00  0s");
  });

  it("leaves the screen as it is on a forced exit, with the last words below", () => {
    const { terminal, timers, view } = setUp();
    view.close("\nInterrupted again: exiting now.\n");
    expect(timers.isIdle).toBe(true);
    expect(terminal.rowsOfText().slice(-3)).toEqual(["", "Interrupted again: exiting now.", ""]);
    expect(tables(terminal.rowsOfText())).toBe(1);
  });
});

/** A pipe or a file: what is written is kept as written. */
function offTerminal(lines: string[]): ViewWriter {
  return {
    out: (text) => lines.push(text),
    err: (text) => lines.push(text),
    isTty: false,
    useColor: false,
    columns: 80,
    rows: 24,
    onResize: () => () => {},
  };
}

describe("the live view off a terminal", () => {
  it("prints one plain line per event, no escape sequence at all, and the resume line first", () => {
    const lines: string[] = [];
    const output = offTerminal(lines);
    const view = createLiveView({
      plan,
      runId: "r1",
      output,
      json: false,
      redact: (text) => text.replaceAll("s3cret", "[REDACTED]"),
      recordedEvents: [runStarted(), ...acceptedAlpha()],
      clock: new ManualClock(startMs),
      timers: new ManualViewTimers(),
    });
    view.onEvent(event(5, "workstream.started", "beta", { goal: "beta" }));
    view.onEvent(
      event(6, "claim.made", "beta", {
        claim: 1,
        commit: "abcdef1234567890",
        head: "abcdef1234567890",
        summary: "done with s3cret \x1b[2J",
      }),
    );
    view.notice("\nStopping.\n");
    const text = lines.join("");
    expect(text).toBe(
      [
        "Resuming run r1: 1 accepted, 1 to go.",
        "00:00:05 beta workstream.started",
        "00:00:06 beta claim.made claim 1 at abcdef123456: done with [REDACTED] \\u001b[2J",
        "",
        "Stopping.",
        "",
      ].join("\n"),
    );
  });

  it("streams JSON lines with --json", () => {
    const lines: string[] = [];
    const output = offTerminal(lines);
    createLiveView({
      plan,
      runId: "r1",
      output,
      json: true,
      redact: (text) => text,
      recordedEvents: [],
      clock: new ManualClock(startMs),
      timers: new ManualViewTimers(),
    }).onEvent(event(7, "run.finished", null, { verdicts: {} }));
    expect(JSON.parse(lines.join(""))).toMatchObject({ type: "run.finished", workstream: null });
  });
});
