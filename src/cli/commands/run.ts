/**
 * `supervise PLAN` / `supervise run PLAN`: the composition root of a run. Everything with a side
 * effect (processes, git, the journal, the clock, the terminal) is built here and passed down.
 */

import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startToolServer } from "../../agent/bridge/tool-server.ts";
import { writeSuperviseShim as writeWorkerShim } from "../../agent/bridge/worker-shim.ts";
import { createCommandWorkerLauncher } from "../../agent/command-worker.ts";
import { bundledPriceFile, loadPriceTable } from "../../agent/model/price-table.ts";
import { createRedactor, createTranscriptWriter, type TranscriptWriter } from "../../agent/transcript.ts";
import type { WorkerLauncher } from "../../agent/worker.ts";
import { systemClock } from "../../clock.ts";
import { ExitCode, errorMessage, osErrorCode, StateError, SuperviseError, UsageError } from "../../errors.ts";
import type { Reviewer } from "../../evidence/verify-claim.ts";
import type { Forge } from "../../forge/forge.ts";
import type { GithubRequestInfo } from "../../forge/github/github-client.ts";
import { createLocalForge } from "../../forge/local/local-forge.ts";
import { createEscalationStore } from "../../monitor/escalation-store.ts";
import { loadPlaybooks, playbookDirectoriesFor } from "../../monitor/playbook.ts";
import { type EscalationNotice, postEscalationNotice } from "../../monitor/webhook.ts";
import { loadPlan } from "../../plan/index.ts";
import type { Plan, Workstream } from "../../plan/schema.ts";
import { createLiveView } from "../../report/live-view.ts";
import { Journal, readJournal } from "../../run/journal.ts";
import { createRun, latestRun, newRunId, type RunInfo } from "../../run/run-store.ts";
import { dependencyWaves } from "../../run/scheduler.ts";
import { acquireStateLock } from "../../run/state-lock.ts";
import { type RunOutcome, runSupervisor } from "../../run/supervisor.ts";
import {
  buildCommandEnvironment,
  checkIsolationAvailable,
  createCommandRunner,
  createProcessLimit,
  findNetworkBridge,
  type IsolationPolicy,
  sandboxFacts,
  secretLookingPatterns,
  startNetworkProxy,
  sweepProcessesWithMarker,
} from "../../sandbox/index.ts";
import type { CommandRunner } from "../../sandbox/run-command.ts";
import { createRunIsolation, planReadablePaths, superviseInstallation } from "../../sandbox/run-isolation.ts";
import { Workspace } from "../../workspace/index.ts";
import {
  parseCommandArguments,
  parsePositiveInteger,
  rejectExtraPositionals,
  requirePositional,
} from "../arguments.ts";
import type { Output } from "../output.ts";
import { stateDirectoryForPlan } from "../state-location.ts";

export const runOptions = {
  json: { type: "boolean" },
  "state-dir": { type: "string" },
  concurrency: { type: "string" },
  only: { type: "string" },
  "dry-run": { type: "boolean" },
  "no-wait": { type: "boolean" },
  "new-run": { type: "boolean" },
  record: { type: "string" },
} as const;

/** How long `ci_green` waits for CI that is still running on a claimed commit. */
const ciWaitMs = 10 * 60_000;

export interface CommandContext {
  output: Output;
  environment: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export async function runCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("run", args, runOptions);
  const planFile = requirePositional("run", positionals, 0, "the plan file (supervise run PLAN)");
  rejectExtraPositionals("run", positionals, 1);
  const concurrencyOverride = parsePositiveInteger("concurrency", values.concurrency);
  const plan = await loadPlan(planFile, { cwd: context.cwd });
  const playbooks = await loadPlaybooks(playbookDirectoriesFor(plan));
  const only = parseOnly(values.only, plan);
  const concurrency = concurrencyOverride ?? plan.concurrency;

  if (values["dry-run"]) {
    printDryRun(plan, only, concurrency, context.output, Boolean(values.json));
    return ExitCode.allAccepted;
  }
  if (plan.forge.kind === "github" && !context.environment.GITHUB_TOKEN) {
    throw new SuperviseError(
      `The plan's forge is github (${plan.forge.owner}/${plan.forge.repo}), and GITHUB_TOKEN is not set.`,
      {
        hint: "Export GITHUB_TOKEN (a token that can push, open and merge pull requests and close issues); for GitHub Enterprise also GITHUB_API_URL.",
      },
    );
  }
  const needsApiKey = plan.workstreams.find(
    (workstream) =>
      (only === undefined || only.has(workstream.id)) &&
      (workstream.agent.provider === "anthropic" ||
        (workstream.done.includes("review") && workstream.reviewer.provider === "anthropic")),
  );
  if (needsApiKey && !context.environment.ANTHROPIC_API_KEY) {
    throw new SuperviseError(
      `Workstream ${needsApiKey.id} uses an anthropic model (its worker or its reviewer), and ANTHROPIC_API_KEY is not set.`,
      {
        hint: "Export ANTHROPIC_API_KEY (see .env.example), or use `agent: { provider: replay, cassette: … }` or a command worker.",
      },
    );
  }
  // Read and checked once, before anything starts: a broken price file is bad input (exit 2).
  const pricing = loadPriceTable(bundledPriceFile());
  // The model SDK is a quarter of the supervisor's memory: a plan of command workers never loads it.
  const modelWiring = needsModelWiring(plan, values.record) ? await import("./model-wiring.ts") : undefined;
  const modelInputs = modelWiring?.loadModelInputs(plan, playbooks, {
    record: values.record,
    only,
    cwd: context.cwd,
  });
  if (plan.sandbox.isolation === "bwrap") {
    const availability = await checkIsolationAvailable();
    if (!availability.available) {
      throw new SuperviseError(`OS isolation (bubblewrap) is not available here: ${availability.reason}`, {
        hint: "Install it (Debian: apt-get install -y bubblewrap), or run without OS isolation by putting `sandbox: { isolation: none }` in the plan.",
      });
    }
  }
  const allowedHosts =
    plan.sandbox.isolation === "bwrap" && typeof plan.sandbox.network === "object"
      ? plan.sandbox.network.allow
      : undefined;
  const networkBridge =
    allowedHosts === undefined
      ? undefined
      : await findNetworkBridge(context.environment.PATH ?? "/usr/bin:/bin");
  if (networkBridge !== undefined && !networkBridge.available) {
    throw new SuperviseError(
      `The plan allows a list of hosts (sandbox.network.allow): ${networkBridge.reason}`,
      {
        hint: "Install socat (Debian: apt-get install -y socat), or use `network: none` or `network: host` in the plan's sandbox.",
      },
    );
  }

  const stateDirectory = stateDirectoryForPlan(planFile, {
    stateDirFlag: values["state-dir"],
    environmentStateDir: context.environment.SUPERVISE_STATE_DIR,
    cwd: context.cwd,
  });
  const lock = await acquireStateLock(stateDirectory);
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  try {
    const stateMarker = createHash("sha256").update(realpathSync(stateDirectory)).digest("hex").slice(0, 24);
    // Whatever still carries this state dir's marker belongs to a supervisor that died: stop it
    // before any worker of this run starts in the same checkouts.
    await sweepProcessesWithMarker("SUPERVISE_STATE", stateMarker);

    const latest = await latestRun(stateDirectory);
    if (latest?.isFinished && !values["new-run"]) {
      return await reportFinishedRun(latest, plan, context.output, Boolean(values.json));
    }
    const run =
      latest && !latest.isFinished && !values["new-run"]
        ? latest
        : await createRun(stateDirectory, newRunId(systemClock));
    const { journal, events } = await Journal.open(run.journalFile, { clock: systemClock });
    cleanups.push(() => journal.close());

    const workspace = new Workspace({
      stateDir: stateDirectory,
      userRepository: plan.repo,
      base: plan.base,
      environment: context.environment,
    });
    // The mirror, the forge and the process limit are made side by side: each is a chain of git
    // processes or cgroup writes that waits on nothing of the others (a third of the start's time).
    // The user's repository is checked first: a wrong repo or base stops the run before the forge
    // writes anything (its remote in the user's repository, pull requests on GitHub).
    await workspace.checkUserRepository();
    const mirrorReady = preparingStateDirectory(stateDirectory, "the private mirror (git/)", () =>
      workspace.prepare({
        workstreamIds: plan.workstreams
          .map((workstream) => workstream.id)
          .filter((id) => only === undefined || only.has(id)),
      }),
    );
    awaitedBeforeUnlock(mirrorReady, cleanups);

    // Every value the worker's environment keeps from it (the plan's secrets and whatever looks like
    // a secret): without isolation a worker can still read the supervisor's own environment.
    const redact = createRedactor({
      ...secretValues(context.environment, secretLookingPatterns, { minimumLength: 8 }),
      ...secretValues(context.environment, plan.secrets),
    });
    const baseEnvironment = buildCommandEnvironment({
      parent: context.environment,
      secretPatterns: plan.secrets,
    });
    const markers = { SUPERVISE_STATE: stateMarker, SUPERVISE_RUN: run.id };
    const socketDirectory = mkdtempSync(join(tmpdir(), "supervise-"));
    cleanups.push(() => rmSync(socketDirectory, { recursive: true, force: true }));
    const [toolServer, shimDirectory, processLimit] = await settledInOrder(
      [
        startToolServer(join(socketDirectory, "tools.sock")),
        writeSuperviseShim(run.dir),
        createProcessLimit({ maxProcesses: plan.sandbox.max_processes }),
      ] as const,
      cleanups,
      [(server) => server.close(), undefined, (limit) => limit.close()],
    ).catch(async (error: unknown) => {
      // The mirror's failure, when it has one, is the one to report: it came first before.
      await mirrorReady;
      throw error;
    });
    let network: IsolationPolicy["network"] = plan.sandbox.network === "host" ? "host" : "none";
    if (allowedHosts !== undefined && networkBridge?.available) {
      const proxy = await startNetworkProxy({
        socketPath: join(socketDirectory, "proxy.sock"),
        allow: allowedHosts,
      });
      cleanups.push(() => proxy.close());
      network = { proxySocketPath: proxy.socketPath, bridgePath: networkBridge.bridgePath };
    }
    const runner = createCommandRunner(
      plan.sandbox.isolation === "none"
        ? { processLimit }
        : {
            processLimit,
            isolate: createRunIsolation({
              stateDirectory,
              userRepository: plan.repo,
              mirrorPath: workspace.mirrorPath,
              socketPath: toolServer.socketPath,
              readOnly: [
                ...superviseInstallation(cliPath(), process.execPath),
                shimDirectory,
                ...planReadablePaths(
                  plan.file,
                  plan.workstreams.flatMap((workstream) =>
                    workstream.agent.provider === "command" ? [workstream.agent.command] : [],
                  ),
                  existsSync,
                ),
              ],
              network,
              home: context.environment.HOME,
            }),
          },
    );
    let forgeRequests = 0;
    const forge = await createForge(plan, {
      stateDirectory,
      runner,
      environment: baseEnvironment,
      parentEnvironment: context.environment,
      onGithubRequest: () => {
        forgeRequests += 1;
      },
    });
    cleanups.push(() => forge.close?.());
    const forgeReady = preparingStateDirectory(stateDirectory, "the local forge (forge/)", () =>
      forge.prepare({
        issues: plan.workstreams.flatMap((workstream) =>
          workstream.issue === undefined ? [] : [{ number: workstream.issue, title: workstream.goal }],
        ),
      }),
    );
    awaitedBeforeUnlock(forgeReady, cleanups);
    // The mirror's failures first: they name the user's repository and base plainly.
    await mirrorReady;
    await forgeReady;

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
      runner,
      toolServer,
      baseEnvironment,
      shimDirectory,
      markers,
      transcriptFor,
    });
    const { launchers: modelLaunchers, reviewers } =
      modelWiring && modelInputs
        ? await modelWiring.createModelWorkers({
            plan,
            environment: context.environment,
            inputs: modelInputs,
            recordedEvents: events,
            playbooks,
            transcriptFor,
            redact,
            pricing,
            isResume: run === latest,
          })
        : { launchers: new Map<string, WorkerLauncher>(), reviewers: new Map<string, Reviewer>() };
    const launcherFor = (workstream: Workstream): WorkerLauncher =>
      modelLaunchers.get(workstream.id) ?? commandLauncher;

    const view = createLiveView({
      plan,
      runId: run.id,
      output: context.output,
      json: Boolean(values.json),
      redact,
    });
    cleanups.push(() => view.close());
    const outcome = await runSupervisor({
      plan,
      runId: run.id,
      runDirectory: run.dir,
      journal,
      recordedEvents: events,
      clock: systemClock,
      checkouts: {
        ensureCheckout: (workstream) => workspace.ensureCheckout(workstream),
        readCheckout: (path) => workspace.readCheckout(path),
        hiddenChanges: (path, head) => workspace.hiddenChanges(path, head),
        fetchIntoMirror: (workstreamId, sha) => workspace.fetchFromCheckout(workstreamId, sha),
        mirrorPath: workspace.mirrorPath,
        diffStat: async (path, baseSha) =>
          (await workspace.repository(path)).raw([
            "diff",
            "--stat",
            "--no-ext-diff",
            "--no-textconv",
            baseSha,
          ]),
      },
      forge,
      forgeRequestCount: () => forgeRequests,
      escalations: createEscalationStore(run.dir, systemClock),
      playbooks,
      ...(plan.notify
        ? {
            notifyEscalation: (notice: EscalationNotice) =>
              postEscalationNotice(notice, { url: plan.notify!.webhook }),
          }
        : {}),
      redact,
      sandboxFacts: sandboxFacts(plan.sandbox, processLimit.facts),
      pricesEffective: pricing.effectiveDate,
      runWorkerCommand: (checkoutPath, command, timeoutMs, signal) =>
        runner.run({ command, cwd: checkoutPath, env: baseEnvironment, timeoutMs, markers, signal }),
      workerLauncherFor: launcherFor,
      gateServices: {
        runner,
        environment: { ...baseEnvironment },
        runDirectory: run.dir,
        signal: context.signal,
        ciWaitMs,
        trustedRepositories: { mirror: workspace.mirrorPath, user: plan.repo },
        reviewerFor: (workstream) => reviewers.get(workstream.id) ?? null,
        transcriptFor,
      },
      onEvent: (event) => view.onEvent(event),
      signal: context.signal,
      options: { only, concurrency, noWait: Boolean(values["no-wait"]) },
    });
    view.finish(outcome.state, stateDirectory, run);
    return exitCodeOf(outcome);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Cleanup failures must not hide the run's own outcome or error.
      }
    }
  }
}

/** Whether the run has a model worker or reviewer (or records one): only then is the SDK loaded. */
function needsModelWiring(plan: Plan, record: string | undefined): boolean {
  return (
    record !== undefined ||
    plan.workstreams.some(
      (workstream) => workstream.agent.provider !== "command" || workstream.done.includes("review"),
    )
  );
}

interface ForgeWiring {
  stateDirectory: string;
  runner: CommandRunner;
  /** The scrubbed environment commands get (local CI runs in it; git finds its PATH there). */
  environment: Record<string, string>;
  /** The supervisor's own environment: the only place the GitHub token is read from. */
  parentEnvironment: NodeJS.ProcessEnv;
  onGithubRequest: (info: GithubRequestInfo) => void;
}

async function createForge(
  plan: Plan,
  wiring: ForgeWiring,
): Promise<Forge & { close?: () => Promise<void> }> {
  if (plan.forge.kind === "github") {
    // Loaded only for a github plan: Octokit and its plugins are dozens of modules to start.
    const { createGithubForge } = await import("../../forge/github/github-forge.ts");
    return createGithubForge({
      owner: plan.forge.owner,
      repo: plan.forge.repo,
      apiUrl: wiring.parentEnvironment.GITHUB_API_URL || "https://api.github.com",
      token: wiring.parentEnvironment.GITHUB_TOKEN ?? "",
      userRepository: plan.repo,
      remote: plan.forge.remote,
      base: plan.base,
      clock: systemClock,
      environment: wiring.environment,
      onRequest: wiring.onGithubRequest,
    });
  }
  return createLocalForge({
    stateDir: wiring.stateDirectory,
    userRepository: plan.repo,
    base: plan.base,
    ciCommandFor: (branch) =>
      plan.workstreams.find((workstream) => workstream.branch === branch)?.commands.ci,
    runner: wiring.runner,
    environment: wiring.environment,
    clock: systemClock,
  });
}

function parseOnly(value: string | undefined, plan: Plan): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const known = new Set(plan.workstreams.map((workstream) => workstream.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (ids.length === 0) throw new UsageError("--only needs at least one workstream id.");
  if (unknown.length > 0) {
    throw new UsageError(
      `--only names unknown workstream(s): ${unknown.join(", ")}. Known: ${[...known].join(", ")}.`,
    );
  }
  return new Set(ids);
}

/**
 * Running a plan whose last run finished does nothing twice: it reports that run's verdicts
 * (no second PR, no second merge). `--new-run` starts afresh.
 */
async function reportFinishedRun(run: RunInfo, plan: Plan, output: Output, json: boolean): Promise<number> {
  const { events } = await readJournal(run.journalFile);
  const finished = events.findLast((event) => event.type === "run.finished");
  const verdicts = (finished?.verdicts as Record<string, string> | undefined) ?? {};
  const allAccepted = plan.workstreams.every((workstream) => verdicts[workstream.id] === "accepted");
  if (json) {
    output.out(`${JSON.stringify({ type: "run.already_finished", run: run.id, verdicts })}\n`);
  } else {
    const tally = Object.entries(verdicts)
      .map(([id, verdict]) => `${id} ${verdict}`)
      .join(", ");
    output.out(
      `Run ${run.id} of this plan already finished (${tally}); nothing was started.\nUse --new-run to run the plan again from the start.\n`,
    );
  }
  return allAccepted ? ExitCode.allAccepted : ExitCode.someNotAccepted;
}

/** The `supervise` command on a worker's PATH runs this very CLI on the same Node (or curl, for `tool`). */
function writeSuperviseShim(runDirectory: string): Promise<string> {
  return writeWorkerShim(join(runDirectory, "bin"), { nodePath: process.execPath, cliPath: cliPath() });
}

const noop = () => undefined;

/**
 * A step started now and awaited later: handled at once (a step in between may fail first, and
 * its rejection must not go unhandled), and settled before the run unlocks the state dir.
 */
function awaitedBeforeUnlock(step: Promise<unknown>, cleanups: (() => Promise<void> | void)[]): void {
  step.catch(noop);
  cleanups.push(() => step.then(noop, noop));
}

/**
 * Awaits steps started together; each one that succeeded gets its cleanup registered even when
 * another failed, so nothing made (a listening socket, a cgroup) outlives a failed start. The
 * first failure is rethrown.
 */
async function settledInOrder<const T extends readonly Promise<unknown>[]>(
  steps: T,
  cleanups: (() => Promise<void> | void)[],
  cleanupsOf: { [K in keyof T]: ((value: Awaited<T[K]>) => Promise<void> | void) | undefined },
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const outcomes = await Promise.allSettled(steps);
  outcomes.forEach((outcome, index) => {
    const cleanup = cleanupsOf[index] as ((value: unknown) => Promise<void> | void) | undefined;
    if (outcome.status === "fulfilled" && cleanup) cleanups.push(() => cleanup(outcome.value));
  });
  const failure = outcomes.find((outcome) => outcome.status === "rejected");
  if (failure) throw failure.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as {
    [K in keyof T]: Awaited<T[K]>;
  };
}

/**
 * The state dir's own layout is broken (a file where a folder must be, no space): a clear error
 * naming the place, exit 2, instead of a stack trace. Nothing recorded is touched.
 */
async function preparingStateDirectory<T>(
  stateDirectory: string,
  what: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = osErrorCode(error);
    if (code && ["ENOTDIR", "EEXIST", "EACCES", "EROFS", "ENOSPC", "EISDIR"].includes(code)) {
      throw new StateError(
        `Cannot prepare ${what} in the state dir ${stateDirectory}: ${errorMessage(error)}.`,
        {
          hint: "Something else occupies that path, or the disk is full or read-only; fix it (or pick another --state-dir) and run the same command again.",
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** The values to redact: the supervisor's own keys and every variable the plan names as secret. */
function secretValues(
  environment: NodeJS.ProcessEnv,
  patterns: readonly string[],
  options: { minimumLength?: number } = {},
): Record<string, string | undefined> {
  const matchers = patterns.map((pattern) => new RegExp(`^${pattern.replaceAll("*", ".*")}$`, "i"));
  const values: Record<string, string | undefined> = {
    ANTHROPIC_API_KEY: environment.ANTHROPIC_API_KEY,
    ANTHROPIC_AUTH_TOKEN: environment.ANTHROPIC_AUTH_TOKEN,
    GITHUB_TOKEN: environment.GITHUB_TOKEN,
    GH_TOKEN: environment.GH_TOKEN,
  };
  for (const [name, value] of Object.entries(environment)) {
    // A name that only looks secret (HAS_KEY=true) must not blank every "true" in the transcripts.
    if (value !== undefined && value.length < (options.minimumLength ?? 0)) continue;
    if (matchers.some((matcher) => matcher.test(name))) values[name] = value;
  }
  return values;
}

function cliPath(): string {
  return fileURLToPath(new URL("../../cli.ts", import.meta.url));
}

function exitCodeOf(outcome: RunOutcome): number {
  if (outcome.kind === "finished")
    return outcome.allAccepted ? ExitCode.allAccepted : ExitCode.someNotAccepted;
  if (outcome.reason === "interrupted") return ExitCode.interrupted;
  if (outcome.reason === "waiting_on_human") return ExitCode.waitingOnHuman;
  return ExitCode.allAccepted;
}

function printDryRun(
  plan: Plan,
  only: ReadonlySet<string> | undefined,
  concurrency: number,
  output: Output,
  json: boolean,
): void {
  const waves = dependencyWaves(plan, { only });
  const selected = plan.workstreams.filter((workstream) => only === undefined || only.has(workstream.id));
  if (json) {
    output.out(
      `${JSON.stringify({
        plan: plan.file,
        name: plan.name,
        concurrency,
        rollout: plan.rollout,
        waves,
        workstreams: selected.map((workstream) => ({
          id: workstream.id,
          depends_on: workstream.dependsOn,
          done: workstream.done,
          agent: workstream.agent.provider,
          commands: workstream.commands,
        })),
      })}\n`,
    );
    return;
  }
  const lines = [
    `Plan ${plan.name} (${plan.file}): ${selected.length} workstream(s), concurrency ${concurrency}, rollout ${plan.rollout}.`,
    `Repository ${plan.repo}, base ${plan.base}, forge ${plan.forge.kind}. Nothing was created (--dry-run).`,
    "",
  ];
  waves.forEach((wave, index) => {
    lines.push(`Wave ${index + 1}:`);
    for (const id of wave) {
      const workstream = selected.find((candidate) => candidate.id === id)!;
      const after = workstream.dependsOn.length > 0 ? ` (after ${workstream.dependsOn.join(", ")})` : "";
      lines.push(`  ${id}${after} — ${workstream.agent.provider} worker`);
      lines.push(`    done when: ${workstream.done.join(", ")}`);
    }
  });
  if (plan.rollout === "canary" && waves[0]?.[0]) {
    lines.push("", `Canary: ${waves[0][0]} must be accepted before any other workstream starts.`);
  }
  output.out(`${lines.join("\n")}\n`);
}
