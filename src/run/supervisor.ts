/**
 * The run: schedules workstreams, starts workers, and drives each workstream until a verdict,
 * recording every step in the journal before acting on it. State changes only through journal
 * events folded by the state machine, so a resume after a crash continues exactly where the run
 * stopped. The parts it drives: the monitor (src/monitor/stall-monitor.ts), whose decisions
 * ./monitoring.ts applies, the escalation flow (./escalation-flow.ts), the claim verifier
 * (./claim-verifier.ts), the worker's services (./worker-services.ts) and the phases' gates
 * (./phase-flow.ts).
 */

import type { WorkerExit } from "../agent/index.ts";
import { errorMessage, JournalWriteError, osErrorCode, StateError, SuperviseError } from "../errors.ts";
import type { TurnUsage } from "../model/index.ts";
import { remainingBudget, remainingBudgetMs, StallMonitor } from "../monitor/index.ts";
import type { Workstream } from "../plan/index.ts";
import { usageRecordOf } from "../usage.ts";
import { BaseWatch } from "./base-watch.ts";
import { ClaimVerifier } from "./claim-verifier.ts";
import { EscalationFlow } from "./escalation-flow.ts";
import { Monitoring } from "./monitoring.ts";
import { PhaseFlow } from "./phase-flow.ts";
import { isPhaseOpenToNext } from "./phase-state.ts";
import { RunContext } from "./run-context.ts";
import { decideSchedule, isSelected } from "./scheduler.ts";
import {
  CheckoutUnavailableError,
  type RunOutcome,
  type SupervisorDependencies,
} from "./supervisor-dependencies.ts";
import { UnverifiedLandings } from "./unverified-landings.ts";
import { definitionOfDone, workerPrompt } from "./worker-prompt.ts";
import { WorkerServiceFactory } from "./worker-services.ts";
import { playbookAttempts, terminalStatuses, type WorkstreamState } from "./workstream-state.ts";

export type {
  CheckoutPort,
  RunOptions,
  RunOutcome,
  SupervisorDependencies,
} from "./supervisor-dependencies.ts";

export async function runSupervisor(dependencies: SupervisorDependencies): Promise<RunOutcome> {
  return new Supervisor(dependencies).run();
}

class Supervisor {
  private readonly context: RunContext;
  private readonly escalations: EscalationFlow;
  private readonly monitor: StallMonitor;
  private readonly monitoring: Monitoring;
  private readonly verifier: ClaimVerifier;
  private readonly landings: UnverifiedLandings;
  private readonly services: WorkerServiceFactory;
  private readonly tasks = new Map<string, Promise<void>>();
  private readonly phases: PhaseFlow;
  private readonly baseWatch: BaseWatch;
  /** Per phase: its gates running, or its red check waiting on a human. */
  private readonly phaseTasks = new Map<string, Promise<void>>();
  private stopReason: "interrupted" | "waiting_on_human" | null = null;

  constructor(dependencies: SupervisorDependencies) {
    const context = new RunContext(dependencies);
    this.context = context;
    dependencies.onRecorder?.(async (type, workstream, data) => {
      await context.record(type, workstream, data as never);
    });
    const landings = new UnverifiedLandings(context, () => escalations);
    const escalations = new EscalationFlow(context, landings);
    this.landings = landings;
    this.escalations = escalations;
    // The monitor reads the run through these and returns decisions; `Monitoring` applies them.
    this.monitor = new StallMonitor({
      clock: dependencies.clock,
      playbooks: dependencies.playbooks,
      base: dependencies.plan.base,
      checkouts: dependencies.checkouts,
      forge: dependencies.forge,
      workstreamState: (id) => context.workstreamState(id),
      playbookAttempts: (id) => playbookAttempts(context.workstreamState(id)),
      definitionOfDone,
    });
    this.monitoring = new Monitoring(context, this.monitor, this.escalations);
    this.phases = new PhaseFlow(context);
    this.baseWatch = new BaseWatch(context);
    this.verifier = new ClaimVerifier(context, this.monitoring, landings);
    this.services = new WorkerServiceFactory({
      run: context,
      monitor: this.monitoring,
      escalations: this.escalations,
      verifier: this.verifier,
      baseWatch: this.baseWatch,
    });
    dependencies.signal.addEventListener("abort", () => this.stop("interrupted"), { once: true });
    if (dependencies.signal.aborted) this.stop("interrupted");
  }

  private get dependencies(): SupervisorDependencies {
    return this.context.dependencies;
  }

  async run(): Promise<RunOutcome> {
    const { plan, runId, options } = this.dependencies;
    if (this.context.state.runId === null) {
      await this.context.record("run.started", null, {
        run: runId,
        plan: plan.file,
        workstreams: plan.workstreams.map((workstream) => workstream.id),
        only: options.only ? [...options.only] : null,
        concurrency: options.concurrency,
        sandbox: this.dependencies.sandboxFacts ?? plan.sandbox,
        forge: plan.forge.kind,
        repo: plan.repo,
        ...(plan.phases.length > 0
          ? {
              phases: plan.phases.map((phase) => ({
                name: phase.name,
                workstreams: phase.workstreams,
                gates: phase.gates.map((gate) => gate.name),
              })),
            }
          : {}),
      });
    } else {
      await this.context.record("run.resumed", null, { run: runId });
      await this.closeWorkersOfCrashedRun();
      this.baseWatch.resume();
    }

    try {
      await this.schedule();
    } catch (error) {
      // Stop every worker before the error leaves: nothing may keep working in a checkout.
      this.stop("interrupted");
      await Promise.allSettled([...this.tasks.values(), ...this.phaseTasks.values()]);
      if (!(error instanceof JournalWriteError)) {
        await this.context
          .record("run.stopped", null, {
            reason: "error",
            error: errorMessage(error),
          })
          .catch(() => {});
      }
      throw error;
    }
    return this.outcome();
  }

  private async schedule(): Promise<void> {
    const { plan, options } = this.dependencies;
    const stopSignal = this.context.stopSignal;
    while (!stopSignal.aborted) {
      const decision = decideSchedule(plan, this.statesForScheduling(), options, this.context.state.phases);
      for (const blocked of decision.block) {
        await this.context.record("workstream.blocked", blocked.workstream, { reason: blocked.reason });
        await this.verifier.writeBundleFor(blocked.workstream);
      }
      for (const id of decision.start) this.startTask(id);
      for (const phase of decision.checkPhases) this.startPhaseTask(phase);
      // A red phase check journaled before a crash still waits on its human.
      for (const phase of this.context.state.phases.values()) {
        if (phase.status === "failed") this.startPhaseTask(phase.name);
      }
      // Workstreams caught mid-flight by a crash are driven again as soon as the run resumes.
      for (const workstream of plan.workstreams) {
        const status = this.context.statusOf(workstream.id);
        if (
          isSelected(workstream.id, options) &&
          !this.tasks.has(workstream.id) &&
          (status === "running" || status === "verifying" || status === "escalated")
        ) {
          this.startTask(workstream.id);
        }
      }
      const baseDecisions = this.baseWatch.decisionTasks();
      if (this.tasks.size === 0 && this.phaseTasks.size === 0 && baseDecisions.length === 0) {
        if (decision.block.length > 0) continue;
        break;
      }
      if (
        options.noWait &&
        decision.start.length === 0 &&
        decision.checkPhases.length === 0 &&
        (await this.onlyHumansLeft())
      ) {
        this.stop("waiting_on_human");
        break;
      }
      await Promise.race([
        ...this.tasks.values(),
        ...this.phaseTasks.values(),
        ...baseDecisions,
        this.context.woken,
        abortPromise(stopSignal),
      ]);
    }
  }

  private async outcome(): Promise<RunOutcome> {
    const { plan, options } = this.dependencies;
    const state = this.context.state;
    if (this.stopReason !== null) {
      await Promise.allSettled([
        ...this.tasks.values(),
        ...this.phaseTasks.values(),
        ...this.baseWatch.decisionTasks(),
      ]);
      const pending = [
        ...[...state.workstreams.values()]
          .filter((workstream) => workstream.pendingEscalation !== null)
          .map((workstream) => workstream.pendingEscalation!.id),
        ...this.phases.pendingEscalations(),
        ...this.baseWatch.pendingEscalations(),
      ];
      await this.context.record("run.stopped", null, {
        reason: this.stopReason,
        pending_escalations: pending,
      });
      return { kind: "stopped", state, reason: this.stopReason };
    }
    const statusOf = (id: string) => this.context.statusOf(id);
    const allTerminal = plan.workstreams.every((workstream) => terminalStatuses.has(statusOf(workstream.id)));
    const verdicts = Object.fromEntries(
      plan.workstreams.map((workstream) => [workstream.id, statusOf(workstream.id)]),
    );
    if (!allTerminal) {
      await this.context.record("run.stopped", null, { reason: "only", verdicts });
      const selectedAccepted = plan.workstreams
        .filter((workstream) => isSelected(workstream.id, options))
        .every((workstream) => statusOf(workstream.id) === "accepted");
      return selectedAccepted
        ? { kind: "stopped", state, reason: "only" }
        : { kind: "finished", state, allAccepted: false };
    }
    await this.context.record("run.finished", null, { verdicts });
    // A phase whose gates a human denied (the last one's, which holds no later workstream) fails the run too.
    const phasesThrough = plan.phases.every(
      (phase) =>
        phase.gates.length === 0 || isPhaseOpenToNext(state.phases.get(phase.name)?.status ?? "pending"),
    );
    const allAccepted =
      phasesThrough && plan.workstreams.every((workstream) => statusOf(workstream.id) === "accepted");
    return { kind: "finished", state, allAccepted };
  }

  private stop(reason: "interrupted" | "waiting_on_human"): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.context.stopController.abort(reason);
    for (const controller of this.context.workerControllers.values()) controller.abort(reason);
  }

  /**
   * Every workstream still in flight waits on a human who has not answered yet (a decision may
   * already be on disk from while no supervisor ran), so nothing more can happen without one.
   */
  private async onlyHumansLeft(): Promise<boolean> {
    const waits: string[] = [];
    for (const id of this.tasks.keys()) {
      const pending = this.context.workstreamState(id).pendingEscalation;
      if (pending === null) return false;
      waits.push(pending.id);
    }
    for (const name of this.phaseTasks.keys()) {
      const phase = this.context.state.phases.get(name);
      if (phase?.status !== "failed" || phase.escalation === null) return false;
      waits.push(phase.escalation);
    }
    const baseHold = this.baseWatch.pendingEscalations();
    if (this.baseWatch.decisionTasks().length > 0) {
      if (baseHold.length === 0) return false;
      waits.push(...baseHold);
    }
    if (waits.length === 0) return false;
    for (const escalation of waits) {
      const record = await this.dependencies.escalations.read(escalation);
      if (record?.status !== "pending") return false;
    }
    return true;
  }

  /**
   * A task starts before its `workstream.started` event is durable; until then the scheduler must
   * already count it as running, or it would start the same workstream twice.
   */
  private statesForScheduling(): Map<string, WorkstreamState> {
    const view = new Map(this.context.state.workstreams);
    for (const id of this.tasks.keys()) {
      const state = view.get(id);
      if (state?.status === "pending") view.set(id, { ...state, status: "running" });
    }
    return view;
  }

  /** Workers that were running when the previous supervisor died were killed before this run began. */
  private async closeWorkersOfCrashedRun(): Promise<void> {
    for (const workstream of this.context.state.workstreams.values()) {
      for (const attempt of [...workstream.liveWorkerAttempts]) {
        await this.context.record("worker.exited", workstream.id, {
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
        const reason = `internal error: ${errorMessage(error)}`;
        if (!terminalStatuses.has(this.context.statusOf(id)) && !this.context.stopSignal.aborted) {
          await this.context.record("workstream.aborted", id, { reason });
          await this.verifier.writeBundleFor(id);
        }
      })
      .finally(() => this.tasks.delete(id));
    this.tasks.set(id, task);
  }

  private startPhaseTask(phase: string): void {
    if (this.phaseTasks.has(phase)) return;
    const task = this.phases.drive(phase).finally(() => this.phaseTasks.delete(phase));
    this.phaseTasks.set(phase, task);
  }

  private async ensureCheckout(id: string, branch: string) {
    const { forge, plan, checkouts } = this.dependencies;
    // A workstream that waited for others (its dependencies, or the phases before its own) starts
    // from the base with their merges, as it is now.
    const workstream = this.context.workstreamOf(id);
    const waitedForOthers =
      workstream.dependsOn.length > 0 ||
      (workstream.phase !== undefined && plan.phases[0]?.name !== workstream.phase);
    const startFrom = waitedForOthers
      ? () =>
          forge.fetchBase({
            intoRepository: checkouts.mirrorPath,
            base: plan.base,
            ref: `refs/supervise-start/${id}`,
          })
      : undefined;
    const checkout = await checkouts
      .ensureCheckout(
        { id, branch },
        { ...(startFrom ? { startFrom } : {}), signal: this.context.stopSignal },
      )
      .catch(async (error: unknown) => {
        if (error instanceof CheckoutUnavailableError) {
          await this.context.record("workstream.blocked", id, { reason: error.message });
          return null;
        }
        const code = osErrorCode(error);
        if (!code || !["ENOTDIR", "EEXIST", "EACCES", "EROFS", "ENOSPC", "EISDIR"].includes(code))
          throw error;
        throw new StateError(`Cannot make the checkout of ${id} in the state dir: ${errorMessage(error)}.`, {
          hint: "Something else occupies that path, or the disk is full or read-only; fix it and run the same command again to resume.",
          cause: error,
        });
      });
    if (checkout === null) return null;
    if (this.context.workstreamState(id).checkoutPath !== checkout.path) {
      await this.context.record("checkout.created", id, {
        path: checkout.path,
        branch: checkout.branch,
        base_sha: checkout.baseSha,
      });
    }
    return checkout;
  }

  private async driveWorkstream(id: string): Promise<void> {
    const run = this.context;
    const workstream = run.workstreamOf(id);
    const signal = run.stopSignal;
    if (run.statusOf(id) === "pending") await run.record("workstream.started", id, { goal: workstream.goal });
    const checkout = await this.ensureCheckout(id, workstream.branch);
    if (checkout === null) {
      await this.verifier.writeBundleFor(id);
      return;
    }

    if (run.statusOf(id) === "verifying") {
      if (!this.verifier.isVerifying(id)) {
        // The supervisor died while verifying: the observations are repeated, never assumed.
        const claim = run.workstreamState(id).claims.at(-1);
        await run.record("claim.reverifying", id, { claim: claim?.id ?? null });
      }
      // Its worker was stopped while the verdict was out: the one verification in flight decides.
      await this.verifier.verifyLastClaim(workstream, checkout.path);
    }

    // A decision journaled just before a crash may not have been applied (an abort, more budget).
    await this.escalations.applyDecisionEffect(id);
    // A claim rejected over an unverified landing just before a crash has yet to ask its human.
    await this.landings.escalate(workstream);

    if (run.statusOf(id) === "escalated") {
      // The worker that asked died with the previous supervisor; the decision goes to the next start.
      const decided = await this.escalations.awaitDecision(id);
      if (!decided) return;
    }

    let lastExit: WorkerExit | null = null;
    // Playbook guidance or a human's answer, carried into the next start's prompt.
    let intervention = "";
    while (!signal.aborted && run.statusOf(id) === "running") {
      if (await this.monitoring.handleSpentBudget(workstream)) continue;
      const state = run.workstreamState(id);
      const attempt = state.attempt + 1;
      // A human who let a stalled workstream go on (or granted more budget) granted another start too.
      const maxAttempts = 1 + workstream.stall.max_restarts + state.extraStartsGranted;
      if (attempt > maxAttempts) {
        await run.record("workstream.blocked", id, {
          reason: `the worker stopped ${state.attempt} times without an accepted claim (limit ${maxAttempts})`,
        });
        break;
      }
      const stopped = await this.startWorker(workstream, checkout.path, {
        attempt,
        maxAttempts,
        lastExit,
        intervention,
      });
      lastExit = stopped.exit;
      intervention = stopped.nextIntervention ?? "";
    }
    await this.verifier.writeBundleFor(id);
  }

  /** One start of the worker, watched by the monitor; returns how it ended and what the next start carries. */
  private async startWorker(
    planned: Workstream,
    checkoutPath: string,
    start: { attempt: number; maxAttempts: number; lastExit: WorkerExit | null; intervention: string },
  ): Promise<{ exit: WorkerExit; nextIntervention: string | null }> {
    const { attempt, maxAttempts, lastExit, intervention } = start;
    const run = this.context;
    const id = planned.id;
    const state = run.workstreamState(id);
    // The worker gets what is left of the budget (every extension a human granted, less what
    // earlier starts spent): a model worker stops itself before the call that would overspend,
    // after running the tool calls of its last turn, instead of being cut off mid-turn.
    const workstream = { ...planned, budget: remainingBudget(planned.budget, state) };
    const launcher = this.dependencies.workerLauncherFor(workstream);
    const prompt = workerPrompt({
      plan: this.dependencies.plan,
      workstream,
      state,
      attempt,
      maxAttempts,
      toolUsage: launcher.toolUsagePrompt,
      lastExit,
      intervention,
    });
    const controller = new AbortController();
    const onRunAbort = () => controller.abort();
    run.stopSignal.addEventListener("abort", onRunAbort, { once: true });
    run.workerControllers.set(id, controller);
    await run.record("worker.started", id, { attempt, provider: workstream.agent.provider });
    const claimsBefore = state.claims.length;
    const idleWatch = this.monitor.watchForIdle(workstream, checkoutPath);
    void idleWatch.restart.then(() => controller.abort("idle"));
    let exit: WorkerExit;
    try {
      exit = await launcher.start({
        workstream,
        attempt,
        prompt,
        checkoutPath,
        services: this.services.servicesFor(planned, checkoutPath, controller),
        signal: controller.signal,
        timeoutMs: remainingBudgetMs(planned.budget, state, this.dependencies.clock.now()),
        onActivity: idleWatch.onActivity,
        onUsage: async (usage) => {
          await this.recordUsage(id, attempt, usage);
          await this.monitoring.checkBudget(planned);
          await this.monitoring.watchForProgress(planned, checkoutPath, usage.turns);
        },
      });
    } finally {
      idleWatch.stop();
      run.stopSignal.removeEventListener("abort", onRunAbort);
      run.workerControllers.delete(id);
    }
    if (idleWatch.wasIdle())
      exit = { ...exit, description: `stopped after ${planned.stall.idle_seconds} s without activity` };
    await run.record("worker.exited", id, {
      attempt,
      exit_code: exit.exitCode,
      signal: exit.signal,
      description: exit.description,
      duration_ms: exit.durationMs,
    });
    // A start that ended on a spent budget goes to a human (the loop's next turn), not to a playbook.
    const stoppedForBudget = this.monitor.exhaustedBudget(planned) !== null;
    if (run.stopSignal.aborted || run.statusOf(id) !== "running" || stoppedForBudget) {
      return { exit, nextIntervention: null };
    }
    const madeClaim = run.workstreamState(id).claims.length > claimsBefore;
    const nextIntervention = await this.monitoring.afterWorkerStopped(planned, exit, {
      wasIdle: idleWatch.wasIdle(),
      madeClaim,
    });
    return { exit, nextIntervention };
  }

  private async recordUsage(id: string, attempt: number, usage: TurnUsage): Promise<void> {
    await this.context.record("worker.usage", id, { attempt, model: usage.model, ...usageRecordOf(usage) });
  }
}

function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}
