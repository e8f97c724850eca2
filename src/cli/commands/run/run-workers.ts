/**
 * Who works and who reviews: a launcher per workstream (a model worker, or the command worker that
 * runs the plan's agent command) and the reviewers, all writing one transcript per workstream.
 */

import { join } from "node:path";
import { createCommandWorkerLauncher } from "../../../agent/command-worker.ts";
import { createTranscriptWriter, type Redactor, type TranscriptWriter } from "../../../agent/transcript.ts";
import type { WorkerLauncher } from "../../../agent/worker.ts";
import { systemClock } from "../../../clock.ts";
import type { Reviewer } from "../../../evidence/verify-claim.ts";
import type { Workstream } from "../../../plan/schema.ts";
import type { JournalEvent } from "../../../run/journal.ts";
import type { RunInfo } from "../../../run/run-store.ts";
import type { Preflight } from "./preflight.ts";
import type { RunRequest } from "./run-request.ts";
import type { RunResources } from "./run-resources.ts";

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
  environment: NodeJS.ProcessEnv;
  run: RunInfo;
  /** Whether this run resumes one the journal already has: recorded cassettes are appended to. */
  isResume: boolean;
  recordedEvents: readonly JournalEvent[];
  /** Set on every worker command, so a later supervisor can find and stop what this one left. */
  markers: Record<string, string>;
  redact: Redactor;
}): Promise<RunWorkers> {
  const { request, preflight, resources, run, redact } = input;
  const transcripts = new Map<string, TranscriptWriter>();
  const transcriptFor = (id: string) => {
    let writer = transcripts.get(id);
    if (!writer) {
      writer = createTranscriptWriter(join(run.dir, "transcripts", `${id}.jsonl`), systemClock, redact);
      transcripts.set(id, writer);
    }
    return writer;
  };
  const commandLauncher = createCommandWorkerLauncher({
    runner: resources.runner,
    toolServer: resources.toolServer,
    baseEnvironment: resources.baseEnvironment,
    shimDirectory: resources.shimDirectory,
    markers: input.markers,
    transcriptFor,
  });
  // The model SDK is a quarter of the supervisor's memory: a plan of command workers never loads it.
  const { launchers: modelLaunchers, reviewers } = preflight.modelInputs
    ? await (await import("./model-workers.ts")).createModelWorkers({
        plan: request.plan,
        environment: input.environment,
        inputs: preflight.modelInputs,
        recordedEvents: input.recordedEvents,
        playbooks: request.playbooks,
        transcriptFor,
        redact,
        pricing: preflight.pricing,
        isResume: input.isResume,
      })
    : { launchers: new Map<string, WorkerLauncher>(), reviewers: new Map<string, Reviewer>() };
  return {
    workerLauncherFor: (workstream) => modelLaunchers.get(workstream.id) ?? commandLauncher,
    reviewerFor: (workstream) => reviewers.get(workstream.id) ?? null,
    transcriptFor,
  };
}
