import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode, StateError } from "../../errors.ts";
import {
  type Bundle,
  bundleDirectory,
  renderBundleMarkdown,
  renderClaimMarkdown,
} from "../../evidence/index.ts";
import { printable } from "../../text.ts";
import {
  parseCommandArguments,
  parsePositiveInteger,
  readingOptions,
  rejectExtraPositionals,
  requirePositional,
} from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { readLatestRun } from "./read-run.ts";

const evidenceOptions = { ...readingOptions, claim: { type: "string" } } as const;

/**
 * `supervise evidence WS [--claim N]`: the bundle, rendered again from bundle.json so every claim's
 * findings show (a bundle.md written by an older version may hold only the last claim's).
 */
export async function evidenceCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("evidence", args, evidenceOptions);
  const workstream = requirePositional(
    "evidence",
    positionals,
    0,
    "the workstream id (supervise evidence WS)",
  );
  rejectExtraPositionals("evidence", positionals, 1);
  const claimId = parsePositiveInteger("claim", values.claim);
  const view = await readLatestRun(context, values);
  if (!view.workstreamIds.includes(workstream)) {
    throw new StateError(
      `Run ${view.run.id} has no workstream "${workstream}". Its workstreams: ${view.workstreamIds.join(", ")}.`,
    );
  }
  const file = join(bundleDirectory(view.run.dir, workstream), "bundle.json");
  let bundle: Bundle;
  try {
    bundle = JSON.parse(await readFile(file, "utf8")) as Bundle;
  } catch {
    throw new StateError(
      `Workstream ${workstream} has no evidence bundle yet (it is ${view.state.workstreams.get(workstream)?.status ?? "pending"}).`,
      {
        hint: "A bundle is written when the supervisor verifies a claim or the workstream ends.",
      },
    );
  }
  const claim =
    claimId === undefined ? undefined : bundle.claims.find((candidate) => candidate.id === claimId);
  if (claimId !== undefined && claim === undefined) {
    throw new StateError(
      `Workstream ${workstream} has no claim ${claimId}; its claims: ${bundle.claims.map((candidate) => candidate.id).join(", ") || "none yet"}.`,
    );
  }
  if (values.json) {
    context.output.out(`${JSON.stringify(claim ?? bundle, null, 2)}\n`);
    return ExitCode.allAccepted;
  }
  const text = claimId === undefined ? renderBundleMarkdown(bundle) : renderClaimMarkdown(bundle, claimId)!;
  // A bundle's text holds what workers printed: printable() keeps their escape sequences inert.
  const shown = printable(text.endsWith("\n") ? text : `${text}\n`);
  context.output.out(context.output.useColor ? highlight(shown) : shown);
  return ExitCode.allAccepted;
}

const red = (text: string) => `\x1b[31m${text}\x1b[39m`;
const green = (text: string) => `\x1b[32m${text}\x1b[39m`;
const bold = (text: string) => `\x1b[1m${text}\x1b[22m`;

/** On a terminal: headings bold, failures red, passes green, so the finding that decided stands out. */
function highlight(markdown: string): string {
  return markdown
    .split("\n")
    .map((line) =>
      /^#{1,3} /.test(line)
        ? bold(line)
        : line
            .replace(/\*\*(fail|error|rejected)\*\*|\| (fail|error) \|/g, (match) => red(match))
            .replace(/\*\*(pass|accepted)\*\*|\| pass \|/g, (match) => green(match)),
    )
    .join("\n");
}
