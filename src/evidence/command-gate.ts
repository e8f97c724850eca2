/**
 * `local_check`, `release_build` and the plan's own command gates: the supervisor runs the command
 * itself, in the checkout at the claimed commit, and judges by the exit code it saw.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CommandResult, CommandRunner } from "../sandbox/index.ts";
import { firstErrorLines, readLogHead } from "./error-excerpt.ts";
import type { CommandObservation, GateResult } from "./gate-result.ts";
import { runWithTestLedger, serializeLedgerRun } from "./test-ledger.ts";

export interface CommandGateRequest {
  gate: string;
  command: string | undefined;
  checkoutPath: string;
  environment: Record<string, string>;
  timeoutMs: number;
  runDirectory: string;
  /** Relative to the run directory, e.g. `evidence/ws1/logs/claim-2-local_check.log`. */
  logPath: string;
  signal?: AbortSignal;
  /**
   * Where the supervisor's test ledger folder goes (local_check): the tests' outcomes are then
   * recorded by file and name beside the log, for diff_scope.
   */
  ledgerDirectory?: string;
}

export async function runCommandGate(
  runner: CommandRunner,
  request: CommandGateRequest,
): Promise<GateResult> {
  if (!request.command) {
    return {
      id: request.gate,
      status: "error",
      detail: "the plan names no command for this gate",
      observed: {},
    };
  }
  const logFile = join(request.runDirectory, request.logPath);
  await mkdir(dirname(logFile), { recursive: true });
  const commandRequest = {
    command: request.command,
    cwd: request.checkoutPath,
    env: request.environment,
    timeoutMs: request.timeoutMs,
    logFile,
    ...(request.signal ? { signal: request.signal } : {}),
  };
  if (request.ledgerDirectory === undefined) {
    const result = await runner.run(commandRequest);
    return judgeCommandGate(
      request.gate,
      request.command,
      request.logPath,
      result,
      await logHeadOf(logFile, result),
    );
  }
  const run = await runWithTestLedger(runner, commandRequest, request.ledgerDirectory);
  const judged = judgeCommandGate(
    request.gate,
    request.command,
    request.logPath,
    run.result,
    await logHeadOf(logFile, run.result),
  );
  if (run.ledger === null && run.note === null) return judged;
  const ledgerPath = `${request.logPath.replace(/\.log$/, "")}.ledger.json`;
  await writeFile(join(request.runDirectory, ledgerPath), serializeLedgerRun(run));
  return { ...judged, command: { ...judged.command!, ledger: ledgerPath } };
}

/**
 * Where a failed command's first errors are: the start of its full log (the captured output keeps
 * only a head and a tail); what it captured when the log is unreadable. Undefined for a pass.
 */
async function logHeadOf(logFile: string, result: CommandResult): Promise<string | undefined> {
  if (result.exitCode === 0 && !result.isTimedOut) return undefined;
  return (await readLogHead(logFile)) ?? result.output;
}

/** Pure: the verdict from what the command did; `logHead`, the start of its log, when it failed. */
export function judgeCommandGate(
  gate: string,
  command: string,
  logPath: string,
  result: CommandResult,
  logHead?: string,
): GateResult {
  const observation: CommandObservation = {
    command,
    exitCode: result.exitCode,
    signal: result.signal,
    isTimedOut: result.isTimedOut,
    durationMs: result.durationMs,
    log: logPath,
    outputTail: result.output.slice(-4000),
    ...(logHead === undefined ? {} : { excerpt: firstErrorLines(logHead) }),
  };
  const base = { id: gate, observed: { exit_code: result.exitCode }, command: observation };
  if (result.error) {
    const problem = `\`${command}\` could not start: ${result.error}`;
    return { ...base, status: "error", detail: problem, environmentProblem: problem };
  }
  const missing = missingProgramProblem(command, result);
  if (missing !== null) {
    return {
      ...base,
      status: "error",
      detail: `${missing}; this is the sandbox's problem, not the claim's: a human is asked`,
      environmentProblem: missing,
    };
  }
  if (result.isTimedOut)
    return { ...base, status: "fail", detail: `\`${command}\` timed out after ${result.durationMs} ms` };
  if (result.isCanceled) return { ...base, status: "error", detail: `\`${command}\` was cancelled` };
  if (result.exitCode === 0) return { ...base, status: "pass", detail: `\`${command}\` exited 0` };
  const how = result.exitCode === null ? `was killed by ${result.signal}` : `exited ${result.exitCode}`;
  return { ...base, status: "fail", detail: `\`${command}\` ${how}` };
}

/**
 * Exit 127 (not found) or 126 (found, not executable) is the shell saying a program is missing
 * from the sandbox, not that a check failed. The first such line of the output names it.
 */
function missingProgramProblem(command: string, result: CommandResult): string | null {
  if (result.exitCode !== 127 && result.exitCode !== 126) return null;
  const line = result.output
    .split("\n")
    .find((candidate) =>
      /command not found|No such file or directory|Permission denied|not found/.test(candidate),
    );
  const what =
    result.exitCode === 127
      ? "a program it runs was not found in the sandbox"
      : "a program it runs is not executable in the sandbox";
  return `\`${command}\` exited ${result.exitCode}: ${what}${line ? ` (${line.trim().slice(0, 200)})` : ""}`;
}
