/**
 * One measured campaign: a fresh temp workspace with a generated repository, worker script and
 * plan; the supervisor run on it as a child process; optionally the floor on the same repository.
 * The workspace is removed afterwards, whatever happened.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { measureFloor } from "./floor.ts";
import { writeBenchPlan } from "./generate-plan.ts";
import { generateRepository } from "./generate-repository.ts";
import { runSupervisorMeasured, type SupervisorMeasurement } from "./run-supervisor.ts";
import { type ClaimVerification, claimVerifications } from "./verification-time.ts";
import { type BenchVariant, writeWorkerScript } from "./worker-script.ts";
import { benchWorkspaceRoot } from "./workspace-root.ts";

export interface ScenarioOptions {
  workstreams: number;
  variant: BenchVariant;
  concurrency: number;
  isolation: "none" | "default";
  checkCommand?: string;
  withFloor?: boolean;
}

export interface ScenarioResult {
  options: ScenarioOptions;
  supervisor: SupervisorMeasurement;
  floorWallMs: number | null;
  /** The floor's commands spawned by a bare Node process (see node-floor.ts). */
  nodeFloorWallMs: number | null;
  verifications: ClaimVerification[];
}

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const directory = mkdtempSync(join(benchWorkspaceRoot(), "supervise-bench-"));
  try {
    const repository = generateRepository(directory, options.workstreams);
    const workerScript = writeWorkerScript(join(directory, "worker.sh"), options.variant);
    const planFile = writeBenchPlan({
      file: join(directory, "plan.yaml"),
      repository: "./repo",
      workstreamIds: repository.workstreamIds,
      workerScript,
      concurrency: options.concurrency,
      variant: options.variant,
      isolation: options.isolation,
      ...(options.checkCommand ? { checkCommand: options.checkCommand } : {}),
    });
    const supervisor = await runSupervisorMeasured({
      planFile,
      cwd: directory,
      usageFile: join(directory, "usage.json"),
    });
    if (supervisor.exitCode !== 0) {
      throw new Error(
        `the supervisor exited ${supervisor.exitCode} on ${options.workstreams} ${options.variant} workstreams:\n${supervisor.output.slice(-3000)}`,
      );
    }
    const verifications = await claimVerifications(supervisor.journalFile);
    const floor = options.withFloor
      ? await measureFloor({
          directory,
          repository: repository.path,
          workstreamIds: repository.workstreamIds,
          workerScript,
          checkCommand: options.checkCommand ?? "true",
          concurrency: options.concurrency,
        })
      : null;
    return {
      options,
      supervisor,
      floorWallMs: floor?.wallMs ?? null,
      nodeFloorWallMs: floor?.nodeWallMs ?? null,
      verifications,
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
