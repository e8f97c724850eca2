/**
 * Which command the arguments name. `supervise PLAN` runs a plan, so a first argument that is no
 * command is read as a plan only when it looks like one (a .yaml/.yml name, a path, or an existing
 * file); anything else is a mistyped command, answered with exit 2 and the closest command's name,
 * never with "plan file not found".
 */
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { didYouMean } from "../closest-match.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { documentedCommands } from "./command-usage.ts";
import type { CommandContext } from "./commands/command-context.ts";
import { runOptions } from "./commands/run/run-options.ts";

export type CommandHandler = (args: string[], context: CommandContext) => Promise<number>;

/**
 * Loaded on demand: `supervise tool` runs inside every worker command and must start fast, without
 * loading the run, the forge and the SDK it never uses.
 */
export const commands: Record<string, () => Promise<CommandHandler>> = {
  run: async () => (await import("./commands/run/run-command.ts")).runCommand,
  validate: async () => (await import("./commands/validate.ts")).validateCommand,
  status: async () => (await import("./commands/status.ts")).statusCommand,
  evidence: async () => (await import("./commands/evidence.ts")).evidenceCommand,
  escalations: async () => (await import("./commands/escalations.ts")).escalationsCommand,
  approve: async () => {
    const { decisionCommand } = await import("./commands/escalations.ts");
    return (args, context) => decisionCommand("approve", args, context);
  },
  deny: async () => {
    const { decisionCommand } = await import("./commands/escalations.ts");
    return (args, context) => decisionCommand("deny", args, context);
  },
  reply: async () => {
    const { decisionCommand } = await import("./commands/escalations.ts");
    return (args, context) => decisionCommand("reply", args, context);
  },
  logs: async () => (await import("./commands/logs.ts")).logsCommand,
  watch: async () => (await import("./commands/watch.ts")).watchCommand,
  report: async () => (await import("./commands/report.ts")).reportCommand,
  init: async () => (await import("./commands/init.ts")).initCommand,
  completion: async () => (await import("./commands/completion.ts")).completionCommand,
  schema: async () => (await import("./commands/schema.ts")).schemaCommand,
  tool: async () => (await import("./commands/tool.ts")).toolCommand,
  mcp: async () => (await import("./commands/tool.ts")).mcpCommand,
  clean: async () => (await import("./commands/clean.ts")).cleanCommand,
  host: async () => (await import("./commands/host.ts")).hostCommand,
};

export type Dispatch =
  | { kind: "usage"; exitCode: number }
  | { kind: "version" }
  | { kind: "help"; command: string }
  | { kind: "command"; command: string; args: string[]; load: () => Promise<CommandHandler> };

const helpFlags = new Set(["--help", "-h"]);
const versionWords = new Set(["version", "--version", "-V"]);

export function dispatch(argv: readonly string[], cwd: string): Dispatch {
  const [first, ...rest] = argv;
  if (first === undefined) return { kind: "usage", exitCode: ExitCode.badInput };
  if (helpFlags.has(first)) return { kind: "usage", exitCode: ExitCode.allAccepted };
  if (first === "help") {
    const topic = rest[0];
    if (topic === undefined) return { kind: "usage", exitCode: ExitCode.allAccepted };
    return { kind: "help", command: helpFlags.has(topic) ? "help" : knownCommand(topic) };
  }
  if (versionWords.has(first))
    return rest.some((argument) => helpFlags.has(argument))
      ? { kind: "help", command: "version" }
      : { kind: "version" };
  const [command, args] = Object.hasOwn(commands, first) ? [first, rest] : ["run", [...argv]];
  if (command === "run" && first !== "run") checkPlanArgument(first, cwd);
  // `--` ends the flags: what follows is an argument, even `--help`.
  const flags = args.includes("--") ? args.slice(0, args.indexOf("--")) : args;
  if (flags.some((argument) => helpFlags.has(argument))) return { kind: "help", command };
  return { kind: "command", command, args, load: commands[command]! };
}

/** Flags before the plan (`supervise --json plan.yaml`) are the run's; any other first word must look like a plan. */
function checkPlanArgument(first: string, cwd: string): void {
  if (first.startsWith("-")) {
    const known = [...Object.keys(runOptions).map((name) => `--${name}`), "--help", "--version"];
    if (known.includes(first.split("=")[0]!)) return;
    throw new UsageError(`Unknown flag ${first}${didYouMean(first, known)}.`);
  }
  if (looksLikePlan(first, cwd)) return;
  throw new UsageError(`Unknown command "${first}"${didYouMean(first, documentedCommands)}.`, {
    hint: `Commands: ${documentedCommands.join(", ")}. A plan is run as \`supervise PLAN.yaml\`; \`supervise --help\` says more.`,
  });
}

function looksLikePlan(argument: string, cwd: string): boolean {
  if (/\.ya?ml$/i.test(argument) || argument.includes("/")) return true;
  try {
    return statSync(resolve(cwd, argument)).isFile();
  } catch {
    return false;
  }
}

function knownCommand(name: string): string {
  if (documentedCommands.includes(name)) return name;
  throw new UsageError(`Unknown command "${name}"${didYouMean(name, documentedCommands)}.`, {
    hint: `Commands: ${documentedCommands.join(", ")}.`,
  });
}
