import { mkdir } from "node:fs/promises";
import { dirname, extname, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import writeFileAtomic from "write-file-atomic";
import { ExitCode, errorMessage, osErrorCode, SuperviseError, UsageError } from "../../errors.ts";
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
type Format = (typeof formats)[number];

/** What an --output file's extension says it holds; any other extension leaves the default. */
const formatOfExtension: Record<string, Format> = {
  ".html": "html",
  ".htm": "html",
  ".md": "md",
  ".markdown": "md",
  ".json": "json",
};

export async function reportCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("report", args, {
    ...readingOptions,
    format: { type: "string" },
    output: { type: "string" },
  });
  rejectExtraPositionals("report", positionals, 0);
  if (values.output === "") throw new UsageError("--output needs a file path, e.g. --output report.html.");
  const outputFile = values.output === undefined ? null : resolve(context.cwd, values.output);
  const format = chosenFormat(values.format, values.json === true, values.output);
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
  const runDirectoryHref = runDirectoryLink(outputFile, view.run.dir);
  const text = printable(
    format === "json"
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === "html"
        ? renderHtmlReport(report, { runDirectoryHref })
        : renderMarkdownReport(report, { runDirectoryHref }),
  );
  if (outputFile === null) {
    context.output.out(text);
  } else {
    await writeOutput(outputFile, text);
    context.output.out(`Report written to ${outputFile}\n`);
  }
  return ExitCode.allAccepted;
}

/** --format wins when given; otherwise the --output file's extension; otherwise Markdown. */
function chosenFormat(flag: string | undefined, json: boolean, output: string | undefined): Format {
  if (flag !== undefined && !(formats as readonly string[]).includes(flag)) {
    throw new UsageError(`--format must be md, json or html, got "${flag}".`);
  }
  const extension = output === undefined ? "" : extname(output).toLowerCase();
  const implied = formatOfExtension[extension];
  if (flag !== undefined && implied !== undefined && flag !== implied) {
    throw new UsageError(
      `--format ${flag} does not match --output ${output}, whose extension ${extension} means ${implied}.`,
      { hint: `Drop --format to write ${implied}, or name the file for ${flag}.` },
    );
  }
  return (flag as Format | undefined) ?? implied ?? (json ? "json" : "md");
}

/** The report is written where the user asked: a missing folder is made, an OS refusal is theirs to fix. */
async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, text);
  } catch (error) {
    if (osErrorCode(error) === undefined) throw error;
    throw new SuperviseError(`Cannot write the report to ${file}: ${errorMessage(error)}.`, {
      hint: "Pick another --output path, or fix what is in the way (a file where a folder must be, permissions, a full disk).",
      cause: error,
    });
  }
}

/**
 * Where the report's links to bundles and logs start. With --output the links are relative, so the
 * report and the state dir can move together. On stdout the destination is unknown (`> report.html`
 * may be anywhere), so the links are absolute file URLs, valid wherever the file ends up.
 */
function runDirectoryLink(outputFile: string | null, runDirectory: string): string {
  if (outputFile === null) return `${pathToFileURL(runDirectory).href}/`;
  const path = relative(dirname(outputFile), runDirectory).split(sep).map(encodeURIComponent).join("/");
  return path === "" ? "" : `${path}/`;
}
