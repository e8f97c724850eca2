/** The campaign report as Markdown: the per-workstream table, test results, details, retrospective. */

import { markdownInline } from "../text.ts";
import { renderModuleTableMarkdown } from "./module-tests.ts";
import { formatPhaseGates } from "./phase-rows.ts";
import {
  formatCost,
  formatCount,
  formatElapsed,
  formatGates,
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
import type { CampaignReport, WorkstreamReport } from "./report-model.ts";

export interface MarkdownReportOptions {
  /** Start of every link into the run directory, as for the HTML report; empty when saved in it. */
  runDirectoryHref: string;
}

export function renderMarkdownReport(
  report: CampaignReport,
  options: MarkdownReportOptions = { runDirectoryHref: "" },
): string {
  const lines = [
    `# Campaign report — run ${cell(report.run.id)}`,
    "",
    `**${totalsLine(report)}**`,
    "",
    `Run ${runStateText(report)}; started ${report.run.started_at ?? "-"}, ${formatElapsed(report.run.duration_ms)}. Report made ${report.run.generated_at}; paths are in ${report.run.directory}.`,
    "",
    ...workstreamTable(report),
    ...phaseTable(report),
    ...testResults(report),
    ...renderModuleTableMarkdown(report),
    ...report.workstreams.flatMap((workstream) => workstreamDetails(workstream, options)),
    ...retrospective(report),
    ...timeline(report),
  ];
  return `${lines.join("\n")}\n`;
}

function workstreamTable(report: CampaignReport): string[] {
  return [
    "## Workstreams",
    "",
    "| workstream | verdict | gates (last claim) | duration | attempts | claims | interventions | escalations | tests | CI tests | tokens | cost |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...report.workstreams.map((workstream) =>
      row([
        workstream.workstream,
        workstream.verdict === workstream.status
          ? workstream.verdict
          : `${workstream.verdict} (${workstream.status})`,
        formatGates(workstream),
        formatWorkAndWait(workstream.duration_ms, workstream.human_wait_ms),
        String(workstream.attempts),
        `${workstream.claims.length} (${workstream.claims.filter((claim) => claim.verdict === "rejected").length} rejected)`,
        String(workstream.interventions.length),
        String(workstream.escalations.length),
        formatTestCell(workstream.tests.local_check),
        formatTestCell(workstream.tests.ci),
        String(tokensOf(workstream)),
        formatCost(workstream.usage.cost_usd, workstream.simulated_cost_usd),
      ]),
    ),
    "",
    ...report.workstreams
      .filter((workstream) => workstream.reason)
      .flatMap((workstream, index, all) => [
        `- **${cell(workstream.workstream)}**: ${cell(workstream.reason!)}`,
        ...(index === all.length - 1 ? [""] : []),
      ]),
  ];
}

function phaseTable(report: CampaignReport): string[] {
  if (report.phases.length === 0) return [];
  return [
    "## Phases",
    "",
    "Each phase's gates run on the integrated base once all its workstreams are accepted; the next phase starts when they pass.",
    "",
    "| phase | result | gates | workstreams | base |",
    "| --- | --- | --- | --- | --- |",
    ...report.phases.map((phase) =>
      row([
        phase.phase,
        phase.summary,
        formatPhaseGates(phase),
        phase.workstreams.join(", ") || "-",
        phase.base_sha?.slice(0, 12) ?? "-",
      ]),
    ),
    "",
    ...report.phases.flatMap((phase) =>
      phase.gates
        .filter((gate) => gate.status === "fail" || gate.status === "error")
        .flatMap((gate) => [
          `- **${cell(phase.phase)}**, ${cell(gate.id)}: ${cell(gate.detail)}${phase.note ? ` (note: ${cell(phase.note)})` : ""}`,
          ...(gate.first_errors
            ? ["", "  ```", ...gate.first_errors.split("\n").map((line) => `  ${line}`), "  ```"]
            : []),
          ...(gate.log ? [`  Full log: ${cell(gate.log)}`] : []),
          "",
        ]),
    ),
  ];
}

function testResults(report: CampaignReport): string[] {
  if (report.workstreams.every((workstream) => !workstream.tests.local_check && !workstream.tests.ci)) {
    return ["## Test results", "", "No local_check or CI output was recorded yet.", ""];
  }
  const lines = [
    "## Test results",
    "",
    "From each workstream's latest `local_check` log (and CI log where the forge keeps one); pass rate is passed / (passed + failed).",
    "",
    "| workstream | source | runners | run | passed | failed | skipped | pass rate |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const notes = new Set<string>();
  for (const workstream of report.workstreams) {
    for (const evidence of [workstream.tests.local_check, workstream.tests.ci]) {
      if (!evidence) continue;
      const tally = evidence.tally;
      for (const note of tally?.notes ?? []) notes.add(note);
      const source = `${evidence.gate}, claim ${evidence.claim}${evidence.log ? ` (${evidence.log})` : ""}${evidence.read_from === "log" ? "" : ` [${evidence.read_from.replace("_", " ")}]`}`;
      lines.push(
        tally
          ? row([
              workstream.workstream,
              source,
              tally.runners.join(", "),
              formatCount(tally.total),
              formatCount(tally.passed),
              String(tally.failed),
              String(tally.skipped),
              formatPercent(evidence.pass_rate),
            ])
          : row([workstream.workstream, source, "no test summary found", "-", "-", "-", "-", "-"]),
      );
    }
  }
  for (const [label, summary] of [
    ["total (local_check)", report.totals.tests],
    ["total (CI)", report.totals.ci_tests],
  ] as const) {
    if (!summary) continue;
    lines.push(
      row([
        `**${label}**`,
        `${plural(summary.workstreams, "workstream")}`,
        summary.runners.join(", "),
        formatCount(summary.total),
        formatCount(summary.passed),
        String(summary.failed),
        String(summary.skipped),
        formatPercent(summary.pass_rate),
      ]),
    );
  }
  lines.push("", ...[...notes].map((note) => `- ${cell(note)}`), "");
  return lines;
}

function workstreamDetails(workstream: WorkstreamReport, options: MarkdownReportOptions): string[] {
  const usage = workstream.usage;
  const lines = [
    `## ${cell(workstream.workstream)}: ${workstream.verdict}`,
    "",
    `Status ${workstream.status}${workstream.reason ? ` — ${cell(workstream.reason)}` : ""}. Started ${workstream.started_at ?? "-"}, ended ${workstream.ended_at ?? "-"} (${formatElapsed(workstream.duration_ms)}; workers ran ${formatElapsed(workstream.worker_ms)}). ${plural(workstream.attempts, "attempt")}.`,
    "",
    `Evidence: ${workstream.bundle.is_present ? `[${workstream.bundle.markdown}](${runFileHref(options.runDirectoryHref, workstream.bundle.markdown)})` : `${workstream.bundle.markdown} (not written yet)`}`,
    "",
    "Claims:",
    ...workstream.claims.map(
      (claim) =>
        `- claim ${claim.id}, attempt ${claim.attempt}, ${claim.made_at ?? "-"}, commit ${claim.commit?.slice(0, 12) ?? "none"}: **${claim.verdict}**${claim.failed_gates.length > 0 ? ` (failed: ${claim.failed_gates.join(", ")})` : ""} — "${markdownInline(claim.summary)}"`,
    ),
    ...(workstream.claims.length === 0 ? ["- none"] : []),
    "",
    "Gates of the last claim:",
    ...workstream.gates.map(
      (gate) =>
        `- ${gate.id}: ${gate.status}${gate.duration_ms === null ? "" : ` (${formatElapsed(gate.duration_ms)})`} — ${cell(gate.detail)}${gate.log ? ` [log](${runFileHref(options.runDirectoryHref, gate.log)})` : ""}`,
    ),
    ...(workstream.gates.length === 0 ? ["- none"] : []),
    "",
    ...firstFailureLines(workstream),
    ...fixedTestLines(workstream),
    ...baseGreenLines(workstream),
  ];
  if (workstream.interventions.length > 0) {
    lines.push(
      "Interventions:",
      ...workstream.interventions.map(
        (intervention) =>
          `- ${intervention.at}: playbook ${cell(intervention.playbook)} for signal ${cell(intervention.signal)} (${cell(intervention.delivery)})`,
      ),
      "",
    );
  }
  if (workstream.escalations.length > 0) {
    lines.push(
      "Escalations:",
      ...workstream.escalations.map(
        (escalation) =>
          `- ${cell(escalation.id)} (${cell(escalation.source)}), opened ${escalation.opened_at}: ${escalation.is_open ? "still open" : `${cell(escalation.decision ?? "")} at ${escalation.decided_at}`} after ${formatElapsed(escalation.waited_ms)}${escalation.note ? `, note: ${markdownInline(escalation.note)}` : ""} — "${markdownInline(escalation.question)}"`,
      ),
      "",
    );
  }
  lines.push(
    `Usage: ${usage.turns} turns · ${usage.input_tokens} input + ${usage.output_tokens} output tokens · cache ${usage.cache_read_tokens} read / ${usage.cache_write_tokens} written · ${formatUsd(usage.cost_usd)}`,
    "",
  );
  return lines;
}

function retrospective(report: CampaignReport): string[] {
  const retro = report.retrospective;
  const lines = ["## Retrospective", "", "### What failed", ""];
  if (retro.rejections_by_gate.length === 0) lines.push("No claim was rejected.");
  else {
    lines.push("| gate | rejections | workstreams | last detail |", "| --- | --- | --- | --- |");
    for (const gate of retro.rejections_by_gate) {
      lines.push(row([gate.gate, String(gate.rejections), gate.workstreams.join(", "), gate.last_detail]));
    }
  }
  lines.push("", "### Playbooks", "");
  if (retro.playbooks.length === 0) lines.push("No playbook intervened.");
  else {
    lines.push(
      "A playbook is followed by acceptance when the workstream was accepted after it with no other intervention between.",
      "",
      "| playbook | signals | applied | followed by acceptance | workstreams |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const playbook of retro.playbooks) {
      lines.push(
        row([
          playbook.playbook,
          playbook.signals.join(", "),
          String(playbook.applied),
          String(playbook.followed_by_acceptance),
          playbook.workstreams.join(", "),
        ]),
      );
    }
  }
  lines.push(
    "",
    "### Time lost to stalls",
    "",
    `${formatElapsed(retro.stalls.lost_ms)} in ${plural(retro.stalls.intervals.length, "stall")}, each from a signal to the workstream's next claim or end.`,
    "",
  );
  if (retro.stalls.by_signal.length > 0) {
    lines.push("| signal | stalls | time lost |", "| --- | --- | --- |");
    for (const signal of retro.stalls.by_signal) {
      lines.push(row([signal.signal, String(signal.count), formatElapsed(signal.lost_ms)]));
    }
    lines.push("");
  }
  const cost = retro.cost;
  lines.push(
    "### Cost",
    "",
    `${formatUsd(cost.total_usd)} in all; ${plural(cost.accepted_workstreams, "accepted workstream")}, ${cost.per_accepted_workstream_usd === null ? "no cost per accepted workstream" : `${formatUsd(cost.per_accepted_workstream_usd)} per accepted workstream`}; ${formatUsd(cost.not_accepted_usd)} spent on workstreams not accepted.${simulatedNote(report.totals.simulated_cost_usd)}`,
    "",
    "### Escalations",
    "",
  );
  const escalations = retro.escalations;
  if (escalations.count === 0) lines.push("No escalation.");
  else {
    lines.push(
      `${plural(escalations.count, "escalation")} (${escalations.open} still open); humans were waited on for ${formatElapsed(escalations.waited_ms)}.`,
      "",
      "| escalation | workstream | source | decision | waited |",
      "| --- | --- | --- | --- | --- |",
      ...escalations.items.map((escalation) =>
        row([
          escalation.id,
          escalation.workstream,
          escalation.source,
          escalation.is_open ? "open" : (escalation.decision ?? ""),
          formatElapsed(escalation.waited_ms),
        ]),
      ),
    );
  }
  lines.push("");
  return lines;
}

function timeline(report: CampaignReport): string[] {
  return [
    "## Timeline",
    "",
    "| time | since start | workstream | event |",
    "| --- | --- | --- | --- |",
    ...report.timeline.map((entry) =>
      row([
        entry.at.slice(11, 23),
        `+${formatElapsed(entry.offset_ms)}`,
        entry.workstream ?? "run",
        entry.label,
      ]),
    ),
  ];
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(" | ")} |`;
}

/** Journal text in a Markdown cell: one line, no column breaks, no raw HTML. */
/** The last claim's first failing gate: how to fix it and the first errors of its log. */
function firstFailureLines(workstream: WorkstreamReport): string[] {
  const failed = workstream.gates.find((gate) => gate.status === "fail" || gate.status === "error");
  if (!failed || (failed.fix_hint === null && failed.first_errors === null)) return [];
  const lines = [`First failure, ${failed.id}:`];
  if (failed.fix_hint !== null) lines.push(`How to fix it: ${markdownInline(failed.fix_hint)}`);
  if (failed.first_errors !== null) lines.push("", ...fencedBlock(failed.first_errors));
  return [...lines, ""];
}

/** A code block that no backtick run inside `text` can close early. */
function fencedBlock(text: string): string[] {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return [fence, ...text.split("\n"), fence];
}

function cell(text: string): string {
  return text
    .replaceAll("|", "\\|")
    .replaceAll("<", "&lt;")
    .replace(/\s*\n\s*/g, " ");
}

/** Tests the last claim made pass that failed at the base: credit, never a finding. */
function fixedTestLines(workstream: WorkstreamReport): string[] {
  const fixed = workstream.tests.fixed ?? [];
  if (fixed.length === 0) return [];
  return [
    "Fixed tests (failing at the base, passing at the last claim):",
    ...fixed.map(
      (test) =>
        `- ${markdownInline(test.name)}${test.count > 1 ? ` ×${test.count}` : ""}: ${test.base} at the base, ${test.claim} at the claim`,
    ),
    "",
  ];
}

/** The base's CI after each landing: a red one names the landings since it was last green. */
function baseGreenLines(workstream: WorkstreamReport): string[] {
  if (!workstream.base_green) return [];
  return [
    "Base after its landings (base_green):",
    ...workstream.base_green.map(
      (observation) =>
        `- #${observation.pull_request} landed as ${observation.landed_commit.slice(0, 12)}: the base's CI ${observation.state} at ${observation.base_sha.slice(0, 12)}${observation.escalation ? `, escalated as ${observation.escalation} (landings since green: ${observation.landings_since_green.map((number) => `#${number}`).join(", ")})` : ""}`,
    ),
    "",
  ];
}

/** Replayed turns cost nothing: their price is a simulation, said so wherever a total shows it. */
function simulatedNote(simulatedUsd: number): string {
  return simulatedUsd > 0
    ? ` Of this, ${formatUsd(simulatedUsd)} is simulated (turns replayed from a cassette), not spent.`
    : "";
}
