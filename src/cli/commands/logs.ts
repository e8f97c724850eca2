/**
 * `supervise logs WS [-f] [--gate NAME]`: a worker's output (its transcript), or a gate's log, from
 * the latest run; with -f, followed as it grows until the workstream ends, the run stops, or
 * Ctrl-C. Reads files only, never the state lock: it works beside the run that writes them.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { ExitCode, StateError } from "../../errors.ts";
import { createLineTail } from "../../line-tail.ts";
import { transcriptEntryLines } from "../../report/index.ts";
import { createJournalTail, foldEvents, type JournalEvent, terminalStatuses } from "../../run/index.ts";
import { printable } from "../../text.ts";
import {
  parseCommandArguments,
  readingOptions,
  rejectExtraPositionals,
  requirePositional,
} from "../arguments.ts";
import { watchFolders } from "../file-changes.ts";
import type { CommandContext } from "./command-context.ts";
import { readLatestRun } from "./read-run.ts";

const logsOptions = {
  ...readingOptions,
  follow: { type: "boolean", short: "f" },
  gate: { type: "string" },
} as const;

/** How often a follower reads when no change was reported: the fallback where watching fails. */
const pollIntervalMs = 1_000;

export async function logsCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("logs", args, logsOptions);
  const workstream = requirePositional("logs", positionals, 0, "the workstream id (supervise logs WS)");
  rejectExtraPositionals("logs", positionals, 1);
  const view = await readLatestRun(context, values);
  if (!view.workstreamIds.includes(workstream)) {
    throw new StateError(
      `Run ${view.run.id} has no workstream "${workstream}". Its workstreams: ${view.workstreamIds.join(", ")}.`,
    );
  }
  const transcript = join(view.run.dir, "transcripts", `${workstream}.jsonl`);
  const logsDirectory = join(view.run.dir, "evidence", workstream, "logs");
  const file =
    values.gate === undefined ? transcript : await latestGateLog(logsDirectory, workstream, values.gate);
  const render =
    values.gate !== undefined || values.json
      ? (line: string) => [printable(line)]
      : (line: string) => transcriptEntryLines(line);
  const lines = createLineTail(file, values.gate === undefined ? "the transcript" : "the gate log");
  const printNew = async () => {
    const text = (await lines.readNewLines()).flatMap(render);
    if (text.length > 0) context.output.out(`${text.join("\n")}\n`);
  };

  if (!values.follow) {
    await printNew();
    if (!values.json) await printPaths(context, view.run.dir, transcript, logsDirectory, workstream);
    return ExitCode.allAccepted;
  }
  const journal = createJournalTail(view.run.journalFile);
  const events: JournalEvent[] = [];
  const waiter = watchFolders(
    [view.run.dir, join(view.run.dir, "transcripts"), logsDirectory],
    pollIntervalMs,
  );
  try {
    for (;;) {
      events.push(...(await journal.readNew()));
      // Read after the journal: output written before the workstream ended is printed before stopping.
      await printNew();
      if (hasEnded(events, view.workstreamIds, workstream)) return ExitCode.allAccepted;
      if (context.signal.aborted) return ExitCode.interrupted;
      await waiter.next(context.signal);
    }
  } finally {
    waiter.close();
  }
}

/** The workstream reached a verdict, or the run stopped: no more output will come from this run. */
function hasEnded(events: readonly JournalEvent[], workstreamIds: string[], workstream: string): boolean {
  const last = events.at(-1);
  if (last?.type === "run.finished" || last?.type === "run.stopped") return true;
  const status = foldEvents(workstreamIds, events).workstreams.get(workstream)?.status;
  return status !== undefined && terminalStatuses.has(status);
}

/** The newest log of gate `gate` (one is written per claim): `evidence/<ws>/logs/<claim>-<gate>.log`. */
async function latestGateLog(directory: string, workstream: string, gate: string): Promise<string> {
  const names = await readdir(directory).catch(() => [] as string[]);
  const own = names.filter((name) => name.endsWith(`-${gate}.log`));
  // A gate that runs the check elsewhere keeps only its parts' logs (`tests_prove_change-without-change`).
  const candidates =
    own.length > 0 ? own : names.filter((name) => name.includes(`-${gate}-`) && name.endsWith(".log"));
  if (candidates.length === 0) {
    const gates = [
      ...new Set(
        names.flatMap((name) => /^(?:claim-\d+|merge-pr\d+-[0-9a-f]+)-(.+)\.log$/.exec(name)?.[1] ?? []),
      ),
    ];
    throw new StateError(`Workstream ${workstream} has no log of the gate "${gate}" yet.`, {
      hint:
        gates.length > 0
          ? `Its gate logs: ${gates.join(", ")}.`
          : "Gate logs are written when the supervisor verifies a claim.",
    });
  }
  const dated = await Promise.all(
    candidates.map(async (name) => ({ name, modifiedMs: (await stat(join(directory, name))).mtimeMs })),
  );
  dated.sort((left, right) => left.modifiedMs - right.modifiedMs || left.name.localeCompare(right.name));
  return join(directory, dated.at(-1)!.name);
}

/** Where the full records are, on stderr so stdout stays the log itself. */
async function printPaths(
  context: CommandContext,
  runDirectory: string,
  transcript: string,
  logsDirectory: string,
  workstream: string,
): Promise<void> {
  const gateLogs = (await readdir(logsDirectory).catch(() => [] as string[])).filter((name) =>
    name.endsWith(".log"),
  );
  context.output.err(
    [
      "",
      `Transcript: ${transcript}`,
      `Gate logs: ${gateLogs.length > 0 ? `${logsDirectory}/ (${gateLogs.length}; \`supervise logs ${workstream} --gate NAME\`)` : "none yet"}`,
      `Evidence: ${join(runDirectory, "evidence", workstream, "bundle.md")}`,
      "",
    ].join("\n"),
  );
}
