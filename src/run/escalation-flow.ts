/**
 * Escalations, from opening to decision: a worker's `ask_human`, a stall the playbooks could not
 * move, a spent budget. Opening one writes `escalations/<id>.json`, journals it, tells the humans
 * (terminal, webhook, the PR) and parks the workstream; the decision is journaled with who made it
 * and applied here, whether it arrives while this supervisor runs or while none did.
 */

import type { ToolResult } from "../agent/index.ts";
import { errorMessage } from "../errors.ts";
import type { EscalationContext, EscalationRecord, Signal } from "../monitor/index.ts";
import type { Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { escalationNotice } from "./escalation-notice.ts";
import type { RunContext } from "./run-context.ts";
import { describeFailures } from "./worker-prompt.ts";
import type { DecisionEffect } from "./workstream-state.ts";

/** Why a workstream's escalation was opened; the decision means something different for each. */
export type EscalationSource = Exclude<EscalationRecord["source"], "phase" | "base">;

/** What a decision on an unverified landing does, applied by the part that owns landings. */
export interface LandingDecisions {
  applyLandingDecision(
    workstreamId: string,
    effect: Extract<DecisionEffect, "keep_landing" | "revert_landing" | "leave_landing">,
    escalation: string,
    /** The decided escalation as its file holds it; null when the file is gone. */
    decided: EscalationRecord | null,
  ): Promise<void>;
}

export class EscalationFlow {
  private readonly run: RunContext;
  private readonly landings: LandingDecisions;
  /** Per escalation: the one wait for its decision, shared by everyone waiting on it. */
  private readonly decisionWaits = new Map<string, Promise<EscalationRecord | null>>();

  constructor(run: RunContext, landings: LandingDecisions) {
    this.run = run;
    this.landings = landings;
  }

  /** Opens an escalation for a worker's question and blocks until a human decides it. */
  async askHuman(workstream: Workstream, question: string): Promise<ToolResult> {
    const id = workstream.id;
    if (this.run.statusOf(id) !== "running") {
      return {
        isError: true,
        text: `Workstream ${id} is ${this.run.statusOf(id)}; it cannot ask a human now.`,
      };
    }
    const redactedQuestion = this.run.dependencies.redact(question);
    await this.open(workstream, "worker", redactedQuestion, "the worker asked this itself", {
      approve: "the answer is yes; the worker continues",
      deny: "the answer is no; the worker continues and must do without",
      reply: "your text is the answer the worker reads",
    });
    const decided = await this.awaitDecision(id);
    if (!decided)
      return {
        isError: true,
        text: "The supervisor stopped while waiting for the human; you will be restarted with the answer.",
      };
    if (this.run.statusOf(id) === "accepted") {
      return {
        isError: false,
        text: renderPrompt("accepted-with-waiver", { answer: this.decisionText(decided) }),
      };
    }
    return { isError: false, text: this.decisionText(decided) };
  }

  /**
   * The playbooks for a stall are spent: a human decides. Returns the text the worker reads when
   * it may go on, or null when it may not (denied, or the run stopped first).
   */
  async escalateStall(
    workstream: Workstream,
    playbookTitle: string | null,
    signal: Signal,
  ): Promise<string | null> {
    const id = workstream.id;
    const evidence = this.run.dependencies.redact(signal.evidence.slice(0, 2000));
    // No playbook is tried where none could help: a spend limit is lifted by a human, not a
    // restart, and neither is an agent that cannot start.
    const question =
      playbookTitle === null
        ? signal.kind === "model_blocked"
          ? renderPrompt("spend-limit-escalation", { workstream: id, evidence })
          : renderPrompt("unhelped-stall-escalation", { workstream: id, signal: signal.kind, evidence })
        : renderPrompt("monitor-escalation", {
            workstream: id,
            signal: signal.kind,
            playbook: playbookTitle,
            evidence,
          });
    await this.open(workstream, "monitor", question, signal.evidence, {
      approve: "the worker is started again and continues",
      deny: "the workstream is aborted",
      reply: "the worker is started again with your text as guidance",
    });
    const decided = await this.awaitDecision(id);
    if (!decided) return null;
    const status = this.run.statusOf(id);
    // Denied: aborted, nothing to say. Approved with a waiver: accepted, and the worker is told so.
    if (status !== "running" && status !== "accepted") return null;
    return this.decisionText(decided);
  }

  /**
   * A budget is spent: the worker has been stopped and a human decides whether to grant the
   * plan's budget once more. Never a silent drop: the reason is in the escalation and the status.
   */
  async escalateBudget(workstream: Workstream, spent: string): Promise<void> {
    const question = renderPrompt("budget-escalation", {
      workstream: workstream.id,
      spent,
      budget: Object.entries(workstream.budget)
        .map(([name, limit]) => `${limit} ${name}`)
        .join(", "),
    });
    await this.open(workstream, "budget", question, `budget exhausted: ${spent}`, {
      approve: "the plan's budget is granted once more and the worker is started again",
      deny: "the workstream is aborted",
      reply: "the budget is granted once more and the worker is started again with your text as guidance",
    });
    await this.awaitDecision(workstream.id);
  }

  /**
   * A rejected claim's change is on the base already: a human decides at once whether it stays.
   * Opened without waiting: the worker is done either way, and the run waits on the decision as
   * it does for any escalated workstream.
   */
  async escalateLanding(
    workstream: Workstream,
    question: string,
    options: EscalationContext["options"],
  ): Promise<string> {
    return this.open(workstream, "landing", question, question, options);
  }

  /** The id the workstream's next escalation will have. */
  nextEscalationId(workstreamId: string): string {
    return `${workstreamId}-${this.run.workstreamState(workstreamId).escalationCount + 1}`;
  }

  /**
   * Waits for the pending escalation's decision, records it and applies it; null when the run
   * stops first. Everyone waiting on the same escalation (the worker's `ask_human` still in flight
   * and the restarted task of a worker that was stopped meanwhile) shares one wait, so a decision
   * is journaled once.
   */
  awaitDecision(id: string): Promise<EscalationRecord | null> {
    const pending = this.run.workstreamState(id).pendingEscalation;
    if (!pending) return Promise.resolve(null);
    let wait = this.decisionWaits.get(pending.id);
    if (!wait) {
      wait = this.waitAndApply(id, pending.id).finally(() => this.decisionWaits.delete(pending.id));
      this.decisionWaits.set(pending.id, wait);
    }
    return wait;
  }

  private async waitAndApply(id: string, escalationId: string): Promise<EscalationRecord | null> {
    let decided: EscalationRecord;
    try {
      decided = await this.run.dependencies.escalations.waitForDecision(escalationId, this.run.stopSignal);
    } catch (error) {
      if (this.run.stopSignal.aborted) return null;
      throw error;
    }
    const decision = decided.decision;
    await this.run.record("escalation.decided", id, {
      escalation: decided.id,
      decided_by: decision?.decided_by ?? null,
      decision: decision?.kind ?? decided.status,
      note: decision?.note ?? null,
      text: decision?.text ?? null,
      waive: decision?.waive ?? [],
    });
    await this.applyDecisionEffect(id);
    const waive = decision?.kind === "approve" ? (decision.waive ?? []) : [];
    if (waive.length > 0 && this.run.statusOf(id) === "running") {
      await this.acceptWithWaiver(id, waive, {
        escalation: decided.id,
        decidedBy: decision?.decided_by ?? null,
        note: decision?.note ?? null,
      });
    }
    return decided;
  }

  /**
   * What a decision on a supervisor's escalation does to the workstream: a denial aborts it, a
   * budget granted again is journaled. Also run on resume, for a crash between the two events.
   */
  async applyDecisionEffect(id: string): Promise<void> {
    const state = this.run.workstreamState(id);
    const pending = state.decisionEffectPending;
    if (!pending || this.run.statusOf(id) !== "running") return;
    const record = state.escalations.find((escalation) => escalation.id === pending.escalation);
    if (
      pending.effect === "keep_landing" ||
      pending.effect === "revert_landing" ||
      pending.effect === "leave_landing"
    ) {
      const decided = await this.run.dependencies.escalations.read(pending.escalation);
      await this.landings.applyLandingDecision(id, pending.effect, pending.escalation, decided);
      return;
    }
    if (pending.effect === "extend_budget") {
      await this.run.record("budget.extended", id, { escalation: pending.escalation });
      return;
    }
    const who = (await this.run.dependencies.escalations.read(pending.escalation))?.decision?.decided_by;
    await this.run.record("workstream.aborted", id, {
      reason: `${who ?? "a human"} denied ${record?.source === "budget" ? "more budget" : "continuing"} (escalation ${pending.escalation})${record?.note ? `: ${record.note}` : ""}`,
    });
  }

  /** What the worker reads of a decision. */
  decisionText(record: EscalationRecord): string {
    const verbs = { approve: "approved", deny: "denied", reply: "replied" } as const;
    return renderPrompt("human-decision", {
      escalation: record.id,
      question: record.question,
      decision: record.decision ? verbs[record.decision.kind] : record.status,
      note: record.decision?.note ?? "",
      reply: record.decision?.text ?? "",
    });
  }

  private async open(
    workstream: Workstream,
    source: EscalationSource,
    question: string,
    evidence: string,
    options: EscalationContext["options"],
  ): Promise<string> {
    const id = workstream.id;
    const escalationId = this.nextEscalationId(id);
    await this.run.dependencies.escalations.open({
      id: escalationId,
      workstream: id,
      question,
      source,
      context: await this.escalationContext(workstream, evidence, options),
    });
    await this.run.record("escalation.opened", id, { escalation: escalationId, question, source });
    this.run.wakeLoop();
    this.notify(id, escalationId, question);
    return escalationId;
  }

  /**
   * An approval that waives gates: the last claim's failed gates the human named become `waived`
   * (never `pass`), and if nothing else failed the claim is accepted as it stands.
   */
  async acceptWithWaiver(
    id: string,
    waive: readonly string[],
    decided: { escalation: string; decidedBy: string | null; note: string | null },
  ): Promise<void> {
    const claim = this.run.workstreamState(id).claims.at(-1);
    if (claim?.verdict !== "rejected") return;
    const who = decided.decidedBy ?? "a human";
    for (const gate of claim.gates) {
      if (!waive.includes(gate.gate) || (gate.status !== "fail" && gate.status !== "error")) continue;
      await this.run.record("gate.waived", id, {
        claim: claim.id,
        gate: gate.gate,
        detail: `waived by ${who} (escalation ${decided.escalation})${decided.note ? `: ${decided.note}` : ""}; observed: ${gate.detail}`,
        observed: gate.observed,
      });
    }
    const stillFailing = claim.gates.filter((gate) => gate.status === "fail" || gate.status === "error");
    if (stillFailing.length === 0 && this.run.statusOf(id) === "running") {
      await this.run.record("claim.accepted_with_waiver", id, {
        claim: claim.id,
        commit: claim.commit,
        waived: claim.gates.filter((gate) => gate.status === "waived").map((gate) => gate.gate),
        decided_by: who,
        escalation: decided.escalation,
      });
      await this.run.record("workstream.accepted", id, {
        claim: claim.id,
        commit: claim.commit,
        waived: true,
      });
      // The worker may still be reading the answer; it gets the same grace as after an accepted claim.
      setTimeout(
        () => this.run.workerControllers.get(id)?.abort("accepted with a waiver"),
        this.run.dependencies.exitGraceMs ?? 5_000,
      ).unref();
    }
  }

  /** Where reviewers already look (a forge with PR comments, and a PR open): the question and how to answer it. */
  private async commentEscalationOnPullRequest(
    workstream: string,
    escalation: string,
    question: string,
  ): Promise<void> {
    const { forge, plan, redact } = this.run.dependencies;
    if (!forge.commentOnPullRequest) return;
    try {
      const pullRequest = await forge.findPullRequest({
        head: this.run.workstreamOf(workstream).branch,
        base: plan.base,
      });
      if (!pullRequest) return;
      const comment = await forge.commentOnPullRequest({
        number: pullRequest.number,
        marker: `<!-- supervise:escalation:${escalation} -->`,
        body: redact(renderPrompt("escalation-comment", { escalation, workstream, question })),
      });
      await this.run.record("comment.posted", workstream, {
        pr: pullRequest.number,
        url: comment.url,
        action: comment.action,
        escalation,
      });
    } catch (error) {
      await this.run
        .record("comment.failed", workstream, {
          escalation,
          error: errorMessage(error),
        })
        .catch(() => {});
    }
  }

  /** Fire and forget: the run never waits on a webhook; how it went is journaled. */
  private notify(workstream: string, escalation: string, question: string): void {
    void this.commentEscalationOnPullRequest(workstream, escalation, question);
    const notify = this.run.dependencies.notifyEscalation;
    if (!notify) return;
    const notice = escalationNotice({ runId: this.run.dependencies.runId, workstream, escalation, question });
    void notify(notice)
      .then((result) =>
        this.run.record(result.isDelivered ? "notification.delivered" : "notification.failed", workstream, {
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
    options: EscalationContext["options"],
  ): Promise<EscalationContext> {
    const state = this.run.workstreamState(workstream.id);
    let diffstat = "";
    if (state.checkoutPath && state.baseSha) {
      diffstat = await this.run.dependencies.checkouts
        .diffStat(state.checkoutPath, state.baseSha)
        .catch((error: unknown) => `(no diffstat: ${errorMessage(error)})`);
    }
    const lastClaim = state.claims.at(-1);
    const lastEvidence = lastClaim?.verdict === "rejected" ? describeFailures(lastClaim.gates) : evidence;
    return {
      signals: state.signals.map((signal) => `${signal.ts} ${signal.signal}: ${signal.summary}`),
      evidence: this.run.dependencies.redact(lastEvidence.slice(0, 4000)),
      diffstat,
      options,
    };
  }
}
