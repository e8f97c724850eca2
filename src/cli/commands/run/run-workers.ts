/**
 * Who works and who reviews: a launcher per workstream (a model worker, or the command worker that
 * runs the plan's agent command) and the reviewers, all writing one transcript per workstream.
 */

import { existsSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { createCommandWorkerLauncher, type WorkerLauncher } from "../../../agent/index.ts";
import { systemClock } from "../../../clock.ts";
import type { Reviewer } from "../../../evidence/index.ts";
import { createTranscriptWriter, type TranscriptWriter } from "../../../model/index.ts";
import type { CliAgentConfig, Workstream } from "../../../plan/index.ts";
import { agentCommandPaths, agentInstallPaths, type Redactor } from "../../../sandbox/index.ts";

import type { OpenedRun } from "./open-run.ts";
import type { Preflight } from "./preflight.ts";
import { routeToHosts } from "./run-hosts.ts";
import type { RunRequest } from "./run-request.ts";
import type { RunResources } from "./run-resources.ts";

/** The program a preset runs when the plan names no `path`. */
const presetProgram = { "claude-code": "claude", codex: "codex" } as const;

/** What a CLI agent's command may read beyond the run's mounts: the paths it names, or its install. */
export function agentReadablePaths(
  agent: CliAgentConfig,
  command: string,
  path: string | undefined,
): string[] {
  return agent.provider === "command"
    ? agentCommandPaths(command, existsSync)
    : agentInstallPaths(agent.path ?? presetProgram[agent.provider], path, {
        exists: existsSync,
        realPath: realpathSync,
      });
}

export interface RunWorkers {
  workerLauncherFor(workstream: Workstream): WorkerLauncher;
  reviewerFor(workstream: Workstream): Reviewer | null;
  /** The transcript of a workstream, opened on first use. */
  transcriptFor(workstreamId: string): TranscriptWriter;
}

export async function createRunWorkers(input: {
  request: RunRequest;
  preflight: Preflight;
  resources: RunResources;
  opened: OpenedRun;
  environment: NodeJS.ProcessEnv;
  redact: Redactor;
}): Promise<RunWorkers> {
  const { request, preflight, resources, opened, redact } = input;
  const transcripts = new Map<string, TranscriptWriter>();
  const transcriptFor = (id: string) => {
    let writer = transcripts.get(id);
    if (!writer) {
      writer = createTranscriptWriter(
        join(opened.run.dir, "transcripts", `${id}.jsonl`),
        systemClock,
        redact,
      );
      transcripts.set(id, writer);
    }
    return writer;
  };
  const commandLauncher = createCommandWorkerLauncher({
    // A workstream placed on a worker host runs its CLI agent there.
    runner: routeToHosts(
      resources.runner,
      resources.placement,
      resources.workspace,
      request.plan,
      resources.baseEnvironment,
    ),
    toolServer: resources.toolServer,
    baseEnvironment: resources.baseEnvironment,
    shimDirectory: resources.shimDirectory,
    markers: opened.markers,
    homeOf: resources.homes.worker,
    transcriptFor,
    readablePathsOf: (agent, command) => agentReadablePaths(agent, command, input.environment.PATH),
    ...(resources.modelAccess ? { modelAccess: resources.modelAccess } : {}),
  });
  // The model SDK is a quarter of the supervisor's memory: a plan of command workers never loads it.
  const { launchers: modelLaunchers, reviewers } = preflight.modelInputs
    ? await (await import("./model-workers.ts")).createModelWorkers({
        plan: request.plan,
        environment: input.environment,
        inputs: preflight.modelInputs,
        recordedEvents: opened.recordedEvents,
        playbooks: request.playbooks,
        transcriptFor,
        redact,
        pricing: preflight.pricing,
        isResume: opened.isResume,
      })
    : { launchers: new Map<string, WorkerLauncher>(), reviewers: new Map<string, Reviewer>() };
  return {
    workerLauncherFor: (workstream) => modelLaunchers.get(workstream.id) ?? commandLauncher,
    reviewerFor: (workstream) => reviewers.get(workstream.id) ?? null,
    transcriptFor,
  };
}
