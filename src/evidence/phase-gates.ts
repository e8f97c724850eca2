/**
 * A phase's gates: commands the supervisor runs on the integrated base (the forge's base once every
 * workstream of the phase is accepted, their merges included), in a throwaway clone of it, sandboxed
 * through the same runner as every gate. Run in order; after the first that fails nothing more runs,
 * since a red phase goes to a human with that first failure.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { CommandRunner } from "../sandbox/index.ts";
import { checkOutBase } from "./base-clone.ts";
import { judgeCommandGate } from "./command-gate.ts";
import { readLogHead } from "./error-excerpt.ts";
import type { CommandObservation, GateStatus } from "./gate-result.ts";

export interface PhaseGateCommand {
  name: string;
  run: string;
  timeoutMs: number;
}

export interface PhaseGatesRequest {
  phase: string;
  gates: readonly PhaseGateCommand[];
  /** The integrated base, already fetched into `repository`. */
  baseSha: string;
  /** The supervisor's mirror: no worker writes to it, and it holds the fetched base. */
  repository: string;
  /** Lends its dependency folders (node_modules) to the clone: the user's repository. */
  dependenciesFrom: string;
  runner: CommandRunner;
  environment: Record<string, string>;
  runDirectory: string;
  /** Names this check's logs: `phases/<phase>/logs/<label>-<gate>.log`. */
  logLabel: string;
  signal?: AbortSignal;
}

export interface PhaseGateObservation {
  gate: string;
  status: Exclude<GateStatus, "waived">;
  detail: string;
  command?: CommandObservation;
}

export async function observePhaseGates(request: PhaseGatesRequest): Promise<PhaseGateObservation[]> {
  const temporaryDirectory = join(request.runDirectory, "cache", "phase", "work");
  await mkdir(temporaryDirectory, { recursive: true });
  const workDirectory = await mkdtemp(join(temporaryDirectory, `${request.phase}-`));
  try {
    const clone = join(workDirectory, "clone");
    const cloneError = await checkOutBase(
      {
        checkoutPath: request.dependenciesFrom,
        cloneFrom: request.repository,
        trustedDependenciesPath: request.dependenciesFrom,
        baseSha: request.baseSha,
        gitEnvironment: request.environment,
      },
      clone,
    );
    if (cloneError !== null) {
      const detail = `the integrated base ${request.baseSha.slice(0, 12)} could not be checked out: ${cloneError}`;
      return request.gates.map((gate, index) =>
        index === 0 ? { gate: gate.name, status: "error", detail } : skipped(gate, request.gates[0]!.name),
      );
    }
    const observations: PhaseGateObservation[] = [];
    for (const gate of request.gates) {
      const failed = observations.find((observation) => observation.status !== "pass");
      if (failed) {
        observations.push(skipped(gate, failed.gate));
        continue;
      }
      observations.push(await runPhaseGate(request, gate, clone));
    }
    return observations;
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}

async function runPhaseGate(
  request: PhaseGatesRequest,
  gate: PhaseGateCommand,
  clone: string,
): Promise<PhaseGateObservation> {
  const logPath = `phases/${request.phase}/logs/${request.logLabel}-${gate.name}.log`;
  const logFile = join(request.runDirectory, logPath);
  await mkdir(join(logFile, ".."), { recursive: true });
  const result = await request.runner.run({
    command: gate.run,
    cwd: clone,
    env: request.environment,
    timeoutMs: gate.timeoutMs,
    logFile,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const failed = result.exitCode !== 0 || result.isTimedOut;
  const logHead = failed ? ((await readLogHead(logFile)) ?? result.output) : undefined;
  const judged = judgeCommandGate(gate.name, gate.run, logPath, result, logHead);
  return {
    gate: gate.name,
    status: judged.status === "waived" ? "fail" : judged.status,
    detail: judged.detail,
    ...(judged.command ? { command: judged.command } : {}),
  };
}

function skipped(gate: PhaseGateCommand, failed: string): PhaseGateObservation {
  return { gate: gate.name, status: "skipped", detail: `not run: an earlier gate failed (${failed})` };
}
