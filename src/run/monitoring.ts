/**
 * The run's side of the monitor: it hands the monitor what the run observes and applies what the
 * monitor decides. Applying is journal first (the signal, then the intervention or the spent
 * playbook), then the effect: a human asked, or the text delivered to the worker.
 */
import type { WorkerExit } from "../agent/index.ts";
import {
  type Delivery,
  lastOutputLines,
  type Signal,
  type SignalMonitorDecision,
  type StallMonitor,
} from "../monitor/index.ts";
import type { Workstream } from "../plan/index.ts";
import type { CommandResult } from "../sandbox/index.ts";
import type { EscalationFlow } from "./escalation-flow.ts";
import type { RunContext } from "./run-context.ts";

export class Monitoring {
  private readonly run: RunContext;
  private readonly monitor: StallMonitor;
  private readonly escalations: EscalationFlow;

  constructor(run: RunContext, monitor: StallMonitor, escalations: EscalationFlow) {
    this.run = run;
    this.monitor = monitor;
    this.escalations = escalations;
  }

  /** After each bash command: the repeat signals; a playbook rides on the next tool result. */
  async watchForRepeats(
    workstream: Workstream,
    checkoutPath: string,
    command: string,
    result: CommandResult,
  ) {
    const decision = await this.monitor.afterCommand(workstream, checkoutPath, command, result);
    await this.applyNow(workstream, decision);
  }

  /** After model turns: the no-progress signal. */
  async watchForProgress(workstream: Workstream, checkoutPath: string, turns: number): Promise<void> {
    await this.applyNow(workstream, await this.monitor.afterTurns(workstream, checkoutPath, turns));
  }

  async watchCiRed(workstream: Workstream, observation: { sha: string; state: string; summary: string }) {
    await this.applyNow(workstream, this.monitor.afterCiObserved(workstream, observation));
  }

  async checkBudget(workstream: Workstream): Promise<void> {
    await this.applyNow(workstream, this.monitor.budgetWarning(workstream));
  }

  /** A spent budget goes to a human; returns once decided or the run stops. False when none is spent. */
  async handleSpentBudget(workstream: Workstream): Promise<boolean> {
    const decision = this.monitor.spentBudget(workstream);
    if (!decision) return false;
    await this.apply(workstream, decision);
    return true;
  }

  /** The playbook (or the human's answer) the next start of a stopped worker carries, if any. */
  async afterWorkerStopped(
    workstream: Workstream,
    exit: WorkerExit,
    observed: { wasIdle: boolean; madeClaim: boolean },
  ): Promise<string | null> {
    const decision = await this.monitor.afterWorkerStopped(workstream, exit, observed);
    return decision ? this.apply(workstream, decision) : null;
  }

  /**
   * A signal no playbook or restart can help (a gate the sandbox cannot run): a human is asked at
   * once. Returns the human's answer for the worker when it may go on, else null.
   */
  escalateNow(workstream: Workstream, signal: Signal): Promise<string | null> {
    return this.apply(workstream, {
      kind: "escalate",
      signal,
      summary: signal.evidence.split("\n")[0]!.slice(0, 300),
      delivery: "tool_result",
      escalation: { source: "monitor", playbookTitle: null },
      exhausted: null,
    });
  }

  /** A signal the run found itself (a rejected claim): the text for the worker, delivered by the caller. */
  intervene(workstream: Workstream, signal: Signal, delivery: Delivery): Promise<string | null> {
    return this.apply(workstream, this.monitor.decide(workstream, signal, delivery));
  }

  /** A signal seen while the worker runs: the text arrives with the worker's next tool result. */
  private async applyNow(workstream: Workstream, decision: SignalMonitorDecision | null): Promise<void> {
    if (!decision) return;
    const text = await this.apply(workstream, decision);
    if (text) this.run.queueToolMessage(workstream.id, text);
  }

  /**
   * Journals the signal and what follows it, asks a human when the monitor says so, and returns
   * the text for the worker: the playbook, or the human's answer when it may go on.
   */
  private async apply(workstream: Workstream, decision: SignalMonitorDecision): Promise<string | null> {
    const id = workstream.id;
    const { signal } = decision;
    const lastOutput = lastOutputLines(signal, 20);
    await this.run.record("signal.detected", id, {
      signal: signal.kind,
      summary: decision.summary,
      failing_gates: signal.failingGates,
      ...(lastOutput ? { last_output: this.run.dependencies.redact(lastOutput) } : {}),
    });
    if (decision.kind === "intervene") {
      await this.run.record("intervention.applied", id, {
        playbook: decision.playbook.id,
        signal: signal.kind,
        delivery: decision.delivery,
        attempt: decision.attempt,
        max_attempts: decision.playbook.maxAttempts,
      });
      return decision.text;
    }
    if (decision.exhausted) {
      await this.run.record("playbook.exhausted", id, {
        playbook: decision.exhausted.id,
        signal: signal.kind,
      });
    }
    if (decision.kind === "record") return null;
    const { escalation } = decision;
    if (escalation.source === "budget") {
      await this.escalations.escalateBudget(workstream, escalation.spent);
      return null;
    }
    // A spent playbook asks only while the workstream runs (a verdict may have come meanwhile).
    if (decision.exhausted && this.run.statusOf(id) !== "running") return null;
    return this.escalations.escalateStall(workstream, escalation.playbookTitle, signal);
  }
}
