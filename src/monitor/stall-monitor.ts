/**
 * The monitor: watches running workers for the signals of a stall (idle, repeat, no progress, CI
 * red, budget, a worker stopped without an accepted claim) and decides what follows one. It reads
 * what the run passes it and returns a `MonitorDecision`; the run journals and applies it. The
 * signals are judged by the pure functions of `stall-signals.ts`; this class only observes (the
 * checkout, the pull request, the clock) and remembers between observations.
 */
import type { WorkerExit } from "../agent/index.ts";
import type { Clock } from "../clock.ts";
import type { Forge } from "../forge/index.ts";
import type { Workstream } from "../plan/index.ts";
import type { WorkstreamState } from "../run/index.ts";
import type { CommandResult } from "../sandbox/index.ts";
import { type BudgetLine, describeBudgetLine, exhaustedBudget } from "./budget.ts";
import { errorSignature } from "./error-signature.ts";
import {
  type Delivery,
  decideOnSignal,
  lastOutputLines,
  type MonitorDecision,
  type SignalMonitorDecision,
} from "./monitor-decision.ts";
import type { Playbook } from "./playbook.ts";
import type { Signal } from "./playbook-matcher.ts";
import {
  type CiRedMemory,
  checkoutFingerprint,
  type DetectedSignal,
  type IdleMemory,
  judgeBudgetWarning,
  judgeCiRed,
  judgeErrorGone,
  judgeIdleCheckout,
  judgeIdleTick,
  judgeProgress,
  judgeRepeatedFailure,
  judgeStoppedWorker,
  judgeSurvivingError,
  needsPullRequest,
  type ProgressMemory,
  type SurvivingError,
} from "./stall-signals.ts";

/** A worker that stops sooner than this after its start has not really begun to work. */
const quickStopMs = 30_000;

/** What the monitor reads, passed in by the run; it never writes any of it. */
export interface MonitorInputs {
  clock: Clock;
  playbooks: readonly Playbook[];
  /** The plan's base branch: where pull requests go, and what playbooks name. */
  base: string;
  checkouts: {
    readCheckout(path: string): Promise<{ head: string; uncommittedChanges: string[] }>;
    diffStat(path: string, baseSha: string): Promise<string>;
  };
  forge: Pick<Forge, "findPullRequest">;
  /** A workstream's state as folded from the journal. */
  workstreamState(id: string): Readonly<WorkstreamState>;
  /** How many times each playbook was applied to a workstream, from its journaled interventions. */
  playbookAttempts(id: string): ReadonlyMap<string, number>;
  /** A workstream's definition of done as the worker's prompt explains it; playbooks quote it. */
  definitionOfDone(workstream: Workstream): string;
  /** Calls `tick` every `intervalMs` until the returned function is called; tests tick by hand. */
  every?(intervalMs: number, tick: () => Promise<void>): () => void;
}

/** A running worker's idle watch: the run reports activity and applies `restart` when it resolves. */
export interface IdleWatch {
  onActivity(): void;
  wasIdle(): boolean;
  /** Resolves once the worker is idle: stop it, and the next start carries the idle playbook. */
  restart: Promise<Extract<MonitorDecision, { kind: "restart" }>>;
  stop(): void;
}

function everyInterval(intervalMs: number, tick: () => Promise<void>): () => void {
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export class StallMonitor {
  private readonly inputs: MonitorInputs;
  /** Per workstream: the checkout's last fingerprint and how many model turns it has not changed. */
  private readonly progress = new Map<string, ProgressMemory>();
  /** Per workstream: since when CI has been red on the same head, and whether that was signalled. */
  private readonly ciRedSince = new Map<string, CiRedMemory>();
  /** Per workstream: the failing bash commands in a row, for the repeat signal. */
  private readonly commandHistory = new Map<string, string[]>();
  /** Per workstream: one error signature and the distinct checkouts it failed in. */
  private readonly survivingErrors = new Map<string, SurvivingError>();
  /** Per workstream: its model turns when its worker last stopped, to tell an attempt that used the model. */
  private readonly turnsAtLastStop = new Map<string, number>();

  constructor(inputs: MonitorInputs) {
    this.inputs = inputs;
  }

  /**
   * Idle: no output, tool call or model turn for `idle_seconds`, and no change in the checkout
   * (a CLI agent may work silently: `claude -p` prints at the end). A long command that prints is
   * not idle.
   */
  watchForIdle(workstream: Workstream, checkoutPath: string): IdleWatch {
    const { clock } = this.inputs;
    const idleMs = workstream.stall.idle_seconds * 1000;
    const restart = Promise.withResolvers<Extract<MonitorDecision, { kind: "restart" }>>();
    let memory: IdleMemory = { lastActivityMs: clock.now(), baseline: null };
    let isIdle = false;
    let isProbing = false;
    const fingerprint = async () => {
      isProbing = true;
      try {
        return await this.fingerprint(checkoutPath).catch(() => null);
      } finally {
        isProbing = false;
      }
    };
    const tick = async () => {
      if (isIdle || isProbing) return;
      const status = this.inputs.workstreamState(workstream.id).status;
      const step = judgeIdleTick(memory, { status, nowMs: clock.now(), idleMs });
      if (step === "reset") memory = { lastActivityMs: clock.now(), baseline: null };
      if (step === "take_baseline") {
        const baseline = await fingerprint();
        if (!isIdle) memory = { ...memory, baseline };
      }
      if (step === "compare_baseline") {
        const observed = await fingerprint();
        if (isIdle) return;
        const judged = judgeIdleCheckout(memory, { fingerprint: observed, nowMs: clock.now(), idleMs });
        memory = judged.memory;
        if (!judged.isIdle) return;
        isIdle = true;
        restart.resolve({ kind: "restart", reason: "idle" });
      }
    };
    const stop = (this.inputs.every ?? everyInterval)(Math.max(10, Math.min(5_000, idleMs / 4)), tick);
    return {
      onActivity: () => {
        memory = { lastActivityMs: clock.now(), baseline: null };
      },
      wasIdle: () => isIdle,
      restart: restart.promise,
      stop,
    };
  }

  /** A bash command's result: the repeat signals, two ways (see `stall-signals.ts`). */
  async afterCommand(
    workstream: Workstream,
    checkoutPath: string,
    command: string,
    result: CommandResult,
  ): Promise<SignalMonitorDecision | null> {
    const id = workstream.id;
    const limit = workstream.stall.repeat_limit;
    const outcome = { command, exitCode: result.exitCode, output: result.output };
    const repeated = judgeRepeatedFailure(this.commandHistory.get(id) ?? [], outcome, limit);
    this.commandHistory.set(id, repeated.history);
    if (result.exitCode === 0) {
      this.remember(this.survivingErrors, id, judgeErrorGone(this.survivingErrors.get(id) ?? null, command));
      return null;
    }
    if (repeated.signal) {
      this.survivingErrors.delete(id);
      return this.decideOn(workstream, repeated.signal, "tool_result");
    }
    const signature = errorSignature(result.output);
    if (signature === "") return null;
    const fingerprint = await this.fingerprint(checkoutPath).catch(() => null);
    const surviving = judgeSurvivingError(
      this.survivingErrors.get(id) ?? null,
      { command, exitCode: result.exitCode, signature, fingerprint },
      limit,
    );
    this.remember(this.survivingErrors, id, surviving.surviving);
    return surviving.signal ? this.decideOn(workstream, surviving.signal, "tool_result") : null;
  }

  /** Model turns taken: the no-progress signal. */
  async afterTurns(
    workstream: Workstream,
    checkoutPath: string,
    turns: number,
  ): Promise<SignalMonitorDecision | null> {
    if (turns === 0) return null;
    const fingerprint = await this.fingerprint(checkoutPath);
    const judged = judgeProgress(this.progress.get(workstream.id) ?? null, fingerprint, turns);
    this.progress.set(workstream.id, judged.progress);
    return judged.signal ? this.decideOn(workstream, judged.signal, "tool_result") : null;
  }

  /** The PR head's CI state, as a forge tool observed it: the CI playbooks get the failing checks. */
  afterCiObserved(
    workstream: Workstream,
    observation: { sha: string; state: string; summary: string },
  ): SignalMonitorDecision | null {
    const id = workstream.id;
    const nowMs = this.inputs.clock.now();
    const judged = judgeCiRed(
      this.ciRedSince.get(id) ?? null,
      observation,
      nowMs,
      workstream.stall.ci_red_minutes,
    );
    this.remember(this.ciRedSince, id, judged.red);
    if (!judged.signal) return null;
    return this.decide(
      workstream,
      { ...this.asSignal(judged.signal), failingGates: ["ci_green"] },
      "tool_result",
    );
  }

  /** The first budget line spent, if any: the time budget, tokens, dollars or turns. */
  exhaustedBudget(workstream: Workstream): BudgetLine | null {
    const state = this.inputs.workstreamState(workstream.id);
    return exhaustedBudget(workstream.budget, state, this.inputs.clock.now());
  }

  /**
   * 80 % of any budget: a warning playbook for the running worker. All of it ends the start on its
   * own (a model worker stops before the call that would overspend; a command worker's time runs
   * out); the run then asks `spentBudget` what follows.
   */
  budgetWarning(workstream: Workstream): SignalMonitorDecision | null {
    const state = this.inputs.workstreamState(workstream.id);
    const signal = judgeBudgetWarning(workstream.budget, state, this.inputs.clock.now());
    return signal ? this.decideOn(workstream, signal, "tool_result") : null;
  }

  /** A spent budget never drops the workstream silently: a human decides (more budget, or abort). */
  spentBudget(workstream: Workstream): SignalMonitorDecision | null {
    const spent = this.exhaustedBudget(workstream);
    if (!spent) return null;
    const description = describeBudgetLine(spent);
    const evidence = `budget exhausted: ${description}`;
    return {
      kind: "escalate",
      signal: { kind: "budget_exhausted", failingGates: [], logText: evidence, evidence },
      summary: evidence,
      delivery: "restart_prompt",
      escalation: { source: "budget", spent: description },
      exhausted: null,
    };
  }

  /** A worker stopped without an accepted claim: name the signal, pick the playbook for the restart. */
  async afterWorkerStopped(
    workstream: Workstream,
    exit: WorkerExit,
    observed: { wasIdle: boolean; madeClaim: boolean },
  ): Promise<SignalMonitorDecision | null> {
    const pullRequest = needsPullRequest(exit, observed.wasIdle)
      ? await this.inputs.forge
          .findPullRequest({ head: workstream.branch, base: this.inputs.base })
          .catch(() => null)
      : null;
    const detected = judgeStoppedWorker(exit, { ...observed, pullRequest });
    if (!detected) return null;
    if (this.cannotStart(workstream, exit, detected)) {
      const evidence = `the worker cannot start: it stopped again after ${Math.round(exit.durationMs / 1000)} s with the same last output as the previous start, so a restart will not help (an agent that cannot authenticate, a command missing in the sandbox); ${detected.evidence}`;
      return {
        kind: "escalate",
        signal: this.asSignal({ ...detected, evidence }),
        summary: `the worker cannot start: ${lastOutputLines(this.asSignal(detected), 1).trim()}`.slice(
          0,
          300,
        ),
        delivery: "restart_prompt",
        escalation: { source: "monitor", playbookTitle: null },
        exhausted: null,
      };
    }
    if (!detected.canRestartHelp) {
      // No playbook is tried where none could help: a human decides at once.
      return {
        kind: "escalate",
        signal: this.asSignal(detected),
        summary: detected.evidence.slice(0, 300),
        delivery: "restart_prompt",
        escalation: { source: "monitor", playbookTitle: null },
        exhausted: null,
      };
    }
    return this.decideOn(workstream, detected, "restart_prompt");
  }

  /**
   * A worker that stops quickly, twice in a row, with the same last output (as journaled with the
   * previous stop) is not stalling but unable to start: restarting it blind would only spend the
   * restarts, so a human is asked at once, with that output.
   */
  private cannotStart(workstream: Workstream, exit: WorkerExit, detected: DetectedSignal): boolean {
    // A worker that talked to its model started: an agent that answers and stops is stalling, not broken.
    const turns = this.inputs.workstreamState(workstream.id).turns;
    const turnsBefore = this.turnsAtLastStop.get(workstream.id);
    this.turnsAtLastStop.set(workstream.id, turns);
    if (turnsBefore === undefined ? turns > 0 : turns > turnsBefore) return false;
    if (detected.kind !== "stopped_without_claim" || exit.durationMs > quickStopMs) return false;
    const output = lastOutputLines(this.asSignal(detected), 20);
    if (output === "") return false;
    const previous = this.inputs.workstreamState(workstream.id).signals.at(-1);
    return previous?.signal === "stopped_without_claim" && previous.last_output === output;
  }

  /** What follows a signal: its playbook, or once the playbooks are spent, a human. */
  decide(workstream: Workstream, signal: Signal, delivery: Delivery): SignalMonitorDecision {
    return decideOnSignal(
      signal,
      this.inputs.playbooks,
      {
        workstream,
        base: this.inputs.base,
        gates: this.inputs.definitionOfDone(workstream),
        attemptsUsed: this.inputs.playbookAttempts(workstream.id),
      },
      delivery,
    );
  }

  private decideOn(workstream: Workstream, detected: DetectedSignal, delivery: Delivery) {
    return this.decide(workstream, this.asSignal(detected), delivery);
  }

  private asSignal(detected: DetectedSignal): Signal {
    return { kind: detected.kind, failingGates: [], logText: detected.evidence, evidence: detected.evidence };
  }

  /** What the checkout looks like (HEAD, modified paths, diffstat): equal fingerprints mean no change. */
  private async fingerprint(checkoutPath: string): Promise<string> {
    const { checkouts } = this.inputs;
    const { head, uncommittedChanges } = await checkouts.readCheckout(checkoutPath);
    const diffStat = await checkouts.diffStat(checkoutPath, head).catch(() => "");
    return checkoutFingerprint({ head, uncommittedChanges, diffStat });
  }

  private remember<T>(memory: Map<string, T>, id: string, value: T | null): void {
    if (value === null) memory.delete(id);
    else memory.set(id, value);
  }
}
