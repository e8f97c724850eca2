/**
 * The tests per module, as Markdown and HTML: the seed campaign's hand-filled summary (run / passed /
 * failed / ignored per module), one row per module of each workstream's latest local_check and CI
 * logs. Ignored tests are a column of their own: they never ran, so they are never passed.
 */
import type { ModuleTally } from "../evidence/index.ts";
import { html, type SafeHtml } from "./html-template.ts";
import type { CampaignReport } from "./report-model.ts";

export interface ModuleRow extends ModuleTally {
  workstream: string;
  /** `local_check, claim 2` or `ci_green, claim 2`. */
  source: string;
}

export function moduleRows(report: CampaignReport): ModuleRow[] {
  return report.workstreams.flatMap((workstream) =>
    [workstream.tests.local_check, workstream.tests.ci].flatMap((evidence) =>
      (evidence?.modules ?? []).map((tally) => ({
        workstream: workstream.workstream,
        source: `${evidence!.gate}, claim ${evidence!.claim}`,
        ...tally,
      })),
    ),
  );
}

const explanation =
  "Every test the latest logs name, grouped by module (its name without the test's own). Run counts them all, as cargo's `running N tests` does; ignored tests were listed but never ran, so they are never passed.";

export function renderModuleTableMarkdown(report: CampaignReport): string[] {
  const rows = moduleRows(report);
  if (rows.length === 0) return [];
  return [
    "### Tests per module",
    "",
    explanation,
    "",
    "| workstream | source | binary | module | run | passed | failed | ignored |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (row) =>
        `| ${[row.workstream, row.source, row.binary || "-", row.module || "(top level)"].map(markdownCell).join(" | ")} | ${row.run} | ${row.passed} | ${row.failed} | ${row.ignored} |`,
    ),
    "",
  ];
}

export function renderModuleTableHtml(report: CampaignReport): SafeHtml | string {
  const rows = moduleRows(report);
  if (rows.length === 0) return "";
  return html`<section id="test-modules">
<h3>Tests per module</h3>
<p class="muted">${explanation}</p>
<table class="tests">
<thead><tr><th>workstream</th><th>source</th><th>binary</th><th>module</th><th class="number">run</th><th class="number">passed</th><th class="number">failed</th><th class="number">ignored</th></tr></thead>
<tbody>
${rows.map(
  (
    row,
  ) => html`<tr><th scope="row">${row.workstream}</th><td>${row.source}</td><td class="mono">${row.binary || "-"}</td><td class="mono">${row.module || "(top level)"}</td><td class="number">${row.run}</td><td class="number">${row.passed}</td><td class="number">${row.failed}</td><td class="number">${row.ignored}</td></tr>
`,
)}</tbody>
</table>
</section>`;
}

/** Test names in a Markdown cell: one line, no column break, no raw HTML. */
function markdownCell(text: string): string {
  return text
    .replaceAll("|", "\\|")
    .replaceAll("<", "&lt;")
    .replace(/\s*\n\s*/g, " ");
}
