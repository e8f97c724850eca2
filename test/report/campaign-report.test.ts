import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCampaignReport } from "../../src/report/campaign-report.ts";
import { renderMarkdownReport } from "../../src/report/markdown-report.ts";
import { readReportFiles } from "../../src/report/report-files.ts";
import type { CampaignReport } from "../../src/report/report-model.ts";
import type { JournalEvent } from "../../src/run/events.ts";
import { foldEvents } from "../../src/run/workstream-state.ts";
import { journalEvent } from "../fakes/journal-events.ts";
import {
  imageQuestion,
  runStartMs,
  type SyntheticRun,
  workstreamIds,
  writeSyntheticRun,
} from "./synthetic-run.ts";

let synthetic: SyntheticRun;
let report: CampaignReport;
const nowMs = runStartMs + 3_600_000;

async function reportOf(events: JournalEvent[], atMs: number): Promise<CampaignReport> {
  const state = foldEvents(workstreamIds, events);
  const files = await readReportFiles({
    stateDirectory: synthetic.stateDirectory,
    runDirectory: synthetic.run.dir,
    state,
  });
  return buildCampaignReport({
    run: { id: synthetic.run.id, directory: synthetic.run.dir },
    workstreamIds,
    events,
    state,
    logs: files.logs,
    bundlesPresent: files.bundlesPresent,
    nowMs: atMs,
  });
}

beforeAll(async () => {
  synthetic = await writeSyntheticRun();
  report = await reportOf(synthetic.events, nowMs);
});

afterAll(async () => {
  await synthetic.cleanup();
});

describe("the campaign report of a finished run", () => {
  it("ends the run at run.finished, not at the time the report is made", () => {
    expect(report.run).toEqual({
      id: "20260101-090000-abcd",
      directory: synthetic.run.dir,
      started_at: "2026-01-01T09:00:00.000Z",
      ended_at: "2026-01-01T09:03:22.000Z",
      is_finished: true,
      duration_ms: 202_000,
      generated_at: "2026-01-01T10:00:00.000Z",
    });
  });

  it("adds up tests from the latest local_check logs and the CI log", () => {
    expect(report.totals).toEqual({
      simulated_cost_usd: 0,
      workstreams: 3,
      accepted: 1,
      not_accepted: 1,
      open: 1,
      statuses: { accepted: 1, rejected: 1, pending: 1 },
      attempts: 3,
      claims: 4,
      rejected_claims: 3,
      interventions: 1,
      escalations: 1,
      usage: {
        turns: 13,
        input_tokens: 3000,
        output_tokens: 600,
        cache_read_tokens: 300,
        cache_write_tokens: 50,
        cost_usd: 0.75,
      },
      tests: {
        runners: ["vitest", "pytest"],
        passed: 15,
        failed: 2,
        skipped: 1,
        total: 18,
        notes: [],
        pass_rate: 15 / 17,
        workstreams: 2,
      },
      ci_tests: {
        runners: ["vitest"],
        passed: 12,
        failed: 0,
        skipped: 1,
        total: 13,
        notes: [],
        pass_rate: 1,
        workstreams: 1,
      },
    });
  });

  it("reads the accepted workstream's tests from its last claim's log, not the failing first one", () => {
    const accepted = report.workstreams[0]!;
    expect(accepted.tests).toEqual({
      local_check: {
        claim: 2,
        gate: "local_check",
        log: "evidence/ws-accepted/logs/claim-2-local_check.log",
        read_from: "log",
        tally: { runners: ["vitest"], passed: 12, failed: 0, skipped: 1, total: 13, notes: [] },
        pass_rate: 1,
      },
      ci: {
        claim: 2,
        gate: "ci_green",
        log: synthetic.ciLogFile,
        read_from: "log",
        tally: { runners: ["vitest"], passed: 12, failed: 0, skipped: 1, total: 13, notes: [] },
        pass_rate: 1,
      },
    });
    expect(accepted.bundle).toEqual({
      markdown: "evidence/ws-accepted/bundle.md",
      json: "evidence/ws-accepted/bundle.json",
      is_present: true,
    });
  });

  it("reports a rejected workstream whole: claims, escalation wait, usage, tests from the journal's tail", () => {
    expect(report.workstreams[1]).toEqual({
      workstream: "ws-rejected",
      status: "rejected",
      verdict: "rejected",
      reason: "2 claims rejected (limit 2) <b>bold</b> | pipe",
      started_at: "2026-01-01T09:00:00.000Z",
      ended_at: "2026-01-01T09:03:20.000Z",
      duration_ms: 200_000,
      worker_ms: 79_000,
      human_wait_ms: 120_000,
      simulated_cost_usd: 0,
      attempts: 2,
      gates: [
        {
          id: "local_check",
          status: "fail",
          detail: "the claim names no commit: uncommitted changes in src/words.ts",
          duration_ms: null,
          log: null,
          fix_hint: null,
          first_errors: null,
        },
      ],
      claims: [
        {
          id: 1,
          attempt: 2,
          commit: "c".repeat(40),
          verdict: "rejected",
          summary: "words counted",
          made_at: "2026-01-01T09:03:10.000Z",
          failed_gates: ["local_check"],
        },
        {
          id: 2,
          attempt: 2,
          commit: null,
          verdict: "rejected",
          summary: "committed now",
          made_at: "2026-01-01T09:03:20.000Z",
          failed_gates: ["local_check"],
        },
      ],
      interventions: [],
      escalations: [
        {
          id: "ws-rejected-1",
          workstream: "ws-rejected",
          source: "monitor",
          question: imageQuestion,
          opened_at: "2026-01-01T09:01:00.000Z",
          decided_at: "2026-01-01T09:03:00.000Z",
          decision: "approve",
          note: "go on",
          waited_ms: 120_000,
          is_open: false,
        },
      ],
      signals: 2,
      usage: {
        turns: 8,
        input_tokens: 2000,
        output_tokens: 400,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cost_usd: 0.5,
      },
      tests: {
        // Claim 2 ran no command (uncommitted changes); claim 1's log was never written.
        local_check: {
          claim: 1,
          gate: "local_check",
          log: "evidence/ws-rejected/logs/claim-1-local_check.log",
          read_from: "output_tail",
          tally: { runners: ["pytest"], passed: 3, failed: 2, skipped: 0, total: 5, notes: [] },
          pass_rate: 0.6,
        },
        ci: null,
      },
      bundle: {
        markdown: "evidence/ws-rejected/bundle.md",
        json: "evidence/ws-rejected/bundle.json",
        is_present: false,
      },
    });
  });

  it("builds the retrospective from the journal", () => {
    expect(report.retrospective).toEqual({
      rejections_by_gate: [
        {
          gate: "local_check",
          rejections: 3,
          workstreams: ["ws-accepted", "ws-rejected"],
          last_detail: "the claim names no commit: uncommitted changes in src/words.ts",
        },
      ],
      playbooks: [
        {
          playbook: "failing-tests",
          signals: ["claim_rejected"],
          applied: 1,
          workstreams: ["ws-accepted"],
          followed_by_acceptance: 1,
        },
      ],
      stalls: {
        lost_ms: 156_000,
        by_signal: [
          { signal: "idle", count: 1, lost_ms: 130_000 },
          { signal: "claim_rejected", count: 2, lost_ms: 26_000 },
        ],
        intervals: [
          {
            workstream: "ws-accepted",
            signals: ["claim_rejected"],
            from: "2026-01-01T09:00:12.000Z",
            to: "2026-01-01T09:00:30.000Z",
            ended_by: "claim",
            lost_ms: 18_000,
          },
          {
            workstream: "ws-rejected",
            signals: ["idle"],
            from: "2026-01-01T09:01:00.000Z",
            to: "2026-01-01T09:03:10.000Z",
            ended_by: "claim",
            lost_ms: 130_000,
          },
          {
            workstream: "ws-rejected",
            signals: ["claim_rejected"],
            from: "2026-01-01T09:03:12.000Z",
            to: "2026-01-01T09:03:20.000Z",
            ended_by: "claim",
            lost_ms: 8_000,
          },
        ],
      },
      cost: {
        total_usd: 0.75,
        accepted_workstreams: 1,
        per_accepted_workstream_usd: 0.75,
        not_accepted_usd: 0.5,
      },
      escalations: { count: 1, open: 0, waited_ms: 120_000, items: report.workstreams[1]!.escalations },
    });
  });

  it("lays out one workstream's timeline in journal order", () => {
    expect(report.timeline.filter((entry) => entry.workstream === "ws-accepted")).toEqual(
      [
        [0, "workstream.started", "workstream started"],
        [1, "worker.started", "worker started, attempt 1"],
        [10, "claim.made", "claim 1 made at aaaaaaaaaaaa"],
        [12, "claim.rejected", "claim 1 rejected: local_check failed"],
        [12, "signal.detected", "signal claim_rejected"],
        [12, "intervention.applied", "intervention: playbook failing-tests for claim_rejected"],
        [30, "claim.made", "claim 2 made at bbbbbbbbbbbb"],
        [33, "claim.accepted", "claim 2 accepted"],
      ].map(([seconds, type, label]) => ({
        at: new Date(runStartMs + Number(seconds) * 1000).toISOString(),
        offset_ms: Number(seconds) * 1000,
        workstream: "ws-accepted",
        type,
        label,
      })),
    );
    expect(
      report.timeline.filter((entry) => entry.workstream === "ws-rejected").map((entry) => entry.label),
    ).toContain("escalation ws-rejected-1 opened: The worker keeps stalling.");
  });
});

describe("the campaign report of a run still going", () => {
  it("keeps the open stall and the open escalation running until the report is made", async () => {
    const opened = synthetic.events.findIndex((event) => event.type === "escalation.opened");
    const live = await reportOf(synthetic.events.slice(0, opened + 1), runStartMs + 100_000);
    const rejected = live.workstreams[1]!;
    expect([rejected.status, rejected.duration_ms, rejected.escalations[0]!.waited_ms]).toEqual([
      "escalated",
      100_000,
      40_000,
    ]);
    expect(live.retrospective.stalls.intervals.at(-1)).toEqual({
      workstream: "ws-rejected",
      signals: ["idle"],
      from: "2026-01-01T09:01:00.000Z",
      to: "2026-01-01T09:01:40.000Z",
      ended_by: "report",
      lost_ms: 40_000,
    });
    expect([live.run.ended_at, live.run.duration_ms, live.retrospective.escalations.open]).toEqual([
      null,
      100_000,
      1,
    ]);
  });
});

describe("the campaign report of a run that has only started", () => {
  it("says no test output was recorded instead of printing empty tables", async () => {
    const started = await reportOf(synthetic.events.slice(0, 1), runStartMs + 5_000);
    expect([started.totals.tests, started.totals.ci_tests, started.run.duration_ms]).toEqual([
      null,
      null,
      5_000,
    ]);
    const markdown = renderMarkdownReport(started);
    expect(markdown).toContain("## Test results\n\nNo local_check or CI output was recorded yet.\n");
    expect(markdown).toContain(
      "**0 of 3 workstreams accepted · 0 not accepted · 3 open · 0 claims, 0 rejected · 0 interventions · 0 escalations · tests: no test summary found · 0 tokens · $0.00**",
    );
  });
});

describe("readReportFiles", () => {
  it("never reads a log outside the state dir, whatever the journal names", async () => {
    const outside = await mkdtemp(join(tmpdir(), "supervise-outside-"));
    try {
      await writeFile(join(outside, "secret.log"), "Tests:       1 passed, 1 total\n");
      await mkdir(join(synthetic.run.dir, "evidence"), { recursive: true });
      const ts = "2026-01-01T09:00:00.000Z";
      const gate = (log: string) =>
        journalEvent(3, ts, "gate.passed", "ws-accepted", {
          claim: 1,
          gate: "local_check",
          detail: "",
          observed: {},
          command: {
            command: "npm test",
            exitCode: 0,
            signal: null,
            isTimedOut: false,
            durationMs: 10,
            log,
            outputTail: "",
          },
        });
      for (const log of [join(outside, "secret.log"), `../../../${outside}/secret.log`]) {
        const state = foldEvents(
          ["ws-accepted"],
          [
            journalEvent(1, ts, "workstream.started", "ws-accepted", { goal: "g" }),
            journalEvent(2, ts, "claim.made", "ws-accepted", {
              claim: 1,
              summary: "",
              commit: "c",
              head: "c",
            }),
            gate(log),
          ],
        );
        const files = await readReportFiles({
          stateDirectory: synthetic.stateDirectory,
          runDirectory: synthetic.run.dir,
          state,
        });
        expect(files.logs.size).toBe(0);
      }
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe("renderMarkdownReport", () => {
  const markdown = () => renderMarkdownReport(report);

  it("opens with the totals line and the per-workstream table", () => {
    const lines = markdown().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "# Campaign report — run 20260101-090000-abcd",
      "",
      "**1 of 3 workstreams accepted · 1 not accepted · 1 open · 4 claims, 3 rejected · 1 intervention · 1 escalation · tests: 18 run, 15 passed, 2 failed, 1 skipped (88.2 % pass) · CI tests: 13 run, 12 passed, 0 failed, 1 skipped (100 % pass) · 3600 tokens · $0.75**",
    ]);
    expect(lines).toContain(
      "| ws-accepted | accepted | local_check:pass ci_green:pass | 33s | 1 | 2 (1 rejected) | 1 | 0 | 12/13 passed, 1 skipped | 12/13 passed, 1 skipped | 1200 | $0.25 |",
    );
    expect(lines).toContain(
      "| ws-pending | pending | - | - | 0 | 0 (0 rejected) | 0 | 0 | - | - | 0 | $0.00 |",
    );
    expect(lines).toContain(
      "| **total (local_check)** | 2 workstreams | vitest, pytest | 18 | 15 | 2 | 1 | 88.2 % |",
    );
  });

  it("keeps journal text from breaking the table or becoming HTML", () => {
    const text = markdown();
    expect(text).toContain("- **ws-rejected**: 2 claims rejected (limit 2) &lt;b>bold&lt;/b> \\| pipe");
    expect(text).toContain('"&lt;script>alert("summary")&lt;/script> done"');
    expect(text).not.toContain("<script");
    expect(text).not.toContain("<img");
  });
});

describe("fixed tests in the report", () => {
  it("lists the tests the last claim made pass that failed at the base, from diff_scope's observation", async () => {
    const last = synthetic.events.at(-1)!;
    const fixed = [
      { name: "tests/test_calc.py > test_negatives", base: "failed", claim: "passed", count: 1 },
    ];
    const diffScope = journalEvent(last.seq + 1, last.ts, "gate.passed", "ws-accepted", {
      claim: 2,
      gate: "diff_scope",
      detail: "source changed",
      observed: { test_runs: { kept_test_count: 3, fixed_test_count: 1, fixed_tests: fixed } },
    });
    const withFixed = await reportOf([...synthetic.events, diffScope], nowMs);
    const workstream = withFixed.workstreams.find((each) => each.workstream === "ws-accepted")!;
    expect(workstream.tests.fixed).toEqual(fixed);
    expect(renderMarkdownReport(withFixed)).toContain(
      "Fixed tests (failing at the base, passing at the last claim):\n- tests/test_calc.py > test_negatives: failed at the base, passed at the claim",
    );
    expect(report.workstreams.every((each) => each.tests.fixed === undefined)).toBe(true);
  });
});
