/**
 * The CLI's outer shell: dispatch to a subcommand, and the one top-level handler. Expected errors
 * (SuperviseError) print their message and exit with their code; anything else is a bug.
 */
import { ExitCode, PlanError, SuperviseError, UsageError } from "../errors.ts";
import type { CommandContext } from "./commands/command-context.ts";
import { type Output, processOutput } from "./output.ts";

type CommandHandler = (args: string[], context: CommandContext) => Promise<number>;

/**
 * Loaded on demand: `supervise tool` runs inside every worker command and must start fast, without
 * loading the run, the forge and the SDK it never uses.
 */
const commands: Record<string, () => Promise<CommandHandler>> = {
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
  report: async () => (await import("./commands/report.ts")).reportCommand,
  schema: async () => (await import("./commands/schema.ts")).schemaCommand,
  tool: async () => (await import("./commands/tool.ts")).toolCommand,
  mcp: async () => (await import("./commands/tool.ts")).mcpCommand,
  clean: async () => (await import("./commands/clean.ts")).cleanCommand,
};

export const usage = `supervise — run coding agents per workstream; accept work only on evidence the supervisor collected.

Usage:
  supervise PLAN [flags]              run or resume the plan (same as: supervise run PLAN)
      --json                          one JSON object per event on stdout
      --state-dir DIR                 state dir (default: .supervise/ beside the plan, or $SUPERVISE_STATE_DIR)
      --concurrency N                 workstreams at once (overrides the plan)
      --only ID,…                     run only these workstreams
      --dry-run                       validate and print the schedule; create nothing
      --no-wait                       exit 3 once only human decisions remain
      --new-run                       start a new run instead of resuming the unfinished one
      --record DIR                    write the anthropic workers' turns as cassettes (DIR/<id>.yaml)
  supervise validate PLAN             validate; every error names file:line:column and the field
  supervise status [--json]           workstreams with state, gates, attempts, turns, tokens, cost, elapsed
  supervise evidence WS [--json]      the evidence bundle of one workstream
  supervise escalations [--json]      pending escalations
  supervise approve ID [--note T] [--waive GATE,…]   approve (waived gates are recorded as waived, never pass)
  supervise deny ID [--note T] · supervise reply ID TEXT
  supervise report [--format md|json|html] [--output FILE]   the campaign report
  supervise schema                    the plan's JSON Schema
  supervise clean                     remove the checkouts of accepted workstreams
  supervise tool NAME [--input JSON]  inside a command worker: call one worker tool
  supervise mcp                       inside a command worker: the worker tools as an MCP server (stdio)

Reading commands find the state as run does, or take --state-dir DIR or --plan PLAN.
Exit codes: 0 all accepted · 1 some rejected, failed or aborted · 2 bad input · 3 waiting on a human · 130 interrupted.
`;

export async function main(argv: string[], output: Output = processOutput(process.env)): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) {
      output.err(
        "\nInterrupted again: exiting now. The journal is consistent; run the same command to resume.\n",
      );
      process.exit(ExitCode.interrupted);
    }
    output.err("\nStopping: workers are being stopped and the journal closed (Ctrl-C again to force).\n");
    controller.abort();
  };
  // The terminal went away (a closed SSH session): stop the same way, with no one left to tell.
  const onHangup = () => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onHangup);
  process.on("SIGQUIT", onSignal);
  const wantsJson = argv.includes("--json");
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === "--help" || first === "-h" || first === "help") {
      output.out(usage);
      return first === undefined ? ExitCode.badInput : ExitCode.allAccepted;
    }
    if (first === "--version" || first === "-V") {
      output.out("supervise 0.1.0\n");
      return ExitCode.allAccepted;
    }
    const context: CommandContext = {
      output,
      environment: process.env,
      cwd: process.cwd(),
      signal: controller.signal,
    };
    const loadCommand = commands[first];
    if (loadCommand) return await (await loadCommand())(rest, context);
    if (first.startsWith("-")) throw new UsageError(`Unknown flag ${first} before the plan file.`);
    return await (await commands.run!())(argv, context);
  } catch (error) {
    return reportError(error, output, wantsJson);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onHangup);
    process.off("SIGQUIT", onSignal);
  }
}

function reportError(error: unknown, output: Output, wantsJson: boolean): number {
  if (error instanceof SuperviseError) {
    if (wantsJson) {
      const problems = error instanceof PlanError ? error.problems : undefined;
      output.out(
        `${JSON.stringify({ type: "error", error: { kind: error.name, message: error.message, hint: error.hint ?? null, exit_code: error.exitCode, ...(problems ? { problems } : {}) } })}\n`,
      );
    } else {
      output.err(`error: ${error.message}\n`);
      if (error.hint) output.err(`hint: ${error.hint}\n`);
    }
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  output.err(
    `supervise hit an internal error. This is a bug in supervise, not in your plan.\n` +
      `Please report it with the text below. The journal is append-only, so the run can be resumed.\n\n${stack}\n`,
  );
  return ExitCode.someNotAccepted;
}
