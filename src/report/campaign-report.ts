/** The campaign report: per workstream the verdict, gates, attempts, claims and time, from the journal. */
import type { RunView } from "../cli/commands/read-run.ts";
import { formatDuration, statusRows } from "./status-table.ts";

export function renderReport(view: RunView, format: "md" | "json", nowMs: number): string {
  const rows = statusRows(view.workstreamIds, view.state, nowMs);
  const workstreams = rows.map((row) => {
    const state = view.state.workstreams.get(row.workstream);
    const lastClaim = state?.claims.at(-1);
    return {
      ...row,
      gates: (lastClaim?.gates ?? []).map((gate) => ({
        id: gate.gate,
        status: gate.status,
        detail: gate.detail,
      })),
      claims: (state?.claims ?? []).map((claim) => ({
        id: claim.id,
        commit: claim.commit,
        verdict: claim.verdict,
        summary: claim.summary,
      })),
      bundle: `${view.run.dir}/evidence/${row.workstream}/bundle.json`,
    };
  });
  const accepted = rows.filter((row) => row.state === "accepted").length;
  const summary = {
    run: view.run.id,
    finished: view.state.isFinished,
    workstreams: rows.length,
    accepted,
    not_accepted: rows.length - accepted,
    rejected_claims: rows.reduce(
      (sum, row) => sum + (view.state.workstreams.get(row.workstream)?.rejections ?? 0),
      0,
    ),
    cost_usd: Number(rows.reduce((sum, row) => sum + row.cost_usd, 0).toFixed(4)),
  };
  if (format === "json") return `${JSON.stringify({ summary, workstreams })}\n`;
  const lines = [
    `# Campaign report — run ${view.run.id}`,
    "",
    `${summary.accepted} of ${summary.workstreams} workstreams accepted; ${summary.rejected_claims} claim(s) rejected; cost $${summary.cost_usd.toFixed(2)}.`,
    "",
    "| workstream | verdict | gates | attempts | claims | elapsed |",
    "| --- | --- | --- | --- | --- | --- |",
    ...workstreams.map(
      (row) =>
        `| ${row.workstream} | ${row.state} | ${row.gates.map((gate) => `${gate.id}:${gate.status}`).join(" ") || "-"} | ${row.attempts} | ${row.claims.length} | ${row.elapsed_seconds === null ? "-" : formatDuration(row.elapsed_seconds)} |`,
    ),
    "",
  ];
  for (const row of workstreams) {
    if (row.reason) lines.push(`- **${row.workstream}**: ${row.reason}`);
  }
  return `${lines.join("\n")}\n`;
}
