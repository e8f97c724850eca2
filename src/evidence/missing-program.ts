/**
 * Whether a gate command's exit 126/127 is really the sandbox's doing. The shell's "not found" is
 * not charged to the worker, so a worker could make its own broken claim exit 127 on purpose (a
 * test script that runs a program nobody has, or `exit 127`) and dodge every rejection. The exit
 * is the environment's only when the environment explains it: a program the command line itself
 * names is missing in the sandbox (looked up where the worker cannot add or remove one), or the
 * same command exits 126/127 at the base too, where the worker's code is not. Otherwise the claim's own code runs what is missing: a failure of the claim.
 */
import { programsOf } from "../sandbox/index.ts";
import { runGateCommandAtBase } from "./base-command-run.ts";
import type { GateRun } from "./gate-context.ts";
import type { GateResult } from "./gate-result.ts";

export interface MissingProgramObservation {
  /** Programs the gate's command line names that are not found in the sandbox, from the checkout. */
  missingPrograms: string[];
  /** The same command at the base; undefined when a missing program already explains the exit. */
  base?: { kind: "ran"; exitCode: number | null; log: string } | { kind: "not-run"; reason: string };
}

/** True for a result whose exit the shell gives a program it could not find or execute. */
export function exitedNotFound(result: GateResult): boolean {
  const exitCode = result.command?.exitCode;
  return result.environmentProblem !== undefined && (exitCode === 127 || exitCode === 126);
}

export async function observeMissingProgram(
  run: GateRun,
  gate: { gate: string; command: string; timeoutMs: number },
): Promise<MissingProgramObservation> {
  const missingPrograms = await findMissingPrograms(run, gate.command);
  if (missingPrograms.length > 0) return { missingPrograms };
  return { missingPrograms, base: await runAtBase(run, gate) };
}

/** Pure: the gate's result once it is known who the 126/127 belongs to. */
export function judgeMissingProgram(result: GateResult, observation: MissingProgramObservation): GateResult {
  const { environmentProblem, ...rest } = result;
  const exitCode = result.command?.exitCode;
  if (observation.missingPrograms.length > 0) {
    const names = observation.missingPrograms.map((program) => `\`${program}\``).join(", ");
    return {
      ...result,
      observed: { ...result.observed, missing_programs: observation.missingPrograms },
      detail: `${result.detail} (not found in the sandbox: ${names})`,
    };
  }
  const base = observation.base;
  if (base === undefined || base.kind === "not-run") {
    // Nothing tells the worker's code apart from the sandbox: a human looks rather than the claim paying.
    return base === undefined ? result : { ...result, observed: { ...result.observed, base: base.reason } };
  }
  if (base.exitCode === 127 || base.exitCode === 126) {
    return {
      ...result,
      observed: { ...result.observed, base_exit_code: base.exitCode, base_log: base.log },
      detail: `${result.detail} (it exits ${base.exitCode} at the base too)`,
    };
  }
  return {
    ...rest,
    status: "fail",
    observed: { ...result.observed, base_exit_code: base.exitCode, base_log: base.log },
    detail: `\`${result.command?.command}\` exited ${exitCode}, a program not found or not executable, yet every program its command line names is in the sandbox and it exits ${base.exitCode ?? "by a signal"} at the base: the claim's own code runs what is missing${environmentProblem ? ` (${lastParenthesis(environmentProblem)})` : ""}`,
  };
}

/**
 * The programs of the command line, looked up in the sandbox as the gate ran: same runner,
 * environment and checkout. Only those the worker cannot take away count: a name found through a
 * relative PATH entry (`node_modules/.bin`) or a relative path (`./gradlew`) lives in the checkout,
 * so its absence is left to the base run to judge.
 */
async function findMissingPrograms(run: GateRun, command: string): Promise<string[]> {
  const { services, claim } = run;
  const path = services.environment.PATH ?? "";
  if (path.split(":").some((folder) => folder !== "" && !folder.startsWith("/"))) return [];
  const programs = programsOf(command).filter((program) => !program.includes("/") || program.startsWith("/"));
  if (programs.length === 0) return [];
  const words = programs.map((program) => `'${program.replaceAll("'", `'\\''`)}'`).join(" ");
  const result = await services.runner.run({
    command: `for program in ${words}; do command -v -- "$program" >/dev/null 2>&1 || printf '%s\\n' "$program"; done`,
    cwd: claim.checkoutPath,
    env: services.environment,
    timeoutMs: 30_000,
    ...(services.signal ? { signal: services.signal } : {}),
  });
  if (result.exitCode !== 0) return [];
  return result.output
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => programs.includes(line));
}

/** The command in a throwaway clone at the base, from the supervisor's mirror, through the same runner. */
async function runAtBase(
  run: GateRun,
  gate: { gate: string; command: string; timeoutMs: number },
): Promise<MissingProgramObservation["base"]> {
  const atBase = await runGateCommandAtBase(run, gate, "missing-program");
  if (atBase.kind === "not-cloned")
    return { kind: "not-run", reason: `the base could not be checked out: ${atBase.reason}` };
  const { result, log } = atBase;
  if (result.error) return { kind: "not-run", reason: `at the base it could not start: ${result.error}` };
  if (result.isTimedOut || result.isCanceled)
    return { kind: "not-run", reason: "at the base it timed out or was cancelled" };
  return { kind: "ran", exitCode: result.exitCode, log };
}

/** The shell's own line, which command-gate.ts puts last in parentheses. */
function lastParenthesis(text: string): string {
  const match = /\(([^()]*)\)$/.exec(text);
  return match ? match[1]! : text;
}
