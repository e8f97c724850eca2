import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode, StateError } from "../../errors.ts";
import { bundleDirectory } from "../../evidence/index.ts";
import { printable } from "../../text.ts";
import {
  parseCommandArguments,
  readingOptions,
  rejectExtraPositionals,
  requirePositional,
} from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { readLatestRun } from "./read-run.ts";

export async function evidenceCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("evidence", args, readingOptions);
  const workstream = requirePositional(
    "evidence",
    positionals,
    0,
    "the workstream id (supervise evidence WS)",
  );
  rejectExtraPositionals("evidence", positionals, 1);
  const view = await readLatestRun(context, values);
  if (!view.workstreamIds.includes(workstream)) {
    throw new StateError(
      `Run ${view.run.id} has no workstream "${workstream}". Its workstreams: ${view.workstreamIds.join(", ")}.`,
    );
  }
  const directory = bundleDirectory(view.run.dir, workstream);
  const file = join(directory, values.json ? "bundle.json" : "bundle.md");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new StateError(
      `Workstream ${workstream} has no evidence bundle yet (it is ${view.state.workstreams.get(workstream)?.status ?? "pending"}).`,
      {
        hint: "A bundle is written when the supervisor verifies a claim or the workstream ends.",
      },
    );
  }
  // Bundles written before printable() existed may still hold a worker's escape sequences.
  context.output.out(printable(text.endsWith("\n") ? text : `${text}\n`));
  return ExitCode.allAccepted;
}
