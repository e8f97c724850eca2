/**
 * A phase's gates, from the integrated base to a human's decision: once every workstream of the
 * phase is accepted, the forge's base (their merges included) is fetched into the supervisor's
 * mirror and the gates run on it. Green: journaled, and never run again, even on resume. Red:
 * journaled with its evidence and escalated to a human at once; approve starts the next phase
 * (the phase recorded as waived), deny blocks the later phases, and a reply runs the gates again
 * on the base as it is then (a human who fixed the base says so by replying).
 */
import { errorMessage } from "../errors.ts";
import { observePhaseGates, type PhaseGateObservation } from "../evidence/index.ts";
import type { EscalationRecord } from "../monitor/index.ts";
import type { Phase } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { escalationNotice } from "./escalation-notice.ts";
import type { RunContext } from "./run-context.ts";

export class PhaseFlow {
  private readonly run: RunContext;

  constructor(run: RunContext) {
    this.run = run;
  }

  /** Runs the phase's gates if they are due, or waits on the decision of its red check; returns when it is settled or the run stops. */
  async drive(phaseName: string): Promise<void> {
    const phase = this.phaseOf(phaseName);
    const state = this.run.state.phases.get(phaseName);
    if (state?.status === "failed" && state.escalation !== null) {
      await this.awaitDecision(phase, state.escalation);
      return;
    }
    if (state !== undefined && state.status !== "pending") return;
    const checks = state?.checks ?? 0;
    const { forge, plan, checkouts, gateServices } = this.run.dependencies;
    let baseSha: string;
    let gates: PhaseGateObservation[];
    try {
      baseSha = await forge.fetchBase({
        intoRepository: checkouts.mirrorPath,
        base: plan.base,
        ref: `refs/supervise-phase/${phase.name}`,
      });
    } catch (error) {
      // The base could not be read: the phase cannot be judged, and a human hears why.
      const detail = `the base ${plan.base} could not be fetched from the forge: ${errorMessage(error)}`;
      baseSha = "";
      gates = phase.gates.map((gate, index) =>
        index === 0
          ? { gate: gate.name, status: "error", detail }
          : {
              gate: gate.name,
              status: "skipped",
              detail: `not run: an earlier gate failed (${phase.gates[0]!.name})`,
            },
      );
      await this.recordFailure(phase, baseSha, gates, checks);
      return;
    }
    gates = await observePhaseGates({
      phase: phase.name,
      gates: phase.gates.map((gate) => ({
        name: gate.name,
        run: gate.run,
        timeoutMs: gate.timeoutMinutes * 60_000,
      })),
      baseSha,
      repository: checkouts.mirrorPath,
      dependenciesFrom: plan.repo,
      runner: gateServices.runner,
      environment: gateServices.environment,
      runDirectory: gateServices.runDirectory,
      logLabel: `check-${checks + 1}`,
      ...(gateServices.signal ? { signal: gateServices.signal } : {}),
    });
    // A check cut short by the run stopping says nothing about the base: the resumed run runs it again.
    if (this.run.stopSignal.aborted) return;
    if (gates.every((gate) => gate.status === "pass")) {
      await this.run.record("phase.passed", null, { phase: phase.name, base_sha: baseSha, gates });
      this.run.wakeLoop();
      return;
    }
    await this.recordFailure(phase, baseSha, gates, checks);
  }

  /** The escalations of phases still waiting on a human. */
  pendingEscalations(): string[] {
    return [...this.run.state.phases.values()].flatMap((phase) =>
      phase.status === "failed" && phase.escalation !== null ? [phase.escalation] : [],
    );
  }

  private async recordFailure(
    phase: Phase,
    baseSha: string,
    gates: PhaseGateObservation[],
    checks: number,
  ): Promise<void> {
    const escalation = `phase-${phase.name}-${checks + 1}`;
    await this.run.record("phase.failed", null, { phase: phase.name, base_sha: baseSha, gates, escalation });
    await this.awaitDecision(phase, escalation);
  }

  /**
   * Opens the escalation (again, on resume: opening is idempotent and keeps a decision made
   * meanwhile) and waits for a human; journals the decision.
   */
  private async awaitDecision(phase: Phase, escalation: string): Promise<void> {
    const { escalations, redact } = this.run.dependencies;
    const question = redact(this.question(phase));
    const record = await escalations.open({
      id: escalation,
      workstream: `phase ${phase.name}`,
      question,
      source: "phase",
      context: {
        signals: [],
        evidence: question,
        diffstat: "",
        options: {
          approve: "the later phases start; this phase is recorded as waived by you",
          deny: "the later phases are blocked",
          reply: "the phase's gates run again on the base as it is then",
        },
      },
    });
    if (record.status === "pending") this.notify(phase, escalation, question);
    // Only now is there a pending escalation on disk for --no-wait to find.
    this.run.wakeLoop();
    let decided: EscalationRecord;
    try {
      decided = await escalations.waitForDecision(escalation, this.run.stopSignal);
    } catch (error) {
      if (this.run.stopSignal.aborted) return;
      throw error;
    }
    const decision = decided.decision;
    await this.run.record("phase.decided", null, {
      phase: phase.name,
      escalation,
      decision: decision?.kind ?? "deny",
      decided_by: decision?.decided_by ?? null,
      note: decision?.note ?? null,
      text: decision?.text ?? null,
    });
    this.run.wakeLoop();
  }

  private question(phase: Phase): string {
    const state = this.run.state.phases.get(phase.name)!;
    const failed = state.gates.find((gate) => gate.status === "fail" || gate.status === "error")!;
    const order = this.run.dependencies.plan.phases.map((candidate) => candidate.name);
    const later = order.slice(order.indexOf(phase.name) + 1);
    return renderPrompt("phase-gate-escalation", {
      phase: phase.name,
      gate: failed.gate,
      workstreams: phase.workstreams.join(", ") || "none",
      base_sha: state.baseSha || "(not fetched)",
      command: failed.command?.command ?? "(none ran)",
      detail: failed.detail,
      excerpt: failed.command?.excerpt ?? "",
      log: failed.command ? `${this.run.dependencies.runDirectory}/${failed.command.log}` : "(none)",
      later_phases: later.join(", ") || "none",
    });
  }

  private phaseOf(name: string): Phase {
    const phase = this.run.dependencies.plan.phases.find((candidate) => candidate.name === name);
    if (!phase) throw new Error(`unknown phase ${name}`);
    return phase;
  }

  /** Fire and forget, as for a workstream's escalation: the run never waits on a webhook. */
  private notify(phase: Phase, escalation: string, question: string): void {
    const notify = this.run.dependencies.notifyEscalation;
    if (!notify) return;
    const { runId } = this.run.dependencies;
    void notify(escalationNotice({ runId, workstream: `phase ${phase.name}`, escalation, question })).catch(
      () => {},
    );
  }
}
