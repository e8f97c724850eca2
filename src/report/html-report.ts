/**
 * The campaign report as one self-contained HTML file: inline CSS, no script, no font or image
 * from anywhere, so it opens from a disk or an attachment. Links to bundles and logs are file links.
 */

import { htmlReportStyle } from "./html-report-style.ts";
import { html, SafeHtml } from "./html-template.ts";
import { renderModuleTableHtml } from "./module-tests.ts";
import {
  formatCost,
  formatCount,
  formatElapsed,
  formatPercent,
  formatTestCell,
  formatUsd,
  formatWorkAndWait,
  plural,
  runStateText,
  tokensOf,
  totalsLine,
} from "./report-format.ts";
import { runFileHref } from "./report-links.ts";
import type { CampaignReport, TestEvidence, TimelineEntry, WorkstreamReport } from "./report-model.ts";
import { timeAxis } from "./timeline-axis.ts";

export interface HtmlReportOptions {
  /**
   * Prefix from where the HTML file will be to the run directory, e.g. `../runs/<id>/`, or the run
   * directory's absolute `file://` URL when that place is unknown; empty when saved in the run directory.
   */
  runDirectoryHref: string;
}

export function renderHtmlReport(report: CampaignReport, options: HtmlReportOptions): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Campaign report — run ${report.run.id}</title>
<style>${new SafeHtml(htmlReportStyle)}</style>
</head>
<body>
<header>
<h1>Campaign report</h1>
<p class="run">Run <span class="mono">${report.run.id}</span> · ${runStateText(report)} · started ${report.run.started_at ?? "-"} · ${formatElapsed(report.run.duration_ms)}</p>
<p class="totals" id="totals">${totalsLine(report)}</p>
</header>
${workstreamTable(report, options)}
${phaseTable(report)}
${testResults(report, options)}
${renderModuleTableHtml(report)}
${timeline(report)}
${retrospective(report)}
${details(report, options)}
<footer>Made ${report.run.generated_at} from the journal of ${report.run.directory}. Bundle and log links are file links into the state dir.</footer>
</body>
</html>
`;
  return page.text;
}

function bundleHref(workstream: WorkstreamReport, options: HtmlReportOptions): string {
  return runFileHref(options.runDirectoryHref, workstream.bundle.markdown);
}

function workstreamTable(report: CampaignReport, options: HtmlReportOptions): SafeHtml {
  const rows = report.workstreams.map(
    (workstream) => html`<tr data-workstream="${workstream.workstream}">
<th scope="row">${workstream.workstream}</th>
<td><span class="badge ${workstream.verdict}">${workstream.verdict}</span>${workstream.status !== workstream.verdict ? html` <span class="muted">${workstream.status}</span>` : ""}</td>
<td>${workstream.gates.length === 0 ? html`<span class="muted">-</span>` : workstream.gates.map((gate) => html`<span class="gate ${gateClass(gate.status)}" title="${gate.detail}">${gate.id}: ${gate.status}</span>`)}</td>
<td class="number">${formatWorkAndWait(workstream.duration_ms, workstream.human_wait_ms)}</td>
<td class="number">${workstream.attempts}</td>
<td class="number">${workstream.claims.length} <span class="muted">(${workstream.claims.filter((claim) => claim.verdict === "rejected").length} rejected)</span></td>
<td>${workstream.interventions.length === 0 ? "0" : workstream.interventions.map((intervention) => html`<div>${intervention.playbook} <span class="muted">(${intervention.signal})</span></div>`)}</td>
<td>${workstream.escalations.length === 0 ? "0" : workstream.escalations.map((escalation) => html`<div>${escalation.id}: ${escalation.is_open ? "open" : escalation.decision}</div>`)}</td>
<td>${formatTestCell(workstream.tests.local_check)}</td>
<td>${formatTestCell(workstream.tests.ci)}</td>
<td class="number">${tokensOf(workstream)}</td>
<td class="number">${formatCost(workstream.usage.cost_usd, workstream.simulated_cost_usd)}</td>
<td>${workstream.bundle.is_present ? html`<a href="${bundleHref(workstream, options)}">bundle</a>` : html`<span class="muted">none yet</span>`}</td>
</tr>
`,
  );
  const reasons = report.workstreams.filter((workstream) => workstream.reason);
  return html`<section id="workstreams">
<h2>Workstreams</h2>
<table class="workstreams">
<thead><tr><th>workstream</th><th>verdict</th><th>gates (last claim)</th><th class="number">duration</th><th class="number">attempts</th><th class="number">claims</th><th>interventions</th><th>escalations</th><th>tests</th><th>CI tests</th><th class="number">tokens</th><th class="number">cost</th><th>evidence</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
${reasons.length > 0 ? html`<ul class="reasons">${reasons.map((workstream) => html`<li><strong>${workstream.workstream}</strong>: ${workstream.reason}</li>`)}</ul>` : ""}
</section>`;
}

function phaseTable(report: CampaignReport): SafeHtml | string {
  if (report.phases.length === 0) return "";
  const rows = report.phases.map(
    (phase) =>
      html`<tr><td>${phase.phase}</td><td>${phase.summary}</td><td>${phase.gates.map((gate) => html`<span class="gate ${gateClass(gate.status)}" title="${gate.detail}">${gate.id}</span> `)}</td><td>${phase.workstreams.join(", ") || "-"}</td><td class="mono">${phase.base_sha?.slice(0, 12) ?? "-"}</td></tr>
`,
  );
  const failures = report.phases.flatMap((phase) =>
    phase.gates
      .filter((gate) => gate.status === "fail" || gate.status === "error")
      .map(
        (gate) =>
          html`<li><strong>${phase.phase}</strong>, ${gate.id}: ${gate.detail}${gate.first_errors ? html`<pre>${gate.first_errors}</pre>` : ""}</li>`,
      ),
  );
  return html`<section id="phases">
<h2>Phases</h2>
<table class="phases">
<thead><tr><th>phase</th><th>result</th><th>gates (on the integrated base)</th><th>workstreams</th><th>base</th></tr></thead>
<tbody>
${rows}</tbody>
</table>
${failures.length > 0 ? html`<ul class="reasons">${failures}</ul>` : ""}
</section>`;
}

function gateClass(status: string): string {
  return ["pass", "fail", "error", "skipped", "waived"].includes(status) ? status : "error";
}

function testResults(report: CampaignReport, options: HtmlReportOptions): SafeHtml {
  const rows: SafeHtml[] = [];
  const notes = new Set<string>();
  for (const workstream of report.workstreams) {
    for (const evidence of [workstream.tests.local_check, workstream.tests.ci]) {
      if (!evidence) continue;
      for (const note of evidence.tally?.notes ?? []) notes.add(note);
      rows.push(testRow(workstream.workstream, evidence, options));
    }
  }
  const totals = (
    [
      ["total (local_check)", report.totals.tests],
      ["total (CI)", report.totals.ci_tests],
    ] as const
  ).flatMap(([label, summary]) =>
    summary
      ? [
          html`<tr class="total"><th scope="row">${label}</th><td>${plural(summary.workstreams, "workstream")}</td><td>${summary.runners.join(", ")}</td><td class="number">${formatCount(summary.total)}</td><td class="number">${formatCount(summary.passed)}</td><td class="number">${summary.failed}</td><td class="number">${summary.skipped}</td><td class="number">${formatPercent(summary.pass_rate)}</td></tr>
`,
        ]
      : [],
  );
  return html`<section id="tests">
<h2>Test results</h2>
<p class="muted">From each workstream's latest <code>local_check</code> log, and the CI log where the forge keeps one. Pass rate is passed / (passed + failed).</p>
<table class="tests">
<thead><tr><th>workstream</th><th>source</th><th>runners</th><th class="number">run</th><th class="number">passed</th><th class="number">failed</th><th class="number">skipped</th><th class="number">pass rate</th></tr></thead>
<tbody>
${rows.length === 0 ? html`<tr><td colspan="8" class="muted">No local_check or CI output was recorded yet.</td></tr>` : [rows, totals]}</tbody>
</table>
${notes.size > 0 ? html`<ul class="muted">${[...notes].map((note) => html`<li>${note}</li>`)}</ul>` : ""}
</section>`;
}

function testRow(workstream: string, evidence: TestEvidence, options: HtmlReportOptions): SafeHtml {
  const source = html`${evidence.gate}, claim ${evidence.claim}${evidence.log ? logName(evidence, options) : ""}${evidence.read_from === "log" ? "" : html` <span class="muted">(${evidence.read_from.replace("_", " ")})</span>`}`;
  const tally = evidence.tally;
  if (!tally) {
    return html`<tr><th scope="row">${workstream}</th><td>${source}</td><td colspan="6" class="muted">no test summary found</td></tr>
`;
  }
  return html`<tr><th scope="row">${workstream}</th><td>${source}</td><td>${tally.runners.join(", ")}</td><td class="number">${formatCount(tally.total)}</td><td class="number">${formatCount(tally.passed)}</td><td class="number">${tally.failed}</td><td class="number">${tally.skipped}</td><td class="number">${formatPercent(evidence.pass_rate)}</td></tr>
`;
}

/** A log the report read is linked; one it could not read (deleted, elsewhere) would be a dead link. */
function logName(evidence: TestEvidence, options: HtmlReportOptions): SafeHtml {
  const log = evidence.log ?? "";
  return evidence.read_from === "log"
    ? html` <a class="mono" href="${runFileHref(options.runDirectoryHref, log)}">${log}</a>`
    : html` <span class="mono">${log}</span>`;
}

const marks: Record<string, { symbol: string; kind: string; name: string }> = {
  "workstream.started": { symbol: "○", kind: "workstream-started", name: "workstream started" },
  "worker.started": { symbol: "▶", kind: "worker-started", name: "worker started" },
  "claim.made": { symbol: "●", kind: "claim-made", name: "claim" },
  "claim.rejected": { symbol: "✖", kind: "claim-rejected", name: "rejection" },
  "claim.accepted": { symbol: "✔", kind: "claim-accepted", name: "acceptance" },
  "signal.detected": { symbol: "⚠", kind: "signal-detected", name: "signal" },
  "intervention.applied": { symbol: "⚑", kind: "intervention-applied", name: "intervention" },
  "escalation.opened": { symbol: "?", kind: "escalation-opened", name: "escalation" },
  "escalation.decided": { symbol: "!", kind: "escalation-decided", name: "decision" },
  "workstream.rejected": { symbol: "■", kind: "workstream-ended", name: "workstream ended" },
  "workstream.blocked": { symbol: "■", kind: "workstream-ended", name: "workstream ended" },
  "workstream.aborted": { symbol: "■", kind: "workstream-ended", name: "workstream ended" },
};
const runMark = { symbol: "·", kind: "run", name: "run" };

function timeline(report: CampaignReport): SafeHtml {
  const spanMs = Math.max(1, report.run.duration_ms ?? 0, ...report.timeline.map((entry) => entry.offset_ms));
  const runStartMs = report.run.started_at ? Date.parse(report.run.started_at) : 0;
  const waitsOf = (workstream: CampaignReport["workstreams"][number]) =>
    workstream.escalations.map((escalation) => {
      const fromMs = Date.parse(escalation.opened_at) - runStartMs;
      return { escalation, fromMs, toMs: fromMs + escalation.waited_ms };
    });
  // A human's wait is drawn apart from the work, and where nothing but waiting happened, short.
  const axis = timeAxis(
    spanMs,
    report.workstreams.map((workstream) => {
      const fromMs = workstream.started_at ? Date.parse(workstream.started_at) - runStartMs : null;
      return {
        span: fromMs === null ? null : { fromMs, toMs: fromMs + (workstream.duration_ms ?? 0) },
        waits: waitsOf(workstream),
      };
    }),
  );
  const position = (offsetMs: number) => `${axis.percentAt(offsetMs).toFixed(2)}%`;
  const width = (fromMs: number, toMs: number) =>
    `${(axis.percentAt(toMs) - axis.percentAt(fromMs)).toFixed(2)}%`;
  const lanes = report.workstreams.map((workstream) => {
    const entries = report.timeline.filter((entry) => entry.workstream === workstream.workstream);
    const fromMs = workstream.started_at ? Date.parse(workstream.started_at) - runStartMs : null;
    const span =
      fromMs === null
        ? ""
        : html`<div class="span ${workstream.verdict}" style="left: ${position(fromMs)}; width: ${width(fromMs, fromMs + (workstream.duration_ms ?? 0))}"></div>`;
    const waits = waitsOf(workstream).map(
      ({ escalation, fromMs: openedMs, toMs }) =>
        html`<div class="wait" style="left: ${position(openedMs)}; width: ${width(openedMs, toMs)}" title="${escalation.id}: waiting on a human for ${formatElapsed(escalation.waited_ms)}"></div>`,
    );
    return html`<div class="lane" data-workstream="${workstream.workstream}"><div class="lane-name" title="${workstream.workstream}">${workstream.workstream}</div><div class="track">${span}${waits}${laneMarks(entries, axis.percentAt)}</div></div>
`;
  });
  const shortened = axis.compressed.reduce((sum, interval) => sum + interval.toMs - interval.fromMs, 0);
  const legend = [...new Map(Object.values(marks).map((mark) => [mark.kind, mark])).values()];
  return html`<section id="timeline">
<h2>Timeline</h2>
<div class="lanes">
${lanes}<div class="axis"><span>+0s</span>${shortened > 0 ? "" : html`<span>+${formatElapsed(spanMs / 2)}</span>`}<span>+${formatElapsed(spanMs)}</span></div>
</div>
${shortened > 0 ? html`<p class="muted">${formatElapsed(shortened)} in which only a human was waited on is drawn short.</p>` : ""}
<p class="legend">${legend.map((mark) => html`<span class="kind-${mark.kind}">${mark.symbol} ${mark.name}</span>`)} <span><span class="wait-key"></span> waiting on a human</span></p>
<ol class="events">
${report.timeline.map((entry) => timelineItem(entry))}</ol>
</section>`;
}

/** Marks closer than this share a spot; they step up and down so each stays visible. */
const crowdedPercent = 1.5;
const levelOffsetsPx = [1, -9, 11];

function laneMarks(entries: readonly TimelineEntry[], percentAt: (offsetMs: number) => number): SafeHtml[] {
  let lastPercent = Number.NEGATIVE_INFINITY;
  let level = 0;
  return entries.map((entry) => {
    const percent = percentAt(entry.offset_ms);
    level = percent - lastPercent < crowdedPercent ? (level + 1) % levelOffsetsPx.length : 0;
    lastPercent = percent;
    const mark = marks[entry.type] ?? runMark;
    return html`<span class="mark kind-${mark.kind}" style="left: ${percent.toFixed(2)}%; top: ${levelOffsetsPx[level]!}px" title="+${formatElapsed(entry.offset_ms)} ${entry.label}">${mark.symbol}</span>`;
  });
}

function timelineItem(entry: TimelineEntry): SafeHtml {
  const mark = marks[entry.type] ?? runMark;
  return html`<li data-type="${entry.type}"><time datetime="${entry.at}">${entry.at.slice(11, 23)} +${formatElapsed(entry.offset_ms)}</time><span class="who">${entry.workstream ?? "run"}</span> <span class="kind-${mark.kind}">${mark.symbol}</span> ${entry.label}</li>
`;
}

function retrospective(report: CampaignReport): SafeHtml {
  const retro = report.retrospective;
  const cost = retro.cost;
  return html`<section id="retrospective">
<h2>Retrospective</h2>
<h3>What failed</h3>
${
  retro.rejections_by_gate.length === 0
    ? html`<p>No claim was rejected.</p>`
    : html`<table><thead><tr><th>gate</th><th class="number">rejections</th><th>workstreams</th><th>last detail</th></tr></thead><tbody>
${retro.rejections_by_gate.map(
  (
    gate,
  ) => html`<tr><th scope="row">${gate.gate}</th><td class="number">${gate.rejections}</td><td>${gate.workstreams.join(", ")}</td><td>${gate.last_detail}</td></tr>
`,
)}</tbody></table>`
}
<h3>Playbooks</h3>
${
  retro.playbooks.length === 0
    ? html`<p>No playbook intervened.</p>`
    : html`<p class="muted">Followed by acceptance: the workstream was accepted after the intervention, with no other intervention between.</p>
<table><thead><tr><th>playbook</th><th>signals</th><th class="number">applied</th><th class="number">followed by acceptance</th><th>workstreams</th></tr></thead><tbody>
${retro.playbooks.map(
  (
    playbook,
  ) => html`<tr><th scope="row">${playbook.playbook}</th><td>${playbook.signals.join(", ")}</td><td class="number">${playbook.applied}</td><td class="number">${playbook.followed_by_acceptance}</td><td>${playbook.workstreams.join(", ")}</td></tr>
`,
)}</tbody></table>`
}
<h3>Time lost to stalls</h3>
<p>${formatElapsed(retro.stalls.lost_ms)} in ${plural(retro.stalls.intervals.length, "stall")}, each from a signal to the workstream's next claim or end.</p>
${
  retro.stalls.by_signal.length === 0
    ? ""
    : html`<table><thead><tr><th>signal</th><th class="number">stalls</th><th class="number">time lost</th></tr></thead><tbody>
${retro.stalls.by_signal.map(
  (
    signal,
  ) => html`<tr><th scope="row">${signal.signal}</th><td class="number">${signal.count}</td><td class="number">${formatElapsed(signal.lost_ms)}</td></tr>
`,
)}</tbody></table>`
}
<h3>Cost</h3>
<p>${formatUsd(cost.total_usd)} in all; ${plural(cost.accepted_workstreams, "accepted workstream")}, ${cost.per_accepted_workstream_usd === null ? "no cost per accepted workstream" : `${formatUsd(cost.per_accepted_workstream_usd)} per accepted workstream`}; ${formatUsd(cost.not_accepted_usd)} spent on workstreams not accepted.${report.totals.simulated_cost_usd > 0 ? ` Of this, ${formatUsd(report.totals.simulated_cost_usd)} is simulated (turns replayed from a cassette), not spent.` : ""}</p>
<h3>Escalations</h3>
${
  retro.escalations.count === 0
    ? html`<p>No escalation.</p>`
    : html`<p>${plural(retro.escalations.count, "escalation")} (${retro.escalations.open} still open); humans were waited on for ${formatElapsed(retro.escalations.waited_ms)}.</p>
<table><thead><tr><th>escalation</th><th>workstream</th><th>source</th><th>decision</th><th class="number">waited</th><th>question</th></tr></thead><tbody>
${retro.escalations.items.map(
  (
    escalation,
  ) => html`<tr><th scope="row">${escalation.id}</th><td>${escalation.workstream}</td><td>${escalation.source}</td><td>${escalation.is_open ? "open" : escalation.decision}${escalation.note ? html` <span class="muted">(${escalation.note})</span>` : ""}</td><td class="number">${formatElapsed(escalation.waited_ms)}</td><td>${escalation.question}</td></tr>
`,
)}</tbody></table>`
}
</section>`;
}

function details(report: CampaignReport, options: HtmlReportOptions): SafeHtml {
  return html`<section id="details">
<h2>Workstream details</h2>
${report.workstreams.map(
  (workstream) => html`<details data-workstream="${workstream.workstream}">
<summary>${workstream.workstream}: ${workstream.verdict}</summary>
<p>Status ${workstream.status}${workstream.reason ? html` — ${workstream.reason}` : ""}. Started ${workstream.started_at ?? "-"}, ended ${workstream.ended_at ?? "-"} (${formatElapsed(workstream.duration_ms)}; workers ran ${formatElapsed(workstream.worker_ms)}). ${workstream.bundle.is_present ? html`<a href="${bundleHref(workstream, options)}">Evidence bundle</a>.` : ""}</p>
<table><thead><tr><th>claim</th><th>attempt</th><th>made</th><th>commit</th><th>verdict</th><th>failed gates</th><th>summary</th></tr></thead><tbody>
${workstream.claims.map(
  (
    claim,
  ) => html`<tr><td>${claim.id}</td><td>${claim.attempt}</td><td>${claim.made_at ?? "-"}</td><td class="mono">${claim.commit?.slice(0, 12) ?? "none"}</td><td>${claim.verdict}</td><td>${claim.failed_gates.join(", ")}</td><td>${claim.summary}</td></tr>
`,
)}</tbody></table>
<p>Gates of the last claim:</p>
<ul>${workstream.gates.map((gate) => html`<li><span class="gate ${gateClass(gate.status)}">${gate.id}: ${gate.status}</span>${gate.duration_ms === null ? "" : html` <span class="muted">${formatElapsed(gate.duration_ms)}</span>`} ${gate.detail}${gate.fix_hint === null || gate.status === "pass" ? "" : html`<br>How to fix it: ${gate.fix_hint}`}${gate.first_errors === null ? "" : html`<pre>${gate.first_errors}</pre>`}</li>`)}</ul>
<p>Usage: ${workstream.usage.turns} turns · ${workstream.usage.input_tokens} input + ${workstream.usage.output_tokens} output tokens · cache ${workstream.usage.cache_read_tokens} read / ${workstream.usage.cache_write_tokens} written · ${formatUsd(workstream.usage.cost_usd)}</p>
</details>
`,
)}</section>`;
}
