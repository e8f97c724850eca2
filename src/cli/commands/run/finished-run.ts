import { ExitCode } from "../../../errors.ts";
import type { Plan } from "../../../plan/index.ts";
import { type RunInfo, readJournal } from "../../../run/index.ts";
import type { Output } from "../../output.ts";

/**
 * Running a plan whose last run finished does nothing twice: it reports that run's verdicts
 * (no second PR, no second merge). `--new-run` starts afresh.
 */
export async function reportFinishedRun(
  run: RunInfo,
  plan: Plan,
  output: Output,
  wantsJson: boolean,
): Promise<number> {
  const { events } = await readJournal(run.journalFile);
  const finished = events.findLast((event) => event.type === "run.finished");
  const verdicts = finished?.verdicts ?? {};
  const allAccepted = plan.workstreams.every((workstream) => verdicts[workstream.id] === "accepted");
  if (wantsJson) {
    output.out(`${JSON.stringify({ type: "run.already_finished", run: run.id, verdicts })}\n`);
  } else {
    const tally = Object.entries(verdicts)
      .map(([id, verdict]) => `${id} ${verdict}`)
      .join(", ");
    output.out(
      `Run ${run.id} of this plan already finished (${tally}); nothing was started.\nUse --new-run to run the plan again from the start.\n`,
    );
  }
  return allAccepted ? ExitCode.allAccepted : ExitCode.someNotAccepted;
}
