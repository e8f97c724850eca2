/**
 * The supervisor's dependencies, wired from what the run made: every side effect the supervisor
 * has reaches it through these (see src/run/supervisor-dependencies.ts).
 */

import { systemClock } from "../../../clock.ts";
import {
  createEscalationStore,
  type EscalationNotice,
  postEscalationNotice,
} from "../../../monitor/index.ts";
import type { JournalEvent, SupervisorDependencies } from "../../../run/index.ts";
import { type Redactor, sandboxFacts, withHome } from "../../../sandbox/index.ts";
import type { OpenedRun } from "./open-run.ts";
import type { Preflight } from "./preflight.ts";
import { routeCheckoutsToHosts, workerCommandsOnHost } from "./run-hosts.ts";
import type { RunRequest } from "./run-request.ts";
import type { RunResources } from "./run-resources.ts";
import type { RunWorkers } from "./run-workers.ts";

/** The events after which a workstream's worker never starts again. */
const workstreamEndings = new Set([
  "workstream.accepted",
  "workstream.rejected",
  "workstream.blocked",
  "workstream.aborted",
]);

export function supervisorDependencies(input: {
  request: RunRequest;
  preflight: Preflight;
  resources: RunResources;
  workers: RunWorkers;
  opened: OpenedRun;
  redact: Redactor;
  onEvent: (event: JournalEvent) => void;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}): SupervisorDependencies {
  const { request, resources, workers, opened, signal } = input;
  const { run } = opened;
  const { plan } = request;
  const { workspace, runner, baseEnvironment, placement } = resources;
  return {
    plan,
    runId: run.id,
    runDirectory: run.dir,
    journal: opened.journal,
    recordedEvents: opened.recordedEvents,
    clock: systemClock,
    checkouts: routeCheckoutsToHosts(
      {
        ensureCheckout: (workstream, options) => workspace.ensureCheckout(workstream, options),
        readCheckout: (path) => workspace.readCheckout(path),
        hiddenChanges: (path, head) => workspace.hiddenChanges(path, head),
        fetchIntoMirror: (workstreamId, sha) => workspace.fetchFromCheckout(workstreamId, sha),
        mirrorPath: workspace.mirrorPath,
        diffStat: async (path, baseSha) => (await workspace.repository(path)).diff(["--stat", baseSha]),
      },
      placement,
      workspace,
      plan,
      run.dir,
    ),
    forge: resources.forge,
    forgeRequestCount: resources.forgeRequestCount,
    escalations: createEscalationStore(run.dir, systemClock),
    playbooks: request.playbooks,
    ...(plan.notify
      ? {
          notifyEscalation: (notice: EscalationNotice) =>
            postEscalationNotice(notice, { url: plan.notify!.webhook }),
        }
      : {}),
    redact: input.redact,
    sandboxFacts: sandboxFacts(plan.sandbox, resources.processLimit.facts),
    pricesEffective: input.preflight.pricing.effectiveDate,
    runWorkerCommand: ({ workstreamId, checkoutPath }, command, timeoutMs, commandSignal, onStarted) =>
      (placement?.isRemote(workstreamId)
        ? workerCommandsOnHost(placement, workstreamId, baseEnvironment)
        : runner
      ).run({
        ...(onStarted ? { onStarted } : {}),
        command,
        cwd: checkoutPath,
        home: resources.homes.worker(workstreamId),
        env: baseEnvironment,
        timeoutMs,
        markers: opened.markers,
        signal: commandSignal,
      }),
    ...(placement
      ? {
          checkoutFilesElsewhere: (workstreamId: string) =>
            placement.isRemote(workstreamId)
              ? (toolName: string, input: unknown) =>
                  placement.runCheckoutFileTool(workstreamId, toolName, input)
              : null,
        }
      : {}),
    workerLauncherFor: workers.workerLauncherFor,
    gateRunnerFor: (workstreamId) => withHome(runner, resources.homes.gates(workstreamId)),
    gateServices: {
      runner,
      baseRunner: withHome(runner, resources.homes.base),
      environment: { ...baseEnvironment },
      runDirectory: run.dir,
      signal,
      trustedRepositories: { mirror: workspace.mirrorPath, user: plan.repo },
      workerCommitRefusal: (workstreamId, sha) => workspace.workerCommitRefusal(workstreamId, sha),
      reviewerFor: workers.reviewerFor,
      transcriptFor: workers.transcriptFor,
      ...(placement
        ? {
            checkoutGatesElsewhere: (claim, gates) =>
              placement.isRemote(claim.workstream.id) ? placement.observeCheckoutGates(claim, gates) : null,
          }
        : {}),
    },
    ...(placement
      ? {
          onRecorder: (record) =>
            void placement.useRecorder((type, workstream, data) => record(type, workstream, data)),
        }
      : {}),
    onEvent: (event) => {
      // A workstream that ended gives its host back; its checkout there is no longer needed.
      if (placement && event.workstream !== null && workstreamEndings.has(event.type)) {
        void placement.release(event.workstream);
      }
      input.onEvent(event);
    },
    signal,
    options: { only: request.only, concurrency: request.concurrency, noWait: request.noWait },
  };
}
