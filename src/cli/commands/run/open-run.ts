import { rm } from "node:fs/promises";
import { systemClock } from "../../../clock.ts";
import { createRun, Journal, type JournalEvent, newRunId, type RunInfo } from "../../../run/index.ts";
import type { CleanupStack } from "./cleanup-stack.ts";

export interface OpenedRun {
  run: RunInfo;
  /** Open for appending; closed by the cleanup stack. */
  journal: Journal;
  /** Events already in the journal (a resume), folded before anything starts. */
  recordedEvents: readonly JournalEvent[];
  /** Whether this resumes the plan's unfinished run: recorded cassettes are appended to, not restarted. */
  isResume: boolean;
  /** Set on every command the run starts, so a later supervisor can find and stop what this one left. */
  markers: Record<string, string>;
  /** Call when the supervisor starts: from then on the run's folder is kept on every way out. */
  markStarted(): void;
}

/** Resumes the plan's unfinished run, or starts a new one (`--new-run`, or none to resume), and opens its journal. */
export async function openRun(
  input: {
    stateDirectory: string;
    /** The state dir's marker, from lockStateDirectory. */
    stateMarker: string;
    latest: RunInfo | null;
    wantsNewRun: boolean;
  },
  cleanups: CleanupStack,
): Promise<OpenedRun> {
  const { latest } = input;
  const run =
    latest && !latest.isFinished && !input.wantsNewRun
      ? latest
      : await createRun(input.stateDirectory, newRunId(systemClock));
  const { journal, events } = await Journal.open(run.journalFile, { clock: systemClock });
  cleanups.defer(() => journal.close());
  let isStarted = false;
  // A new run that fails before its supervisor starts (a program missing from the sandbox, a broken
  // state dir) recorded nothing: its folder would only make the next `supervise PLAN` resume a run
  // that never ran. Removed after what the run made is undone, before the journal closes and the
  // state lock is released. A resumed run is the user's record and is always kept.
  if (run !== latest) {
    cleanups.defer(async () => {
      if (!isStarted) await rm(run.dir, { recursive: true, force: true });
    });
  }
  return {
    run,
    journal,
    recordedEvents: events,
    isResume: run === latest,
    markers: { SUPERVISE_STATE: input.stateMarker, SUPERVISE_RUN: run.id },
    markStarted: () => {
      isStarted = true;
    },
  };
}
