import { ExitCode, UsageError } from "../../errors.ts";
import { renderReport } from "../../report/campaign-report.ts";
import { parseCommandArguments, readingOptions, rejectExtraPositionals } from "../arguments.ts";
import { readLatestRun } from "./read-run.ts";
import type { CommandContext } from "./run.ts";

export async function reportCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("report", args, {
    ...readingOptions,
    format: { type: "string" },
  });
  rejectExtraPositionals("report", positionals, 0);
  const format = values.format ?? (values.json ? "json" : "md");
  if (format !== "md" && format !== "json") {
    throw new UsageError(`--format must be md or json, got "${format}".`);
  }
  const view = await readLatestRun(context, values);
  context.output.out(renderReport(view, format, Date.now()));
  return ExitCode.allAccepted;
}
