import { ExitCode } from "../../errors.ts";
import { phaseRows, renderPhaseTable, renderStatusTable, statusRows } from "../../report/index.ts";
import { describeSandbox } from "../../sandbox/index.ts";
import { printable } from "../../text.ts";
import { parseCommandArguments, readingOptions, rejectExtraPositionals } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { readLatestRun } from "./read-run.ts";

export async function statusCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("status", args, readingOptions);
  rejectExtraPositionals("status", positionals, 0);
  const view = await readLatestRun(context, values);
  const nowMs = Date.now();
  const lastEvent = view.events.at(-1);
  const runState = view.state.isFinished
    ? "finished"
    : lastEvent?.type === "run.stopped"
      ? `stopped (${lastEvent.reason})`
      : "unfinished";
  const started = view.events.find((event) => event.type === "run.started");
  const sandbox = started?.sandbox ?? null;
  if (values.json) {
    context.output.out(
      `${JSON.stringify({
        run: view.run.id,
        state_dir: view.stateDirectory,
        run_state: runState,
        sandbox,
        workstreams: statusRows(view.workstreamIds, view.state, nowMs),
        phases: phaseRows(view.events, view.state),
      })}\n`,
    );
    return ExitCode.allAccepted;
  }
  const isolation = sandbox === null ? "unknown" : describeSandbox(sandbox);
  context.output.out(
    `Run ${view.run.id} (${runState}) in ${view.stateDirectory}\nIsolation: ${isolation}\n\n`,
  );
  context.output.out(
    `${renderStatusTable(view.workstreamIds, view.state, nowMs, context.output.useColor)}\n`,
  );
  const phases = renderPhaseTable(phaseRows(view.events, view.state));
  if (phases !== "") context.output.out(`\n${printable(phases)}`);
  return ExitCode.allAccepted;
}
