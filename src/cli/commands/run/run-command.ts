/**
 * `supervise PLAN` / `supervise run PLAN`: the composition root of a run. Everything with a side
 * effect (processes, git, the journal, the clock, the terminal) is built here and passed down;
 * each step below lives in its own file.
 */

import { tmpdir } from "node:os";
import { systemClock } from "../../../clock.ts";
import { ExitCode } from "../../../errors.ts";
import { createLiveView } from "../../../report/index.ts";
import { latestRun, planStateDirectory, type RunOutcome, runSupervisor } from "../../../run/index.ts";
import { uncommittedTrackedFiles } from "../../../workspace/index.ts";
import { resumeCommand } from "../../invocation.ts";
import { stateRootForPlan } from "../../state-location.ts";
import { systemViewTimers } from "../../view-timers.ts";
import type { CommandContext } from "../command-context.ts";
import { checkBaseTests } from "./base-check.ts";
import { CleanupStack } from "./cleanup-stack.ts";
import { checkCommandsResolve, plannedCommands } from "./command-preflight.ts";
import { printDryRun } from "./dry-run.ts";
import { reportFinishedRun } from "./finished-run.ts";
import { lockStateDirectory } from "./lock-state-directory.ts";
import { openRun } from "./open-run.ts";
import { checkBeforeStarting } from "./preflight.ts";
import { createRunRedactor } from "./run-redactor.ts";
import { type RunRequest, readRunRequest } from "./run-request.ts";
import { buildRunResources } from "./run-resources.ts";
import { createRunWorkers } from "./run-workers.ts";
import { supervisorDependencies } from "./supervisor-wiring.ts";

export async function runCommand(args: string[], context: CommandContext): Promise<number> {
  const request = await readRunRequest(args, context);
  if (request.isDryRun) {
    printDryRun(request, context.output);
    return ExitCode.allAccepted;
  }
  const preflight = await checkBeforeStarting(request, context);
  await warnOfUncommittedWork(request, context);
  const stateRoot = stateRootForPlan(request.planFile, {
    stateDirFlag: request.stateDirFlag,
    environmentStateDir: context.environment.SUPERVISE_STATE_DIR,
    cwd: context.cwd,
  });
  const stateDirectory = await planStateDirectory(stateRoot, request.plan.file);

  // Everything made from here on is undone in reverse on every way out: the state lock, taken
  // first, is released last.
  await using cleanups = new CleanupStack();
  const stateMarker = await lockStateDirectory(stateDirectory, cleanups);
  const latest = await latestRun(stateDirectory);
  if (latest?.isFinished && !request.wantsNewRun) {
    return await reportFinishedRun(latest, request.plan, context.output, request.wantsJson);
  }
  const opened = await openRun(
    { stateDirectory, stateMarker, latest, wantsNewRun: request.wantsNewRun },
    cleanups,
  );

  const redact = createRunRedactor(context.environment, request.plan);
  const { environment } = context;
  const resources = await buildRunResources(
    {
      request,
      preflight,
      environment,
      stateDirectory,
      stateRoot,
      run: opened.run,
      isNewRun: !opened.isResume,
      redact,
      signal: context.signal,
    },
    cleanups,
  );
  await checkCommandsResolve({
    runner: resources.runner,
    commands: plannedCommands(request, environment.PATH),
    environment: {
      ...resources.baseEnvironment,
      PATH: `${resources.shimDirectory}:${resources.baseEnvironment.PATH ?? "/usr/bin:/bin"}`,
    },
    scratchParent: tmpdir(),
    hostPath: environment.PATH,
    plan: request.plan,
  });
  await checkBaseTests({
    request,
    runner: resources.runner,
    baseSha: resources.baseSha,
    mirrorPath: resources.workspace.mirrorPath,
    environment: resources.baseEnvironment,
    runDirectory: opened.run.dir,
    output: context.output,
    signal: context.signal,
  });
  const workers = await createRunWorkers({ request, preflight, resources, opened, environment, redact });
  const view = createLiveView({
    plan: request.plan,
    runId: opened.run.id,
    output: context.output,
    json: request.wantsJson,
    redact,
    recordedEvents: opened.recordedEvents,
    clock: systemClock,
    timers: systemViewTimers,
  });
  cleanups.defer(() => view.close());
  // While the table is redrawn, a stop message printed below it would be overwritten: it goes above.
  cleanups.defer(
    context.stops.announceThrough({
      stopping: (text) => view.notice(text),
      exiting: (text) => view.close(text),
    }),
  );
  opened.markStarted();
  const outcome = await runSupervisor(
    supervisorDependencies({
      request,
      preflight,
      resources,
      workers,
      opened,
      redact,
      onEvent: (event) => view.onEvent(event),
      signal: context.signal,
    }),
  );
  view.finish({
    outcome,
    stateDirectory,
    run: opened.run,
    resumeCommand: resumeCommand(context.invocation, args),
  });
  return exitCodeOf(outcome);
}

function exitCodeOf(outcome: RunOutcome): number {
  if (outcome.kind === "finished")
    return outcome.allAccepted ? ExitCode.allAccepted : ExitCode.someNotAccepted;
  if (outcome.reason === "interrupted") return ExitCode.interrupted;
  if (outcome.reason === "waiting_on_human") return ExitCode.waitingOnHuman;
  return ExitCode.allAccepted;
}

/** Work the person has not committed is in no checkout: said once, before the run starts. */
async function warnOfUncommittedWork(request: RunRequest, context: CommandContext): Promise<void> {
  const { repo, base } = request.plan;
  const files = await uncommittedTrackedFiles(repo, context.environment);
  if (files.length === 0) return;
  const shown = files.slice(0, 3).join(", ") + (files.length > 3 ? ` and ${files.length - 3} more` : "");
  context.output.err(
    `Note: ${repo} has uncommitted changes (${shown}); the workers' checkouts start from ${base} as committed, without them.\n`,
  );
}
