/**
 * `supervise tool` and `supervise mcp`: the worker side of the bridge, usable only inside a
 * `command` worker, whose environment carries the socket and the token bound to its workstream.
 */

import { type BridgeAddress, callSupervisorTool, loadMcpServer } from "../../agent/bridge/index.ts";
import { ExitCode, SuperviseError, UsageError } from "../../errors.ts";
import { parseCommandArguments, rejectExtraPositionals, requirePositional } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";

function bridgeAddress(environment: NodeJS.ProcessEnv): BridgeAddress {
  const socketPath = environment.SUPERVISE_TOOL_SOCKET;
  const token = environment.SUPERVISE_TOOL_TOKEN;
  if (!socketPath || !token) {
    throw new SuperviseError(
      "`supervise tool` and `supervise mcp` work only inside a command worker started by supervise.",
      {
        hint: "Run a plan whose agent is `{ provider: command, command: … }`; its worker gets what these commands need.",
      },
    );
  }
  return { socketPath, token };
}

export async function toolCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("tool", args, { input: { type: "string" } });
  const name = requirePositional("tool", positionals, 0, "the tool name (supervise tool NAME --input JSON)");
  rejectExtraPositionals("tool", positionals, 1);
  let input: unknown = {};
  if (values.input !== undefined) {
    try {
      input = JSON.parse(values.input);
    } catch (error) {
      throw new UsageError(`--input must be JSON: ${(error as Error).message}`);
    }
  }
  const address = bridgeAddress(context.environment);
  let result: Awaited<ReturnType<typeof callSupervisorTool>>;
  try {
    result = await callSupervisorTool(address, name, input);
  } catch (error) {
    throw new SuperviseError(`Could not reach the supervisor: ${(error as Error).message}`, {
      exitCode: ExitCode.someNotAccepted,
      hint: "The supervisor may have stopped; it restarts this worker when it resumes.",
    });
  }
  context.output.out(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
  if (result.isBadInput) return ExitCode.badInput;
  return result.isError ? 1 : 0;
}

export async function mcpCommand(args: string[], context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArguments("mcp", args, {});
  rejectExtraPositionals("mcp", positionals, 0);
  const serveToolsOverMcp = await loadMcpServer();
  await serveToolsOverMcp(bridgeAddress(context.environment));
  return ExitCode.allAccepted;
}
