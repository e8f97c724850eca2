/** Numbers and counts as the Markdown and HTML reports print them, so both read the same. */

import type { TestTally } from "../evidence/index.ts";
import type { CampaignReport, TestEvidence, WorkstreamReport } from "./report-model.ts";

export function formatElapsed(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

export function formatUsd(value: number): string {
  return `$${value.toFixed(value !== 0 && Math.abs(value) < 0.01 ? 4 : 2)}`;
}

/** A cost with its replayed part marked: turns replayed from a cassette cost nothing. */
export function formatCost(costUsd: number, simulatedUsd: number): string {
  if (simulatedUsd <= 0) return formatUsd(costUsd);
  if (simulatedUsd >= costUsd) return `${formatUsd(costUsd)} simulated`;
  return `${formatUsd(costUsd)} (${formatUsd(simulatedUsd)} simulated)`;
}

/** A workstream's time with the wait for a human apart: `1m 5s + 4m 0s waiting on a human`. */
export function formatWorkAndWait(durationMs: number | null, humanWaitMs: number): string {
  if (durationMs === null || humanWaitMs <= 0) return formatElapsed(durationMs);
  return `${formatElapsed(Math.max(0, durationMs - humanWaitMs))} + ${formatElapsed(humanWaitMs)} waiting on a human`;
}

export function formatPercent(rate: number | null): string {
  if (rate === null) return "-";
  const percent = rate * 100;
  return `${Number.isInteger(percent) ? percent : percent.toFixed(1)} %`;
}

/** A pass count the output did not give prints as `?`. */
export function formatCount(value: number | null): string {
  return value === null ? "?" : String(value);
}

/** `8 run, 7 passed, 1 failed, 0 skipped (87.5 % pass)`, or `-` when no runner summary was found. */
export function formatTally(tally: TestTally | null, rate: number | null): string {
  if (!tally) return "-";
  return `${formatCount(tally.total)} run, ${formatCount(tally.passed)} passed, ${tally.failed} failed, ${tally.skipped} skipped (${formatPercent(rate)} pass)`;
}

/** The short cell: `7/8 passed, 1 failed`. */
export function formatTestCell(evidence: TestEvidence | null): string {
  if (!evidence) return "-";
  const tally = evidence.tally;
  if (!tally) return "no summary found";
  const failed = tally.failed > 0 ? `, ${tally.failed} failed` : "";
  const skipped = tally.skipped > 0 ? `, ${tally.skipped} skipped` : "";
  return `${formatCount(tally.passed)}/${formatCount(tally.total)} passed${failed}${skipped}`;
}

export function formatGates(workstream: WorkstreamReport): string {
  if (workstream.gates.length === 0) return "-";
  return workstream.gates.map((gate) => `${gate.id}:${gate.status}`).join(" ");
}

export function tokensOf(workstream: Pick<WorkstreamReport, "usage">): number {
  return workstream.usage.input_tokens + workstream.usage.output_tokens;
}

/** The line a person reads first. */
export function totalsLine(report: CampaignReport): string {
  const totals = report.totals;
  const parts = [
    `${totals.accepted} of ${totals.workstreams} workstreams accepted`,
    `${totals.not_accepted} not accepted`,
    `${totals.open} open`,
    `${plural(totals.claims, "claim")}, ${totals.rejected_claims} rejected`,
    plural(totals.interventions, "intervention"),
    plural(totals.escalations, "escalation"),
    `tests: ${totals.tests ? formatTally(totals.tests, totals.tests.pass_rate) : "no test summary found"}`,
    ...ciPart(report),
    `${totals.usage.input_tokens + totals.usage.output_tokens} tokens`,
    formatUsd(totals.usage.cost_usd),
  ];
  return parts.join(" · ");
}

/**
 * CI belongs in the headline: local tests can all pass while CI fails, and a line saying only
 * "0 failed (100 % pass)" then reads as green. Named from CI's test counts when its log had them,
 * and from the ci_green gate of each workstream's last claim either way.
 */
function ciPart(report: CampaignReport): string[] {
  const summary = report.totals.ci_tests;
  const red = report.workstreams.filter((workstream) =>
    workstream.gates.some(
      (gate) => gate.id === "ci_green" && (gate.status === "fail" || gate.status === "error"),
    ),
  ).length;
  const redText = red > 0 ? `CI failed for ${plural(red, "workstream")}` : null;
  if (summary) {
    const tally = `CI tests: ${formatTally(summary, summary.pass_rate)}`;
    return [redText ? `${tally}; ${redText}` : tally];
  }
  return redText ? [redText] : [];
}

export function runStateText(report: CampaignReport): string {
  if (report.run.is_finished) return "finished";
  if (report.run.ended_at !== null) return "stopped";
  return "not finished";
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
