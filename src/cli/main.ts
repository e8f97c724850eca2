/**
 * The CLI's outer shell: dispatch to a subcommand, and the one top-level handler. Expected errors
 * (SuperviseError) print their message and exit with their code; anything else is a bug.
 */
import { readFileSync } from "node:fs";
import { ExitCode, PlanError, SuperviseError } from "../errors.ts";
import { commandUsage, usage } from "./command-usage.ts";
import type { CommandContext } from "./commands/command-context.ts";
import { type Dispatch, dispatch } from "./dispatch.ts";
import { invocationPrefix, resumeCommand } from "./invocation.ts";
import { type Output, processOutput } from "./output.ts";
import { listenForStopSignals } from "./stop-signals.ts";

export async function main(argv: string[], output: Output = processOutput(process.env)): Promise<number> {
  const wantsJson = argv.includes("--json");
  let resolved: Dispatch;
  try {
    resolved = dispatch(argv, process.cwd());
  } catch (error) {
    return reportError(error, output, wantsJson);
  }
  if (resolved.kind === "usage") {
    output.out(usage);
    return resolved.exitCode;
  }
  if (resolved.kind === "help") {
    output.out(commandUsage(resolved.command)!);
    return ExitCode.allAccepted;
  }
  if (resolved.kind === "version") {
    output.out(`supervise ${packageVersion()}\n`);
    return ExitCode.allAccepted;
  }
  const invocation = invocationPrefix({
    environment: process.env,
    entryPath: process.argv[1],
    cwd: process.cwd(),
  });
  const isRun = resolved.command === "run";
  // Following a run from another terminal stops at once and leaves the run alone: nothing to announce.
  const isFollower = resolved.command === "logs" || resolved.command === "watch";
  const stops = listenForStopSignals({
    source: process,
    announcer: { stopping: (text) => output.err(text), exiting: (text) => output.err(text) },
    stoppingMessage: isRun
      ? "\nStopping: workers are being stopped and the journal closed (Ctrl-C again to force).\n"
      : isFollower
        ? ""
        : "\nStopping (Ctrl-C again to exit at once).\n",
    exitingMessage: isRun
      ? `\nInterrupted again: exiting now. The journal is consistent; resume with: ${resumeCommand(invocation, resolved.args)}\n`
      : "\nInterrupted again: exiting now.\n",
    exit: () => process.exit(ExitCode.interrupted),
  });
  const context: CommandContext = {
    output,
    environment: process.env,
    cwd: process.cwd(),
    signal: stops.signal,
    stops,
    invocation,
  };
  try {
    return await (await resolved.load())(resolved.args, context);
  } catch (error) {
    return reportError(error, output, wantsJson);
  } finally {
    stops.dispose();
  }
}

function packageVersion(): string {
  const packageFile = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(packageFile, "utf8")) as { version: string }).version;
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
