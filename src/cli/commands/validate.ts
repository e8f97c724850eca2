import { ExitCode } from "../../errors.ts";
import { parseCommandArguments, rejectExtraPositionals, requirePositional } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { loadPlanAndPlaybooks } from "./plan-and-playbooks.ts";

export async function validateCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("validate", args, { json: { type: "boolean" } });
  const file = requirePositional("validate", positionals, 0, "the plan file (supervise validate PLAN)");
  rejectExtraPositionals("validate", positionals, 1);
  const { plan, playbooks } = await loadPlanAndPlaybooks(file, context.cwd);
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
