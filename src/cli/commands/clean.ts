import { ExitCode } from "../../errors.ts";
import { acquireStateLock } from "../../run/index.ts";
import { Workspace } from "../../workspace/index.ts";
import { parseCommandArguments, readingOptions, rejectExtraPositionals } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { readLatestRun } from "./read-run.ts";

/** Checkouts are kept for review; this removes those whose workstream was accepted. */
export async function cleanCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("clean", args, readingOptions);
  rejectExtraPositionals("clean", positionals, 0);
  const view = await readLatestRun(context, values);
  const lock = await acquireStateLock(view.stateDirectory);
  try {
    const started = view.events.find((event) => event.type === "run.started");
    const workspace = new Workspace({
      stateDir: view.stateDirectory,
      userRepository: started?.repo ?? "",
      base: "",
    });
    const removed: string[] = [];
    for (const [id, state] of view.state.workstreams) {
      if (state.status === "accepted" && state.checkoutPath) {
        await workspace.removeCheckout(id);
        removed.push(id);
      }
    }
    context.output.out(
      removed.length > 0
        ? `Removed the checkouts of ${removed.join(", ")}.\n`
        : "No checkout of an accepted workstream to remove.\n",
    );
    return ExitCode.allAccepted;
  } finally {
    await lock.release();
  }
}
