/**
 * A gate's command run at the base: a throwaway clone from the supervisor's mirror (with the
 * user's installed dependencies first), the base's runner, the log beside the gate's own as
 * `<gate>-base.log`. A metric gate compares its number with this run's; the 127 rule asks whether
 * the base cannot run the command either. Each reads the result its own way.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { CommandResult } from "../sandbox/index.ts";
import { checkOutBase } from "./base-clone.ts";
import { type GateRun, gateLogPath } from "./gate-context.ts";

export type BaseCommandRun =
  | { kind: "not-cloned"; reason: string }
  /** `log`: relative to the run directory. */
  | { kind: "ran"; result: CommandResult; log: string };

export async function runGateCommandAtBase(
  run: GateRun,
  gate: { gate: string; command: string; timeoutMs: number },
  /** The folder under the run's cache where its throwaway clones go. */
  cacheFolder: string,
): Promise<BaseCommandRun> {
  const { claim, services } = run;
  const temporaryDirectory = join(services.runDirectory, "cache", cacheFolder);
  await mkdir(temporaryDirectory, { recursive: true });
  const workDirectory = await mkdtemp(join(temporaryDirectory, "base-"));
  try {
    const clone = join(workDirectory, "clone");
    const trusted = services.trustedRepositories;
    const cloneError = await checkOutBase(
      {
        checkoutPath: claim.checkoutPath,
        ...(trusted ? { cloneFrom: trusted.mirror, trustedDependenciesPath: trusted.user } : {}),
        baseSha: claim.baseSha,
        gitEnvironment: services.environment,
      },
      clone,
    );
    if (cloneError !== null) return { kind: "not-cloned", reason: cloneError };
    const log = gateLogPath(claim, gate.gate).replace(/\.log$/, "-base.log");
    const result = await (services.baseRunner ?? services.runner).run({
      command: gate.command,
      cwd: clone,
      env: services.environment,
      timeoutMs: gate.timeoutMs,
      logFile: join(services.runDirectory, log),
      ...(services.signal ? { signal: services.signal } : {}),
    });
    return { kind: "ran", result, log };
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}
