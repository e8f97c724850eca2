/**
 * The run: schedules workstreams, starts workers, verifies their claims through the gates, and
 * records every step in the journal before acting on it. State changes only through journal events
 * folded by the state machine, so a resume after a crash continues exactly where the run stopped.
 */

import { renderPrompt } from "../agent/prompt-templates.ts";
import type { ToolResult, WorkerServices } from "../agent/tools/tool-definition.ts";
import type { TurnUsage, WorkerExit, WorkerLauncher } from "../agent/worker.ts";
import type { Clock } from "../clock.ts";
import { describeOsError, JournalWriteError, osErrorCode, StateError, SuperviseError } from "../errors.ts";
import { type Bundle, buildBundle, renderBundleMarkdown, writeBundle } from "../evidence/bundle.ts";
import { issueFacts, pullRequestFacts } from "../evidence/forge-gates.ts";
import type { GateResult } from "../evidence/gate-result.ts";
import { type GateServices, verifyClaim } from "../evidence/verify-claim.ts";
import type { Forge } from "../forge/forge.ts";
import type { EscalationContext, EscalationRecord, EscalationStore } from "../monitor/escalation-store.ts";
import { type Playbook, renderPlaybook, type SignalKind } from "../monitor/playbook.ts";
import { choosePlaybook, type Signal } from "../monitor/playbook-matcher.ts";
import type { EscalationNotice } from "../monitor/webhook.ts";
import type { Plan, Workstream } from "../plan/schema.ts";
import type { CommandResult } from "../sandbox/run-command.ts";
import { indentLines } from "../text.ts";
import {
  ciStatusAction,
  closeIssueAction,
  type ForgeActionContext,
  mergePullRequestAction,
  openPullRequestAction,
  pushAction,
} from "./forge-actions.ts";
import type { Journal, JournalEvent } from "./journal.ts";
import { decideSchedule, isSelected, type ScheduleOptions } from "./scheduler.ts";
import {
  applyEvent,
  foldEvents,
  playbookAttempts,
  type RunState,
  terminalStatuses,
  type WorkstreamState,
} from "./workstream-state.ts";

/** The checkouts, as the run needs them (implemented by src/workspace/). */
export interface CheckoutPort {
  ensureCheckout(workstream: {
    id: string;
    branch: string;
  }): Promise<{ path: string; branch: string; baseSha: string; isNew: boolean }>;
  head(path: string): Promise<string>;
  uncommittedChanges(path: string): Promise<string[]>;
  /** Copies a checkout's commit into the supervisor's private mirror, the only place pushes start from. */ fetchIntoMirror(
    workstreamId: string,
    sha: string,
  ): Promise<void>;
  readonly mirrorPath: string;
  /** `git diff --stat` of the checkout's working tree (commits and uncommitted edits) against `baseSha`. */
  diffStat(path: string, baseSha: string): Promise<string>;
}

export interface RunOptions extends ScheduleOptions {
  noWait: boolean;
}

export interface SupervisorDependencies {
  plan: Plan;
  runId: string;
  runDirectory: string;
  journal: Journal;
  /** Events already in the journal (a resume), folded before anything starts. */
  recordedEvents: readonly JournalEvent[];
  clock: Clock;
  checkouts: CheckoutPort;
  workerLauncherFor(workstream: Workstream): WorkerLauncher;
  gateServices: Omit<GateServices, "readCheckout" | "forge" | "plan">;
  forge: Forge;
  /** HTTP requests the forge has made so far (GitHub); verifications journal their share. */
  forgeRequestCount?: () => number;
  escalations: EscalationStore;
  playbooks: readonly Playbook[];
  /** Tells a human that an escalation waits (the plan's webhook); resolves with how it went, never rejects. */
  notifyEscalation?(
    notice: EscalationNotice,
  ): Promise<{ isDelivered: boolean; attempts: number; error?: string }>;
  /** Runs a worker's shell command (the `bash` tool) in its checkout, sandboxed. */
  runWorkerCommand(
    checkoutPath: string,
    command: string,
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<CommandResult>;
  redact(text: string): string;
  /** Every recorded event, as it happens: the live view and `--json` read this. */
  onEvent(event: JournalEvent): void;
  /** Aborted on Ctrl-C: workers are stopped, the journal is left consistent. */
  signal: AbortSignal;
  options: RunOptions;
  /** Real-time grace a worker gets to exit on its own after its workstream ended. */
  exitGraceMs?: number;
}

export type RunOutcome =
  | { kind: "finished"; state: RunState; allAccepted: boolean }
  | { kind: "stopped"; state: RunState; reason: "interrupted" | "waiting_on_human" | "only" };

export async function runSupervisor(dependencies: SupervisorDependencies): Promise<RunOutcome> {
  return new Supervisor(dependencies).run();
}

class Supervisor {
  private readonly state: RunState;
  private readonly tasks = new Map<string, Promise<void>>();
  private readonly verifying = new Set<string>();
  /** Per workstream: aborts its current worker when the workstream ends or the run stops. */
  private readonly workerControllers = new Map<
    string,
    AbortController
  >(); /** Per workstream: the PR and issue as the last verification observed them. */
  private readonly forgeFactsSeen = new Map<
    string,
    { pr: Record<string, unknown> | null; issue: Record<string, unknown> | null }
  >();
  /** Playbook guidance waiting for a running worker's next tool result. */
  private readonly pendingToolMessages = new Map<string, string[]>();
  /** Per workstream: the checkout's last fingerprint and how many model turns it has not changed. */
  private readonly progress = new Map<string, { fingerprint: string; turnsWithoutChange: number }>();
  /** Per workstream: since when CI has been red on the same head, and whether that was signalled. */
  private readonly ciRedSince = new Map<string, { sha: string; sinceMs: number; isSignalled: boolean }>();
  /** Recent failing bash commands per workstream, for the repeat signal. */
  private readonly commandHistory = new Map<string, string[]>();
  /** Playbook guidance waiting for the next start of a workstream's worker. */
  private readonly pendingRestartInterventions = new Map<string, string>();
  private readonly dependencies: SupervisorDependencies;
  /** Stops every worker and wait of this run: on Ctrl-C, or when --no-wait finds only humans left to wait for. */
  private readonly stopController = new AbortController();
  private stopReason: "interrupted" | "waiting_on_human" | null = null;
  /** Resolved and replaced whenever the loop should look again (an escalation opened). */
  private wake: { promise: Promise<void>; resolve: () => void } = Promise.withResolvers<void>();

  constructor(dependencies: SupervisorDependencies) {
    this.dependencies = dependencies;
    dependencies.signal.addEventListener("abort", () => this.stop("interrupted"), { once: true });
    if (dependencies.signal.aborted) this.stop("interrupted");
    this.state = foldEvents(
      dependencies.plan.workstreams.map((workstream) => workstream.id),
      dependencies.recordedEvents,
    );
  }

  async run(): Promise<RunOutcome> {
    const { plan, runId, options, signal } = this.dependencies;
    if (this.state.runId === null) {
      await this.record("run.started", null, {
        run: runId,
        plan: plan.file,
        workstreams: plan.workstreams.map((workstream) => workstream.id),
        only: options.only ? [...options.only] : null,
        concurrency: options.concurrency,
        sandbox: plan.sandbox,
        forge: plan.forge.kind,
        repo: plan.repo,
      });
    } else {
      await this.record("run.resumed", null, { run: runId });
      await this.closeWorkersOfCrashedRun();
    }

    try {
      await this.schedule();
    } catch (error) {
      // Stop every worker before the error leaves: nothing may keep working in a checkout.
      this.stop("interrupted");
      await Promise.allSettled(this.tasks.values());
      if (!(error instanceof JournalWriteError)) {
        await this.record("run.stopped", null, {
          reason: "error",
          error: error instanceof Error ? error.message : String(error),
        }).catch(() => {});
      }
      throw error;
    }
    return this.outcome();
  }

  private async schedule(): Promise<void> {
    const { plan, options } = this.dependencies;
    while (!this.stopController.signal.aborted) {
      const decision = decideSchedule(plan, this.statesForScheduling(), options);
      for (const blocked of decision.block) {
        await this.record("workstream.blocked", blocked.workstream, { reason: blocked.reason });
        await this.writeBundleFor(blocked.workstream);
      }
      for (const id of decision.start) this.startTask(id);
      // Workstreams caught mid-flight by a crash are driven again as soon as the run resumes.
      for (const workstream of plan.workstreams) {
        const status = this.statusOf(workstream.id);
        if (
          isSelected(workstream.id, options) &&
          !this.tasks.has(workstream.id) &&
          (status === "running" || status === "verifying" || status === "escalated")
        ) {
          this.startTask(workstream.id);
        }
      }
      if (this.tasks.size === 0) {
        if (decision.block.length > 0) continue;
        break;
      }
      if (options.noWait && decision.start.length === 0 && (await this.onlyHumansLeft())) {
        this.stop("waiting_on_human");
        break;
      }
      await Promise.race([
        ...this.tasks.values(),
        this.wake.promise,
        abortPromise(this.stopController.signal),
      ]);
    }
  }

  private async outcome(): Promise<RunOutcome> {
    const { plan, options } = this.dependencies;
    if (this.stopReason !== null) {
      await Promise.allSettled(this.tasks.values());
      const pending = [...this.state.workstreams.values()]
        .filter((workstream) => workstream.pendingEscalation !== null)
        .map((workstream) => workstream.pendingEscalation!.id);
      await this.record("run.stopped", null, { reason: this.stopReason, pending_escalations: pending });
      return { kind: "stopped", state: this.state, reason: this.stopReason };
    }
    const allTerminal = plan.workstreams.every((workstream) =>
      terminalStatuses.has(this.statusOf(workstream.id)),
    );
    const verdicts = Object.fromEntries(
      plan.workstreams.map((workstream) => [workstream.id, this.statusOf(workstream.id)]),
    );
    if (!allTerminal) {
      await this.record("run.stopped", null, { reason: "only", verdicts });
      const selectedAccepted = plan.workstreams
        .filter((workstream) => isSelected(workstream.id, options))
        .every((workstream) => this.statusOf(workstream.id) === "accepted");
      return selectedAccepted
        ? { kind: "stopped", state: this.state, reason: "only" }
        : { kind: "finished", state: this.state, allAccepted: false };
    }
    await this.record("run.finished", null, { verdicts });
    const allAccepted = plan.workstreams.every((workstream) => this.statusOf(workstream.id) === "accepted");
    return { kind: "finished", state: this.state, allAccepted };
  }

  private stop(reason: "interrupted" | "waiting_on_human"): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stopController.abort(reason);
    for (const controller of this.workerControllers.values()) controller.abort(reason);
  }

  private wakeLoop(): void {
    const current = this.wake;
    this.wake = Promise.withResolvers<void>();
    current.resolve();
  }

  /**
   * Every workstream still in flight waits on a human who has not answered yet (a decision may
   * already be on disk from while no supervisor ran), so nothing more can happen without one.
   */
  private async onlyHumansLeft(): Promise<boolean> {
    const active = [...this.tasks.keys()].map((id) => this.workstreamState(id));
    if (active.length === 0 || !active.every((workstream) => workstream.pendingEscalation !== null))
      return false;
    for (const workstream of active) {
      const record = await this.dependencies.escalations.read(workstream.pendingEscalation!.id);
      if (record?.status !== "pending") return false;
    }
    return true;
  }

  /**
   * A task starts before its `workstream.started` event is durable; until then the scheduler must
   * already count it as running, or it would start the same workstream twice.
   */
  private statesForScheduling(): Map<string, WorkstreamState> {
    const view = new Map(this.state.workstreams);
    for (const id of this.tasks.keys()) {
      const state = view.get(id);
      if (state?.status === "pending") view.set(id, { ...state, status: "running" });
    }
    return view;
  }

  private statusOf(id: string): WorkstreamState["status"] {
    return this.workstreamState(id).status;
  }

  private workstreamState(id: string): WorkstreamState {
    const state = this.state.workstreams.get(id);
    if (!state) throw new Error(`unknown workstream ${id}`);
    return state;
  }

  private async record(
    type: string,
    workstream: string | null,
    data: Record<string, unknown> = {},
  ): Promise<JournalEvent> {
    const event = await this.dependencies.journal.append(type, workstream, data);
    applyEvent(this.state, event);
    this.dependencies.onEvent(event);
    return event;
  }

  /** Workers that were running when the previous supervisor died were killed before this run began. */
  private async closeWorkersOfCrashedRun(): Promise<void> {
    for (const workstream of this.state.workstreams.values()) {
      for (const attempt of [...workstream.liveWorkerAttempts]) {
        await this.record("worker.exited", workstream.id, {
          attempt,
          exit_code: null,
          description: "lost when the supervisor stopped; its processes were stopped before resuming",
        });
      }
    }
  }

  private startTask(id: string): void {
    const task = this.driveWorkstream(id)
      .catch(async (error: unknown) => {
        // The state dir or the journal failed under us: the whole run stops with that error (and
        // can be resumed once it is fixed); the workstream itself did nothing wrong.
        if (error instanceof SuperviseError) throw error;
        // A bug in one workstream must not take the run down silently: record it and end the workstream.
        const reason = `internal error: ${error instanceof Error ? error.message : String(error)}`;
        if (!terminalStatuses.has(this.statusOf(id)) && !this.stopController.signal.aborted) {
          await this.record("workstream.aborted", id, { reason });
          await this.writeBundleFor(id);
        }
      })
      .finally(() => this.tasks.delete(id));
    this.tasks.set(id, task);
  }

  private workstreamOf(id: string): Workstream {
    const workstream = this.dependencies.plan.workstreams.find((candidate) => candidate.id === id);
    if (!workstream) throw new Error(`unknown workstream ${id}`);
    return workstream;
  }

  private async driveWorkstream(id: string): Promise<void> {
    const workstream = this.workstreamOf(id);
    const signal = this.stopController.signal;
    if (this.statusOf(id) === "pending")
      await this.record("workstream.started", id, { goal: workstream.goal });
    const checkout = await this.dependencies.checkouts
      .ensureCheckout({ id, branch: workstream.branch })
      .catch((error: unknown) => {
        const code = osErrorCode(error);
        if (!code || !["ENOTDIR", "EEXIST", "EACCES", "EROFS", "ENOSPC", "EISDIR"].includes(code))
          throw error;
        throw new StateError(
          `Cannot make the checkout of ${id} in the state dir: ${describeOsError(error)}.`,
          {
            hint: "Something else occupies that path, or the disk is full or read-only; fix it and run the same command again to resume.",
            cause: error,
          },
        );
      });
    if (this.workstreamState(id).checkoutPath !== checkout.path) {
      await this.record("checkout.created", id, {
        path: checkout.path,
        branch: checkout.branch,
        base_sha: checkout.baseSha,
      });
    }

    if (this.statusOf(id) === "verifying") {
      // The supervisor died while verifying: the observations are repeated, never assumed.
      const claim = this.workstreamState(id).claims.at(-1);
      await this.record("claim.reverifying", id, { claim: claim?.id ?? null });
      await this.verifyLastClaim(workstream, checkout.path);
    }

    if (this.statusOf(id) === "escalated") {
      // The worker that asked died with the previous supervisor; the decision goes to the next start.
      const decided = await this.awaitDecision(id);
      if (!decided) return;
    }

    let lastExit: WorkerExit | null = null;
    while (!signal.aborted && this.statusOf(id) === "running") {
      const state = this.workstreamState(id);
      const attempt = state.attempt + 1;
      const maxAttempts = 1 + workstream.stall.max_restarts;
      if (attempt > maxAttempts) {
        await this.record("workstream.blocked", id, {
          reason: `the worker stopped ${state.attempt} times without an accepted claim (limit ${maxAttempts})`,
        });
        break;
      }
      const remainingMs = this.remainingBudgetMs(workstream, state);
      if (remainingMs <= 0) {
        await this.record("workstream.aborted", id, {
          reason: `budget spent: ${workstream.budget.minutes} minutes`,
        });
        break;
      }
      const launcher = this.dependencies.workerLauncherFor(workstream);
      const intervention = this.pendingRestartInterventions.get(id) ?? "";
      this.pendingRestartInterventions.delete(id);
      const prompt = this.promptFor(workstream, attempt, launcher.toolUsagePrompt, lastExit, intervention);
      const controller = new AbortController();
      const onRunAbort = () => controller.abort();
      signal.addEventListener("abort", onRunAbort, { once: true });
      this.workerControllers.set(id, controller);
      await this.record("worker.started", id, { attempt, provider: workstream.agent.provider });
      const claimsBefore = this.workstreamState(id).claims.length;
      const idleWatch = this.watchForIdle(workstream, controller, checkout.path);
      try {
        lastExit = await launcher.start({
          workstream,
          attempt,
          prompt,
          checkoutPath: checkout.path,
          services: this.servicesFor(workstream, checkout.path, controller),
          signal: controller.signal,
          timeoutMs: remainingMs,
          onActivity: idleWatch.onActivity,
          onUsage: async (usage) => {
            await this.recordUsage(id, attempt, usage);
            await this.checkBudget(workstream, controller);
            await this.watchForProgress(workstream, checkout.path, usage.turns);
          },
        });
      } finally {
        idleWatch.stop();
        signal.removeEventListener("abort", onRunAbort);
        this.workerControllers.delete(id);
      }
      await this.record("worker.exited", id, {
        attempt,
        exit_code: lastExit.exitCode,
        signal: lastExit.signal,
        description: idleWatch.wasIdle()
          ? `stopped after ${workstream.stall.idle_seconds} s without activity`
          : lastExit.description,
        duration_ms: lastExit.durationMs,
      });
      if (idleWatch.wasIdle())
        lastExit = {
          ...lastExit,
          description: `stopped after ${workstream.stall.idle_seconds} s without activity`,
        };
      if (!signal.aborted && this.statusOf(id) === "running") {
        await this.afterWorkerStopped(
          workstream,
          lastExit,
          idleWatch.wasIdle(),
          this.workstreamState(id).claims.length > claimsBefore,
        );
      }
    }
    await this.writeBundleFor(id);
  }

  /**
   * Idle: no output, tool call or model turn for `idle_seconds`. A long command that prints is
   * not idle. On idle the worker is stopped; the restart carries the idle playbook.
   */
  private watchForIdle(workstream: Workstream, controller: AbortController, checkoutPath: string) {
    const clock = this.dependencies.clock;
    const idleMs = workstream.stall.idle_seconds * 1000;
    let lastActivityMs = clock.now();
    let isIdle = false;
    let isProbing = false;
    // A CLI agent may work silently (`claude -p` prints at the end): a change in its checkout is
    // activity too. Looked at only when the output has been quiet long enough to matter.
    let lastFingerprint: string | null = null;
    const fingerprint = async () => {
      const { head, uncommittedChanges } = await this.readCheckout(checkoutPath)();
      const diffStat = await this.dependencies.checkouts.diffStat(checkoutPath, head).catch(() => "");
      return `${head}\n${uncommittedChanges.join("\n")}\n${diffStat}`;
    };
    void fingerprint()
      .then((value) => {
        lastFingerprint = value;
      })
      .catch(() => {});
    const timer = setInterval(
      () => {
        if (isIdle || isProbing || clock.now() - lastActivityMs < idleMs) return;
        isProbing = true;
        void fingerprint()
          .catch(() => lastFingerprint)
          .then((current) => {
            isProbing = false;
            if (current !== lastFingerprint) {
              lastFingerprint = current;
              lastActivityMs = clock.now();
              return;
            }
            if (isIdle || clock.now() - lastActivityMs < idleMs) return;
            isIdle = true;
            controller.abort("idle");
          });
      },
      Math.max(10, Math.min(5_000, idleMs / 4)),
    );
    timer.unref();
    return {
      onActivity: () => {
        lastActivityMs = clock.now();
      },
      wasIdle: () => isIdle,
      stop: () => clearInterval(timer),
    };
  }

  private async recordUsage(id: string, attempt: number, usage: TurnUsage): Promise<void> {
    await this.record("worker.usage", id, {
      attempt,
      model: usage.model,
      turns: usage.turns,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens,
      cache_write_tokens: usage.cacheWriteTokens,
      cost_usd: usage.costUsd,
    });
  }

  private queueToolMessage(workstreamId: string, text: string): void {
    const queue = this.pendingToolMessages.get(workstreamId) ?? [];
    queue.push(text);
    this.pendingToolMessages.set(workstreamId, queue);
  }

  /**
   * Repeat: the same command failing the same way `repeat_limit` times in a row. Numbers are
   * ignored in the comparison, so timings and pids in the output do not hide a loop.
   */
  private async watchForRepeats(
    workstream: Workstream,
    command: string,
    result: CommandResult,
  ): Promise<void> {
    const history = this.commandHistory.get(workstream.id) ?? [];
    if (result.exitCode === 0) {
      this.commandHistory.set(workstream.id, []);
      return;
    }
    const signature = `${command}\u0000${result.exitCode}\u0000${result.output.replace(/\d+/g, "0").slice(-4000)}`;
    if (history.at(-1) !== signature) history.length = 0;
    history.push(signature);
    this.commandHistory.set(workstream.id, history);
    if (history.length < workstream.stall.repeat_limit) return;
    history.length = 0;
    const evidence = `\`${command}\` failed the same way ${workstream.stall.repeat_limit} times in a row (exit ${result.exitCode}):\n${result.output.slice(-1500)}`;
    const text = await this.intervene(
      workstream,
      { kind: "repeat", failingGates: [], logText: evidence, evidence },
      "tool_result",
    );
    if (text) this.queueToolMessage(workstream.id, text);
  }

  /**
   * No progress: this many model turns in a row without any change to the checkout (HEAD, or what
   * is modified). Reading and thinking are fine for a while; ten turns of nothing is a stall.
   */
  private static readonly turnsWithoutProgressLimit = 10;

  private async watchForProgress(workstream: Workstream, checkoutPath: string, turns: number): Promise<void> {
    if (turns === 0) return;
    const { head, uncommittedChanges } = await this.readCheckout(checkoutPath)();
    const diffStat = await this.dependencies.checkouts.diffStat(checkoutPath, head).catch(() => "");
    const fingerprint = `${head}\n${uncommittedChanges.join("\n")}\n${diffStat}`;
    const previous = this.progress.get(workstream.id);
    if (!previous || previous.fingerprint !== fingerprint) {
      this.progress.set(workstream.id, { fingerprint, turnsWithoutChange: 0 });
      return;
    }
    previous.turnsWithoutChange += turns;
    if (previous.turnsWithoutChange < Supervisor.turnsWithoutProgressLimit) return;
    previous.turnsWithoutChange = 0;
    const evidence = `${Supervisor.turnsWithoutProgressLimit} model turns without any change to the checkout (HEAD ${head.slice(0, 12)}, ${uncommittedChanges.length} uncommitted change(s)).`;
    const text = await this.intervene(
      workstream,
      { kind: "no_progress", failingGates: [], logText: evidence, evidence },
      "tool_result",
    );
    if (text) this.queueToolMessage(workstream.id, text);
  }

  /** CI red on the same PR head for `ci_red_minutes`: a stall; the CI playbooks get the failing checks. */
  private async watchCiRed(
    workstream: Workstream,
    observation: { sha: string; state: string; summary: string },
  ): Promise<void> {
    const id = workstream.id;
    if (observation.state !== "failure") {
      this.ciRedSince.delete(id);
      return;
    }
    const nowMs = this.dependencies.clock.now();
    const red = this.ciRedSince.get(id);
    if (!red || red.sha !== observation.sha) {
      this.ciRedSince.set(id, { sha: observation.sha, sinceMs: nowMs, isSignalled: false });
      return;
    }
    if (red.isSignalled || nowMs - red.sinceMs < workstream.stall.ci_red_minutes * 60_000) return;
    red.isSignalled = true;
    const evidence = `CI has been red on ${observation.sha.slice(0, 12)} for ${Math.round((nowMs - red.sinceMs) / 60_000)} minutes:\n${observation.summary}`;
    const text = await this.intervene(
      workstream,
      { kind: "ci_red", failingGates: ["ci_green"], logText: evidence, evidence },
      "tool_result",
    );
    if (text) this.queueToolMessage(id, text);
  }

  /** 80 % of any budget: a warning playbook; all of it: the workstream is aborted with the reason. */
  private async checkBudget(workstream: Workstream, controller: AbortController): Promise<void> {
    const id = workstream.id;
    const state = this.workstreamState(id);
    if (state.status !== "running" && state.status !== "verifying") return;
    const budget = workstream.budget;
    const startedMs = state.startedAt ? Date.parse(state.startedAt) : this.dependencies.clock.now();
    const spent: [string, number, number][] = [
      ["minutes", (this.dependencies.clock.now() - startedMs) / 60_000, budget.minutes],
      ["tokens", state.inputTokens + state.outputTokens, budget.tokens],
      ["usd", state.costUsd, budget.usd],
      ["turns", state.turns, budget.turns],
    ];
    const exhausted = spent.find(([, used, limit]) => used >= limit);
    if (exhausted) {
      await this.record("workstream.aborted", id, {
        reason: `budget exhausted: ${formatAmount(exhausted[1])} of ${exhausted[2]} ${exhausted[0]}`,
      });
      controller.abort("budget");
      return;
    }
    const nearly = spent.find(([, used, limit]) => used >= 0.8 * limit);
    if (!nearly || state.signals.some((signal) => signal.signal === "budget_warning")) return;
    const evidence = spent
      .map(
        ([name, used, limit]) =>
          `- ${name}: ${formatAmount(used)} of ${limit} (${Math.round((100 * used) / limit)} %)`,
      )
      .join("\n");
    const text = await this.intervene(
      workstream,
      { kind: "budget_warning", failingGates: [], logText: evidence, evidence },
      "tool_result",
    );
    if (text) this.queueToolMessage(id, text);
  }

  /** A worker stopped without an accepted claim: name the signal, pick the playbook for the restart. */
  private async afterWorkerStopped(
    workstream: Workstream,
    exit: WorkerExit,
    wasIdle: boolean,
    madeClaim: boolean,
  ): Promise<void> {
    const id = workstream.id;
    let kind: SignalKind = "stopped_without_claim";
    let evidence = `the worker ${exit.description}${exit.outputTail ? `; its last output:\n${exit.outputTail.slice(-1500)}` : ""}`;
    if (wasIdle) {
      kind = "idle";
    } else if (exit.blockedReason) {
      // The model is unreachable or refused: the playbook retries once, then a human decides.
      kind = "model_blocked";
      evidence = `the model ${exit.blockedReason === "refusal" ? "refused" : "API failed"}: ${exit.description}`;
    } else {
      const pullRequest = await this.dependencies.forge
        .findPullRequest({ head: workstream.branch, base: this.dependencies.plan.base })
        .catch(() => null);
      if (pullRequest && pullRequest.state === "open" && !pullRequest.isMerged) {
        kind = "stopped_after_pr";
        evidence = `pull request #${pullRequest.number} (${pullRequest.url}) is open and not merged; head ${pullRequest.headSha}. The worker ${exit.description}.`;
      } else if (madeClaim) {
        // Its claims were rejected and it gave up: the rejection evidence goes into the restart prompt already.
        return;
      }
    }
    const text = await this.intervene(
      workstream,
      { kind, failingGates: [], logText: evidence, evidence },
      "restart_prompt",
    );
    if (text) this.pendingRestartInterventions.set(id, text);
  }

  /**
   * The monitor's one path: journal the signal, pick a playbook, journal the intervention and
   * return its text; when the matching playbooks are spent and say so, escalate to a human.
   */
  private async intervene(
    workstream: Workstream,
    signal: Signal,
    delivery: "tool_result" | "restart_prompt",
  ): Promise<string | null> {
    const id = workstream.id;
    const summary = signal.evidence.split("\n")[0]!.slice(0, 300);
    await this.record("signal.detected", id, {
      signal: signal.kind,
      summary,
      failing_gates: signal.failingGates,
    });
    const state = this.workstreamState(id);
    const choice = choosePlaybook(signal, this.dependencies.playbooks, playbookAttempts(state));
    if (choice.kind === "intervene") {
      const text = renderPlaybook(choice.playbook, {
        workstream: id,
        goal: workstream.goal,
        signal: signal.kind,
        evidence: signal.evidence,
        gates: workstream.done.map((gate) => `- ${gateExplanation(gate, workstream)}`).join("\n"),
        attempt: choice.attempt,
        max_attempts: choice.playbook.maxAttempts,
        base: this.dependencies.plan.base,
        branch: workstream.branch,
      });
      await this.record("intervention.applied", id, {
        playbook: choice.playbook.id,
        signal: signal.kind,
        delivery,
        attempt: choice.attempt,
        max_attempts: choice.playbook.maxAttempts,
      });
      return renderPrompt("intervention", { title: choice.playbook.title, guidance: text });
    }
    if (choice.kind === "exhausted") {
      await this.record("playbook.exhausted", id, { playbook: choice.playbook.id, signal: signal.kind });
      if (choice.playbook.onExhausted === "escalate" && this.statusOf(id) === "running") {
        return this.escalateFromMonitor(workstream, choice.playbook.title, signal);
      }
    }
    return null;
  }

  private async escalateFromMonitor(
    workstream: Workstream,
    playbookTitle: string,
    signal: Signal,
  ): Promise<string | null> {
    const id = workstream.id;
    const escalationId = `${id}-${this.workstreamState(id).escalationCount + 1}`;
    const question = renderPrompt("monitor-escalation", {
      workstream: id,
      signal: signal.kind,
      playbook: playbookTitle,
      evidence: this.dependencies.redact(signal.evidence.slice(0, 2000)),
    });
    await this.dependencies.escalations.open({
      id: escalationId,
      workstream: id,
      question,
      source: "monitor",
      context: await this.escalationContext(workstream, signal.evidence, {
        approve: "the worker is started again and continues",
        deny: "the workstream is aborted",
        reply: "the worker is started again with your text as guidance",
      }),
    });
    await this.record("escalation.opened", id, { escalation: escalationId, question, source: "monitor" });
    this.wakeLoop();
    this.notify(id, escalationId, question);
    const decided = await this.awaitDecision(id);
    if (!decided) return null;
    if (decided.decision?.kind === "deny") {
      await this.record("workstream.aborted", id, {
        reason: `a human denied continuing after ${signal.kind}${decided.decision.note ? `: ${decided.decision.note}` : ""}`,
      });
      return null;
    }
    return this.decisionText(decided);
  }

  private remainingBudgetMs(workstream: Workstream, state: WorkstreamState): number {
    const startedMs = state.startedAt ? Date.parse(state.startedAt) : this.dependencies.clock.now();
    return startedMs + workstream.budget.minutes * 60_000 - this.dependencies.clock.now();
  }

  private promptFor(
    workstream: Workstream,
    attempt: number,
    toolUsage: string,
    lastExit: WorkerExit | null,
    intervention: string,
  ): string {
    const plan = this.dependencies.plan;
    const task = renderPrompt("worker-task", {
      campaign: plan.name,
      workstream: workstream.id,
      goal: workstream.goal,
      issue: workstream.issue === undefined ? "" : String(workstream.issue),
      brief: workstream.brief ?? "",
      branch: workstream.branch,
      base: plan.base,
      done_list: workstream.done.map((gate) => `- ${gateExplanation(gate, workstream)}`).join("\n"),
      tool_usage: toolUsage,
    });
    if (attempt === 1) return task;
    const state = this.workstreamState(workstream.id);
    const lastClaim = state.claims.at(-1);
    return renderPrompt("restart-without-claim", {
      workstream: workstream.id,
      previous_attempt: attempt - 1,
      exit_description: lastExit?.description ?? "the supervisor restarted",
      last_rejection: lastClaim?.verdict === "rejected" ? describeFailures(lastClaim.gates) : "",
      human_decision: state.lastDecision
        ? `${state.lastDecision.escalation} ("${state.lastDecision.question}"): ${state.lastDecision.decision}${state.lastDecision.note ? ` — ${state.lastDecision.note}` : ""}${state.lastDecision.text ? ` — ${state.lastDecision.text}` : ""}`
        : "",
      intervention,
      attempt,
      max_attempts: 1 + workstream.stall.max_restarts,
      task,
    });
  }

  private readCheckout(checkoutPath: string) {
    const checkouts = this.dependencies.checkouts;
    return async () => {
      const [head, uncommittedChanges] = await Promise.all([
        checkouts.head(checkoutPath),
        checkouts.uncommittedChanges(checkoutPath),
      ]);
      return { head, uncommittedChanges };
    };
  }

  private forgeActionContext(workstream: Workstream, checkoutPath: string): ForgeActionContext {
    return {
      plan: this.dependencies.plan,
      workstream,
      checkoutPath,
      forge: this.dependencies.forge,
      readCheckout: this.readCheckout(checkoutPath),
      fetchIntoMirror: (sha) => this.dependencies.checkouts.fetchIntoMirror(workstream.id, sha),
      mirrorPath: this.dependencies.checkouts.mirrorPath,
      record: async (type, data) => {
        this.forgeFactsSeen.delete(workstream.id);
        await this.record(type, workstream.id, data);
      },
      redact: this.dependencies.redact,
      ciWaitMs: this.dependencies.gateServices.ciWaitMs,
      onCiObserved: (observation) => this.watchCiRed(workstream, observation),
    };
  }

  private servicesFor(
    workstream: Workstream,
    checkoutPath: string,
    controller: AbortController,
  ): WorkerServices {
    const forgeContext = () => this.forgeActionContext(workstream, checkoutPath);
    return {
      checkoutPath,
      // The worker's own signal: a bash command dies with the worker it belongs to.
      runCommand: async (command, timeoutMs) => {
        const result = await this.dependencies.runWorkerCommand(
          checkoutPath,
          command,
          timeoutMs,
          controller.signal,
        );
        await this.watchForRepeats(workstream, command, result);
        await this.checkBudget(workstream, controller);
        return result;
      },
      takeSupervisorMessages: () => this.pendingToolMessages.get(workstream.id)?.splice(0) ?? [],
      push: () => pushAction(forgeContext()),
      openPullRequest: (input) => openPullRequestAction(forgeContext(), input),
      ciStatus: () => ciStatusAction(forgeContext()),
      mergePullRequest: (input) => mergePullRequestAction(forgeContext(), input),
      closeIssue: (input) => closeIssueAction(forgeContext(), input),
      askHuman: (question) => this.askHuman(workstream, question),
      claimDone: async (summary) => {
        const id = workstream.id;
        if (this.verifying.has(id))
          return { isError: true, text: "A claim is already being verified; wait for its verdict." };
        if (this.statusOf(id) !== "running") {
          return {
            isError: true,
            text: `Workstream ${id} is ${this.statusOf(id)}; there is nothing left to claim.`,
          };
        }
        this.verifying.add(id);
        try {
          const { head, uncommittedChanges } = await this.readCheckout(checkoutPath)();
          const claimId = this.workstreamState(id).claims.length + 1;
          await this.record("claim.made", id, {
            claim: claimId,
            summary: this.dependencies.redact(summary),
            commit: uncommittedChanges.length === 0 ? head : null,
            head,
            uncommitted_changes: uncommittedChanges,
          });
          const result = await this.verifyLastClaim(workstream, checkoutPath);
          if (terminalStatuses.has(this.statusOf(id))) {
            // The workstream is over either way; give the worker a moment to read its verdict and exit.
            setTimeout(() => controller.abort(), this.dependencies.exitGraceMs ?? 5_000).unref();
          }
          return result;
        } finally {
          this.verifying.delete(id);
        }
      },
    };
  }

  /** Opens an escalation for a worker's question and blocks until a human decides it. */
  private async askHuman(workstream: Workstream, question: string): Promise<ToolResult> {
    const id = workstream.id;
    if (this.statusOf(id) !== "running") {
      return { isError: true, text: `Workstream ${id} is ${this.statusOf(id)}; it cannot ask a human now.` };
    }
    const escalationId = `${id}-${this.workstreamState(id).escalationCount + 1}`;
    const redactedQuestion = this.dependencies.redact(question);
    await this.dependencies.escalations.open({
      id: escalationId,
      workstream: id,
      question: redactedQuestion,
      source: "worker",
      context: await this.escalationContext(workstream, "the worker asked this itself", {
        approve: "the answer is yes; the worker continues",
        deny: "the answer is no; the worker continues and must do without",
        reply: "your text is the answer the worker reads",
      }),
    });
    await this.record("escalation.opened", id, {
      escalation: escalationId,
      question: redactedQuestion,
      source: "worker",
    });
    this.wakeLoop();
    this.notify(id, escalationId, redactedQuestion);
    const decided = await this.awaitDecision(id);
    if (!decided)
      return {
        isError: true,
        text: "The supervisor stopped while waiting for the human; you will be restarted with the answer.",
      };
    if (this.statusOf(id) === "accepted") {
      return {
        isError: false,
        text: `${this.decisionText(decided)}\n\nThe workstream is accepted with that waiver; stop now.`,
      };
    }
    return { isError: false, text: this.decisionText(decided) };
  }

  /** Waits for the pending escalation's decision and records it; null when the run stops first. */
  private async awaitDecision(id: string): Promise<EscalationRecord | null> {
    const pending = this.workstreamState(id).pendingEscalation;
    if (!pending) return null;
    let decided: EscalationRecord;
    try {
      decided = await this.dependencies.escalations.waitForDecision(pending.id, this.stopController.signal);
    } catch (error) {
      if (this.stopController.signal.aborted) return null;
      throw error;
    }
    await this.record("escalation.decided", id, {
      escalation: decided.id,
      decided_by: decided.decision?.decided_by ?? null,
      decision: decided.decision?.kind ?? decided.status,
      note: decided.decision?.note ?? null,
      text: decided.decision?.text ?? null,
      waive: decided.decision?.waive ?? [],
    });
    const waive = decided.decision?.kind === "approve" ? (decided.decision.waive ?? []) : [];
    if (waive.length > 0) await this.applyWaiver(id, waive, decided);
    return decided;
  }

  /**
   * An approval that waives gates: the last claim's failed gates the human named become `waived`
   * (never `pass`), and if nothing else failed the claim is accepted as it stands.
   */
  private async applyWaiver(id: string, waive: readonly string[], decided: EscalationRecord): Promise<void> {
    const claim = this.workstreamState(id).claims.at(-1);
    if (!claim || claim.verdict !== "rejected") return;
    const who = decided.decision?.decided_by ?? "a human";
    for (const gate of claim.gates) {
      if (!waive.includes(gate.gate) || (gate.status !== "fail" && gate.status !== "error")) continue;
      await this.record("gate.waived", id, {
        claim: claim.id,
        gate: gate.gate,
        detail: `waived by ${who} (escalation ${decided.id})${decided.decision?.note ? `: ${decided.decision.note}` : ""}; observed: ${gate.detail}`,
        observed: gate.observed,
      });
    }
    const stillFailing = claim.gates.filter((gate) => gate.status === "fail" || gate.status === "error");
    if (stillFailing.length === 0 && this.statusOf(id) === "running") {
      await this.record("claim.accepted_with_waiver", id, {
        claim: claim.id,
        commit: claim.commit,
        waived: claim.gates.filter((gate) => gate.status === "waived").map((gate) => gate.gate),
        decided_by: who,
        escalation: decided.id,
      });
      await this.record("workstream.accepted", id, { claim: claim.id, commit: claim.commit, waived: true });
      // The worker may still be reading the answer; it gets the same grace as after an accepted claim.
      setTimeout(
        () => this.workerControllers.get(id)?.abort("accepted with a waiver"),
        this.dependencies.exitGraceMs ?? 5_000,
      ).unref();
    }
  }
  /** Where reviewers already look (a forge with PR comments, and a PR open): the question and how to answer it. */
  private async commentEscalationOnPullRequest(
    workstream: string,
    escalation: string,
    question: string,
  ): Promise<void> {
    const forge = this.dependencies.forge;
    if (!forge.commentOnPullRequest) return;
    try {
      const pullRequest = await forge.findPullRequest({
        head: this.workstreamOf(workstream).branch,
        base: this.dependencies.plan.base,
      });
      if (!pullRequest) return;
      const comment = await forge.commentOnPullRequest({
        number: pullRequest.number,
        marker: `<!-- supervise:escalation:${escalation} -->`,
        body: this.dependencies.redact(
          renderPrompt("escalation-comment", { escalation, workstream, question }),
        ),
      });
      await this.record("comment.posted", workstream, {
        pr: pullRequest.number,
        url: comment.url,
        action: comment.action,
        escalation,
      });
    } catch (error) {
      await this.record("comment.failed", workstream, {
        escalation,
        error: error instanceof Error ? error.message : String(error),
      }).catch(() => {});
    }
  }

  /** Fire and forget: the run never waits on a webhook; how it went is journaled. */
  private notify(workstream: string, escalation: string, question: string): void {
    void this.commentEscalationOnPullRequest(workstream, escalation, question);
    const notify = this.dependencies.notifyEscalation;
    if (!notify) return;
    const notice: EscalationNotice = {
      type: "escalation.opened",
      run: this.dependencies.runId,
      workstream,
      escalation,
      question,
      commands: {
        approve: `supervise approve ${escalation} --note "…"`,
        deny: `supervise deny ${escalation} --note "…"`,
        reply: `supervise reply ${escalation} "…"`,
      },
    };
    void notify(notice)
      .then((result) =>
        this.record(result.isDelivered ? "notification.delivered" : "notification.failed", workstream, {
          escalation,
          attempts: result.attempts,
          ...(result.error ? { error: result.error } : {}),
        }),
      )
      .catch(() => {});
  }

  private async escalationContext(
    workstream: Workstream,
    evidence: string,
    options: { approve: string; deny: string; reply: string },
  ): Promise<EscalationContext> {
    const state = this.workstreamState(workstream.id);
    let diffstat = "";
    if (state.checkoutPath && state.baseSha) {
      diffstat = await this.dependencies.checkouts
        .diffStat(state.checkoutPath, state.baseSha)
        .catch((error: unknown) => {
          return `(no diffstat: ${error instanceof Error ? error.message : String(error)})`;
        });
    }
    const lastClaim = state.claims.at(-1);
    const lastEvidence = lastClaim?.verdict === "rejected" ? describeFailures(lastClaim.gates) : evidence;
    return {
      signals: state.signals.map((signal) => `${signal.ts} ${signal.signal}: ${signal.summary}`),
      evidence: this.dependencies.redact(lastEvidence.slice(0, 4000)),
      diffstat,
      options,
    };
  }

  private decisionText(record: EscalationRecord): string {
    const verbs = { approve: "approved", deny: "denied", reply: "replied" } as const;
    return renderPrompt("human-decision", {
      escalation: record.id,
      question: record.question,
      decision: record.decision ? verbs[record.decision.kind] : record.status,
      note: record.decision?.note ?? "",
      reply: record.decision?.text ?? "",
    });
  }

  /** Runs the gates for the workstream's last claim and records the verdict; returns what the worker reads. */
  private async verifyLastClaim(workstream: Workstream, checkoutPath: string): Promise<ToolResult> {
    const id = workstream.id;
    const claim = this.workstreamState(id).claims.at(-1);
    if (!claim) throw new Error(`workstream ${id} is verifying without a claim`);
    const uncommitted =
      claim.commit === null ? await this.dependencies.checkouts.uncommittedChanges(checkoutPath) : [];
    const checkouts = this.dependencies.checkouts;
    const requestsBefore = this.dependencies.forgeRequestCount?.() ?? 0;
    const results = await verifyClaim(
      {
        workstream,
        claimId: claim.id,
        commit: claim.commit,
        uncommittedChanges: uncommitted,
        checkoutPath,
        baseSha: this.workstreamState(id).baseSha ?? this.dependencies.plan.base,
      },
      {
        ...this.dependencies.gateServices,
        forge: this.dependencies.forge,
        plan: this.dependencies.plan,
        readCheckout: async () => ({
          head: await checkouts.head(checkoutPath),
          uncommittedChanges: await checkouts.uncommittedChanges(checkoutPath),
        }),
      },
      async (result) => {
        await this.record(`gate.${eventVerbOf(result.status)}`, id, {
          claim: claim.id,
          gate: result.id,
          detail: result.detail,
          observed: result.observed,
          ...(result.command ? { command: result.command } : {}),
        });
      },
    );
    this.rememberForgeFacts(workstream, results);
    const failures = results.filter(
      (result) => result.status !== "pass" && result.status !== "waived" && result.status !== "skipped",
    );
    if (failures.length === 0 && results.length > 0) {
      await this.record("claim.accepted", id, {
        claim: claim.id,
        commit: claim.commit,
        forge_requests: (this.dependencies.forgeRequestCount?.() ?? 0) - requestsBefore,
      });
      await this.record("workstream.accepted", id, { claim: claim.id, commit: claim.commit });
      await this.writeBundleFor(id);
      return {
        isError: false,
        text: renderPrompt("claim-accepted", {
          workstream: id,
          commit: claim.commit ?? "",
          gates: results.map((result) => `- ${result.id}: ${result.status} — ${result.detail}`).join("\n"),
        }),
      };
    }
    await this.record("claim.rejected", id, {
      claim: claim.id,
      forge_requests: (this.dependencies.forgeRequestCount?.() ?? 0) - requestsBefore,
      failed_gates: failures.map((result) => result.id),
    });
    const state = this.workstreamState(id);
    if (state.rejections >= workstream.stall.max_rejections) {
      await this.record("workstream.rejected", id, {
        reason: `${state.rejections} claims rejected (limit ${workstream.stall.max_rejections}); last failing gates: ${failures.map((result) => result.id).join(", ")}`,
      });
    }
    let intervention = "";
    if (this.statusOf(id) === "running") {
      const failing = failures.map((failure) => ({
        gate: failure.id,
        status: failure.status,
        detail: failure.detail,
        command: failure.command ?? null,
      }));
      intervention =
        (await this.intervene(
          workstream,
          {
            kind: "claim_rejected",
            failingGates: failures.map((failure) => failure.id),
            logText: failures
              .map((failure) => `${failure.detail}\n${failure.command?.outputTail ?? ""}`)
              .join("\n"),
            evidence: describeFailures(failing),
          },
          "tool_result",
        )) ?? "";
    }
    await this.writeBundleFor(id);
    return {
      isError: true,
      text: renderPrompt("claim-rejected", {
        intervention,
        workstream: id,
        claim: claim.id,
        commit: claim.commit ?? "none (uncommitted changes)",
        failures: describeFailures(
          failures.map((failure) => ({
            gate: failure.id,
            status: failure.status,
            detail: failure.detail,
            command: failure.command ?? null,
          })),
        ),
        rejections: state.rejections,
        max_rejections: workstream.stall.max_rejections,
      }),
    };
  }
  private async writeBundleFor(id: string): Promise<void> {
    const workstream = this.workstreamOf(id);
    // What the last verification saw of the forge stands until the supervisor acts on the forge
    // again; asking anew for every bundle would double the requests on GitHub.
    const { pr, issue } = this.forgeFactsSeen.get(id) ?? (await this.observeForgeForBundle(workstream));
    const bundle = buildBundle({
      runId: this.dependencies.runId,
      runDirectory: this.dependencies.runDirectory,
      workstream,
      state: this.workstreamState(id),
      pr,
      issue,
      sandbox: this.dependencies.plan.sandbox,
    });
    await writeBundle(this.dependencies.runDirectory, bundle);
    await this.postBundleOnPullRequest(id, bundle);
  }

  /** Reviewers read the bundle where they review: one comment on the PR, updated in place. */
  private async postBundleOnPullRequest(id: string, bundle: Bundle): Promise<void> {
    const forge = this.dependencies.forge;
    const number = typeof bundle.pr?.number === "number" ? bundle.pr.number : null;
    if (!forge.commentOnPullRequest || number === null) return;
    try {
      const comment = await forge.commentOnPullRequest({
        number,
        marker: `<!-- supervise:bundle:${id} -->`,
        body: this.dependencies.redact(renderBundleMarkdown(bundle)),
      });
      if (comment.action !== "unchanged")
        await this.record("comment.posted", id, { pr: number, url: comment.url, action: comment.action });
    } catch (error) {
      await this.record("comment.failed", id, {
        pr: number,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  private rememberForgeFacts(workstream: Workstream, results: readonly GateResult[]): void {
    const pr = results.find((result) => result.observed.pr !== undefined)?.observed.pr as
      | Record<string, unknown>
      | null
      | undefined;
    const issue = results.find((result) => result.id === "issue_closed")?.observed.issue as
      | Record<string, unknown>
      | undefined;
    // Only a verification that saw both (or has no issue to see) stands in for the forge.
    if (pr === undefined || (workstream.issue !== undefined && issue === undefined)) {
      this.forgeFactsSeen.delete(workstream.id);
      return;
    }
    this.forgeFactsSeen.set(workstream.id, { pr, issue: issue ?? null });
  }

  /** The bundle shows the PR and issue as the forge has them now, not as anyone reported them. */
  private async observeForgeForBundle(
    workstream: Workstream,
  ): Promise<{ pr: Record<string, unknown> | null; issue: Record<string, unknown> | null }> {
    const { forge, plan } = this.dependencies;
    try {
      const pullRequest = await forge.findPullRequest({ head: workstream.branch, base: plan.base });
      const issue = workstream.issue === undefined ? null : await forge.getIssue(workstream.issue);
      return { pr: pullRequestFacts(pullRequest), issue: issueFacts(issue) };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        pr: null,
        issue: workstream.issue === undefined ? null : { number: workstream.issue, error: reason },
      };
    }
  }
}

function eventVerbOf(status: GateResult["status"]): string {
  switch (status) {
    case "pass":
      return "passed";
    case "fail":
      return "failed";
    case "skipped":
      return "skipped";
    case "waived":
      return "waived";
    default:
      return "errored";
  }
}

function describeFailures(
  gates: { gate: string; status: string; detail: string; command?: unknown }[],
): string {
  return gates
    .filter((gate) => gate.status === "fail" || gate.status === "error")
    .map((gate) => {
      const command = gate.command as { outputTail?: string; log?: string } | null | undefined;
      const tail = command?.outputTail
        ? `\n  Output (tail):\n${indentLines(command.outputTail.slice(-1500), "    ")}`
        : "";
      const log = command?.log ? `\n  Full log: ${command.log}` : "";
      return `- ${gate.gate}: ${gate.status} — ${gate.detail}${tail}${log}`;
    })
    .join("\n");
}

function gateExplanation(gate: string, workstream: Workstream): string {
  switch (gate) {
    case "local_check":
      return `local_check: \`${workstream.commands.check}\` passes in your checkout at the claimed commit`;
    case "release_build":
      return `release_build: \`${workstream.commands.build}\` passes at the claimed commit`;
    case "ci_green":
      return "ci_green: CI is green on the pull request's head, which must be the claimed commit";
    case "pr_merged":
      return "pr_merged: the pull request is merged into the base";
    case "issue_closed":
      return `issue_closed: issue #${workstream.issue} is closed by the merged pull request`;
    case "diff_scope":
      return "diff_scope: the change touches real source, and no test is deleted, skipped or weakened";
    default:
      return `${gate}: a reviewer judges the diff against the goal`;
  }
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

function formatAmount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
