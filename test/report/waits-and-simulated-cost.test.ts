/**
 * A human's wait is shown apart from the workers' time, and cost from replayed turns is marked as
 * simulated: in the status table, its JSON rows, and the campaign report.
 */
import { describe, expect, it } from "vitest";
import { buildCampaignReport } from "../../src/report/campaign-report.ts";
import { renderHtmlReport } from "../../src/report/html-report.ts";
import { humanWaitMs } from "../../src/report/human-wait.ts";
import { renderMarkdownReport } from "../../src/report/markdown-report.ts";
import { statusRows, statusTableCells } from "../../src/report/status-table.ts";
import { foldEvents } from "../../src/run/workstream-state.ts";
import { journalEvent } from "../fakes/journal-events.ts";

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 4, 9, 0, seconds)).toISOString();
const usage = (costUsd: number) => ({
  turns: 3,
  input_tokens: 100,
  output_tokens: 50,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_usd: costUsd,
});

const events = [
  journalEvent(1, at(0), "run.started", null, {
    run: "r1",
    plan: "/p.yaml",
    workstreams: ["replayed", "asked"],
    only: null,
    concurrency: 2,
  }),
  journalEvent(2, at(0), "workstream.started", "replayed", { goal: "g" }),
  journalEvent(3, at(0), "worker.started", "replayed", { attempt: 1, provider: "replay" }),
  journalEvent(4, at(1), "worker.usage", "replayed", { attempt: 1, model: "m", ...usage(0.5) }),
  journalEvent(5, at(2), "claim.made", "replayed", {
    claim: 1,
    summary: "done",
    commit: null,
    head: "a".repeat(40),
  }),
  journalEvent(6, at(3), "claim.accepted", "replayed", { claim: 1, commit: null }),
  journalEvent(7, at(0), "workstream.started", "asked", { goal: "g" }),
  journalEvent(8, at(0), "worker.started", "asked", { attempt: 1, provider: "anthropic" }),
  journalEvent(9, at(2), "worker.usage", "asked", { attempt: 1, model: "m", ...usage(0.25) }),
  journalEvent(10, at(10), "escalation.opened", "asked", {
    escalation: "asked-1",
    question: "Which API?",
    source: "worker",
  }),
  journalEvent(11, at(250), "escalation.decided", "asked", {
    escalation: "asked-1",
    decision: "approved",
    note: null,
    text: null,
  }),
];

describe("human waits and simulated cost", () => {
  const state = foldEvents(["replayed", "asked"], events);
  const nowMs = Date.parse(at(300));

  it("counts overlapping waits once", () => {
    const waits = [
      { opened_at: at(0), decided_at: at(60) },
      { opened_at: at(30), decided_at: at(90) },
      { opened_at: at(100), decided_at: null },
    ];
    expect(humanWaitMs(waits, Date.parse(at(110)))).toBe(100_000);
  });

  it("shows them apart in the status table and its JSON rows", () => {
    const cells = statusTableCells(["replayed", "asked"], state, nowMs).rows.map((row) => [
      row.cells[6],
      row.cells[7],
    ]);
    expect(cells).toEqual([
      ["$0.50 sim", "3s"],
      ["$0.25", "1m00s +4m00s human"],
    ]);
    expect(
      statusRows(["replayed", "asked"], state, nowMs).map((row) => [
        row.simulated_cost_usd,
        row.human_wait_seconds,
      ]),
    ).toEqual([
      [0.5, 0],
      [0, 240],
    ]);
  });

  it("marks them in the campaign report", () => {
    const report = buildCampaignReport({
      events,
      workstreamIds: ["replayed", "asked"],
      state,
      run: { id: "r1", directory: "/state/runs/r1" },
      logs: new Map(),
      bundlesPresent: new Set(),
      nowMs,
    });
    expect(
      report.workstreams.map((row) => [row.workstream, row.human_wait_ms, row.simulated_cost_usd]),
    ).toEqual([
      ["replayed", 0, 0.5],
      ["asked", 240_000, 0],
    ]);
    expect(report.totals.simulated_cost_usd).toBe(0.5);
    const markdown = renderMarkdownReport(report, { runDirectoryHref: "runs/r1" });
    expect(markdown).toContain("$0.50 simulated");
    expect(markdown).toContain("1m00s + 4m00s waiting on a human");
    expect(markdown).toContain("Of this, $0.50 is simulated (turns replayed from a cassette), not spent.");
    // On the HTML timeline the wait no work overlaps is drawn short, and hatched apart from the work.
    const page = renderHtmlReport(report, { runDirectoryHref: "runs/r1" });
    expect(page).toContain('title="asked-1: waiting on a human for 4m00s"');
    expect(page).toContain("4m00s in which only a human was waited on is drawn short.");
  });
});
