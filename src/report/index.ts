// Owns: what a person reads about a run: the live view, the status table, the campaign report (Markdown, JSON, HTML) and its retrospective, all folded from the journal.
// Must never: act: it starts, journals and decides nothing, reads run/ only through its types and pure folds, and writes to a terminal only through the writer it is handed.
export { buildCampaignReport } from "./campaign-report.ts";
export { renderHtmlReport } from "./html-report.ts";
export {
  createLiveView,
  type LiveView,
  type RunEnding,
  type ViewedPlan,
  type ViewTimers,
  type ViewWriter,
} from "./live-view.ts";
export { renderMarkdownReport } from "./markdown-report.ts";
export { type PhaseRow, phaseRows, renderPhaseTable } from "./phase-rows.ts";
export { readReportFiles } from "./report-files.ts";
export { renderStatusTable, statusRows } from "./status-table.ts";
export { transcriptEntryLines } from "./transcript-lines.ts";
