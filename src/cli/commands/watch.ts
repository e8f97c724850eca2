/**
 * `supervise watch [PLAN]`: the live view of a run another process drives, rebuilt from its journal
 * as it grows. Read-only: it takes no lock and writes nothing, so it can watch from any terminal
 * and stop (Ctrl-C) without touching the run. It ends when the run finishes or stops.
 */
import { systemClock } from "../../clock.ts";
import { ExitCode } from "../../errors.ts";
import { createLiveView, type RunEnding } from "../../report/index.ts";
import { createJournalTail, foldEvents, type JournalEvent } from "../../run/index.ts";
import { parseCommandArguments, readingOptions, rejectExtraPositionals } from "../arguments.ts";
import { watchFolders } from "../file-changes.ts";
import { resumeCommand } from "../invocation.ts";
import { systemViewTimers } from "../view-timers.ts";
import type { CommandContext } from "./command-context.ts";
import { readLatestRun } from "./read-run.ts";

/** How often the journal is read when no change was reported: the fallback where watching fails. */
const pollIntervalMs = 1_000;

type Ending = JournalEvent & { type: "run.finished" | "run.stopped" };

export async function watchCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("watch", args, readingOptions);
  rejectExtraPositionals("watch", positionals, 1);
  const planFile = positionals[0] ?? values.plan;
  const { run, stateDirectory } = await readLatestRun(context, { ...values, plan: planFile });
  const journal = createJournalTail(run.journalFile);
  const waiter = watchFolders([run.dir], pollIntervalMs);
  try {
    // The workstreams are the ones `run.started` names: a run just created may not have written it yet.
    const recorded = await journal.readNew();
    while (!recorded.some((event) => event.type === "run.started")) {
      if (context.signal.aborted) return ExitCode.interrupted;
      await waiter.next(context.signal);
      recorded.push(...(await journal.readNew()));
    }
    const started = recorded.find((event) => event.type === "run.started")!;
    const workstreamIds = [...started.workstreams];
    const view = createLiveView({
      plan: { workstreams: workstreamIds.map((id) => ({ id })) },
      runId: run.id,
      output: context.output,
      json: values.json === true,
      redact: (text) => text,
      recordedEvents: values.json ? [] : recorded,
      clock: systemClock,
      timers: systemViewTimers,
      isWatching: true,
    });
    const events = [...recorded];
    if (values.json) for (const event of recorded) view.onEvent(event);
    for (;;) {
      const ending = endingOf(events);
      if (ending !== null) {
        const state = foldEvents(workstreamIds, events);
        const outcome: RunEnding["outcome"] =
          ending.type === "run.finished"
            ? { kind: "finished", state, allAccepted: allAccepted(workstreamIds, ending.verdicts) }
            : {
                kind: "stopped",
                state,
                reason: ending.reason === "error" ? "interrupted" : ending.reason,
              };
        view.finish({
          outcome,
          stateDirectory,
          run,
          resumeCommand: resumeCommand(context.invocation, [planFile ?? "PLAN"]),
        });
        return exitCodeOf(outcome);
      }
      if (context.signal.aborted) {
        view.close("\n");
        return ExitCode.interrupted;
      }
      await waiter.next(context.signal);
      for (const event of await journal.readNew()) {
        events.push(event);
        view.onEvent(event);
      }
    }
  } finally {
    waiter.close();
  }
}

/** The run's last word so far, when it is one that ends this process's part of the run. */
function endingOf(events: readonly JournalEvent[]): Ending | null {
  const last = events.at(-1);
  return last?.type === "run.finished" || last?.type === "run.stopped" ? (last as Ending) : null;
}

function allAccepted(workstreamIds: readonly string[], verdicts: Record<string, string>): boolean {
  return workstreamIds.every((id) => verdicts[id] === "accepted");
}

/** The exit code the run itself exits with, so a script can wait on a run with `supervise watch`. */
function exitCodeOf(outcome: RunEnding["outcome"]): number {
  if (outcome.kind === "finished")
    return outcome.allAccepted ? ExitCode.allAccepted : ExitCode.someNotAccepted;
  if (outcome.reason === "interrupted") return ExitCode.interrupted;
  if (outcome.reason === "waiting_on_human") return ExitCode.waitingOnHuman;
  return ExitCode.allAccepted;
}
