/** Shared by the reading commands: locate the state dir and fold the latest run's journal. */
import { StateError } from "../../errors.ts";
import {
  foldEvents,
  type JournalEvent,
  latestRun,
  type RunInfo,
  type RunState,
  readJournal,
} from "../../run/index.ts";
import { findStateDirectory } from "../state-location.ts";
import type { CommandContext } from "./command-context.ts";

export interface RunView {
  stateDirectory: string;
  run: RunInfo;
  events: JournalEvent[];
  workstreamIds: string[];
  state: RunState;
}

export async function readLatestRun(
  context: CommandContext,
  flags: { "state-dir"?: string | undefined; plan?: string | undefined },
): Promise<RunView> {
  const stateDirectory = await findStateDirectory({
    stateDirFlag: flags["state-dir"],
    planFlag: flags.plan,
    environmentStateDir: context.environment.SUPERVISE_STATE_DIR,
    cwd: context.cwd,
  });
  const run = await latestRun(stateDirectory);
  if (!run) {
    throw new StateError(`The state dir ${stateDirectory} holds no run yet.`, {
      hint: "Start one with `supervise PLAN`.",
    });
  }
  const { events } = await readJournal(run.journalFile);
  const started = events.find((event) => event.type === "run.started");
  const workstreamIds = started ? [...started.workstreams] : [];
  return { stateDirectory, run, events, workstreamIds, state: foldEvents(workstreamIds, events) };
}
