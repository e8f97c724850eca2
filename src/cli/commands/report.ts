import { dirname, relative, resolve, sep } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { ExitCode, UsageError } from "../../errors.ts";
import {
  buildCampaignReport,
  readReportFiles,
  renderHtmlReport,
  renderMarkdownReport,
} from "../../report/index.ts";
import { printable } from "../../text.ts";
import { parseCommandArguments, readingOptions, rejectExtraPositionals } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { readLatestRun } from "./read-run.ts";

const formats = ["md", "json", "html"] as const;

export async function reportCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("report", args, {
    ...readingOptions,
    format: { type: "string" },
    output: { type: "string" },
  });
  rejectExtraPositionals("report", positionals, 0);
  const format = values.format ?? (values.json ? "json" : "md");
  if (!(formats as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be md, json or html, got "${format}".`);
  }
  const outputFile = values.output === undefined ? null : resolve(context.cwd, values.output);
  const view = await readLatestRun(context, values);
  const files = await readReportFiles({
    stateDirectory: view.stateDirectory,
    runDirectory: view.run.dir,
    state: view.state,
  });
  const report = buildCampaignReport({
    run: { id: view.run.id, directory: view.run.dir },
    workstreamIds: view.workstreamIds,
    events: view.events,
    state: view.state,
    logs: files.logs,
    bundlesPresent: files.bundlesPresent,
    nowMs: Date.now(),
  });
  const text = printable(
    format === "json"
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === "html"
        ? renderHtmlReport(report, { runDirectoryHref: runDirectoryHref(outputFile, view.run.dir) })
        : renderMarkdownReport(report),
  );
  if (outputFile === null) {
    context.output.out(text);
  } else {
    await writeFileAtomic(outputFile, text);
    context.output.out(`Report written to ${outputFile}\n`);
  }
  return ExitCode.allAccepted;
}

/**
 * Bundle links are relative, so the report and the run directory can move together. Printed to
 * stdout, the HTML is meant to be saved in the run directory; with --output they point there.
 */
function runDirectoryHref(outputFile: string | null, runDirectory: string): string {
  if (outputFile === null) return "";
  const path = relative(dirname(outputFile), runDirectory).split(sep).map(encodeURIComponent).join("/");
  return path === "" ? "" : `${path}/`;
}
