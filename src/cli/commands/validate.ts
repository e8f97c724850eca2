import { ExitCode } from "../../errors.ts";
import { loadPlaybooks, playbookDirectoriesFor, playbookGatesFor } from "../../monitor/index.ts";
import { loadPlan } from "../../plan/index.ts";
import { parseCommandArguments, rejectExtraPositionals, requirePositional } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";

export async function validateCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("validate", args, { json: { type: "boolean" } });
  const file = requirePositional("validate", positionals, 0, "the plan file (supervise validate PLAN)");
  rejectExtraPositionals("validate", positionals, 1);
  const plan = await loadPlan(file, { cwd: context.cwd });
  const playbooks = await loadPlaybooks(playbookDirectoriesFor(plan), playbookGatesFor(plan));
  if (values.json) {
    context.output.out(
      `${JSON.stringify({ valid: true, plan: plan.file, workstreams: plan.workstreams.map((w) => w.id) })}\n`,
    );
  } else {
    context.output.out(
      `${file}: valid — ${plan.name}, ${plan.workstreams.length} workstream(s), base ${plan.base}, forge ${plan.forge.kind}; ${playbooks.length} playbooks.\n`,
    );
  }
  return ExitCode.allAccepted;
}
