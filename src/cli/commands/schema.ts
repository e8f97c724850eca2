import { ExitCode } from "../../errors.ts";
import { planJsonSchema } from "../../plan/index.ts";
import { parseCommandArguments, rejectExtraPositionals } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";

export async function schemaCommand(args: string[], context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArguments("schema", args, {});
  rejectExtraPositionals("schema", positionals, 0);
  context.output.out(`${JSON.stringify(planJsonSchema(), null, 2)}\n`);
  return ExitCode.allAccepted;
}
