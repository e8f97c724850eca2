/**
 * `base_green`: after every landing the supervisor looks at the base's CI at its new tip itself.
 * A red base is journaled with the landings since it was last green and escalated to a human at
 * once; until the human decides, or the base is seen green again, no merge goes through. approve
 * lets merges resume, deny keeps them held for the rest of the run, and a reply observes the base
 * again (a human who fixed the base says so by replying).
 */
import { settleWithin } from "../forge/index.ts";
import type { EscalationRecord } from "../monitor/index.ts";
import type { Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { type BaseHold, type BaseObservation, landingsSinceGreen } from "./base-state.ts";
import { escalationNotice } from "./escalation-notice.ts";
import type { RunContext } from "./run-context.ts";

/** How long the observation a human's reply asks for waits for CI still running on the base. */
const replyObservationWaitMs = 60_000;

export class BaseWatch {
  private readonly run: RunContext;
  /** One wait per escalation, however many ask. */
  private readonly decisionWaits = new Map<string, Promise<void>>();

  constructor(run: RunContext) {
    this.run = run;
  }

  /** Who waits for merges to open again. */
  private readonly mergeWaiters = new Set<() => void>();

  /** Merges wait while this is not null. */
  hold(): BaseHold | null {
    return this.run.state.base.hold;
  }

  /**
   * Resolves once merges may go through: at once without a hold; else when a human approves or
   * the base is seen green. `held` when a human denied, `stopped` when the run stops first.
   */
  async whenMergesOpen(): Promise<"open" | "held" | "stopped"> {
    for (;;) {
      const hold = this.hold();
      if (!hold) return "open";
      if (hold.isDenied) return "held";
      if (this.run.stopSignal.aborted) return "stopped";
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.mergeWaiters.delete(wake);
          this.run.stopSignal.removeEventListener("abort", wake);
          resolve();
        };
        this.mergeWaiters.add(wake);
        this.run.stopSignal.addEventListener("abort", wake, { once: true });
      });
    }
  }

  private wakeMergeWaiters(): void {
    for (const wake of [...this.mergeWaiters]) wake();
  }

  /**
   * Observes the base's CI at the commit `workstream`'s landing made (not the tip read again: one
   * request less per landing on GitHub, and the commit this landing answers for); a red base is
   * escalated without waiting.
   */
  async afterLanding(
    workstream: Workstream,
    landing: { pullRequest: number; commit: string; baseSha: string },
    ciWaitMs: number,
  ): Promise<BaseObservation> {
    const landed = { workstream: workstream.id, pull_request: landing.pullRequest, commit: landing.commit };
    return this.observe(landed, landing.baseSha, ciWaitMs, [
      ...landingsSinceGreen(this.run.state.base),
      landed,
    ]);
  }

  /** Reads CI at `baseSha`, journals it as the base after `landed`, and escalates a red base. */
  private async observe(
    landed: BaseObservation["landings_since_green"][number],
    baseSha: string,
    ciWaitMs: number,
    landings: BaseObservation["landings_since_green"],
  ): Promise<BaseObservation> {
    const status = await settleWithin(this.run.dependencies.forge, baseSha, ciWaitMs);
    const failing = status.checks.find(
      (check) => check.conclusion !== null && !["success", "neutral", "skipped"].includes(check.conclusion),
    );
    const check = failing ?? status.checks[0];
    const escalation =
      status.state === "failure" ? `base-red-${this.run.state.base.redCount + 1}` : undefined;
    const data = {
      landed_by: landed.workstream,
      pull_request: landed.pull_request,
      landed_commit: landed.commit,
      base_sha: baseSha,
      state: status.state,
      details: check?.detailsUrl ?? null,
      summary: check?.summary ? this.run.dependencies.redact(check.summary.slice(-1500)) : null,
      landings_since_green: landings,
      ...(escalation ? { escalation } : {}),
    };
    await this.run.record("base.observed", null, data);
    if (escalation) this.watchDecision(escalation);
    return { ts: "", ...data };
  }

  /** On resume: a hold still waiting on a human is waited on again. */
  resume(): void {
    const hold = this.hold();
    if (hold && !hold.isDenied) this.watchDecision(hold.escalation);
  }

  /** The wait on a red base's decision, while one runs: the run does not end before it. */
  decisionTasks(): Promise<void>[] {
    return [...this.decisionWaits.values()];
  }

  pendingEscalations(): string[] {
    const hold = this.hold();
    return hold && !hold.isDenied ? [hold.escalation] : [];
  }

  private watchDecision(escalation: string): void {
    if (this.decisionWaits.has(escalation)) return;
    const wait = this.awaitDecision(escalation)
      .catch(() => {}) // the run stopping ends the wait; the hold stays in the journal for resume
      .finally(() => this.decisionWaits.delete(escalation));
    this.decisionWaits.set(escalation, wait);
  }

  private async awaitDecision(escalation: string): Promise<void> {
    const hold = this.hold();
    if (!hold) return;
    const { escalations, redact, plan } = this.run.dependencies;
    const question = redact(
      renderPrompt("base-red-escalation", {
        base: plan.base,
        base_sha: hold.baseSha.slice(0, 12),
        landings: hold.landings
          .map(
            (landing) =>
              `- ${landing.workstream}: #${landing.pull_request} as ${landing.commit.slice(0, 12)}`,
          )
          .join("\n"),
        details: this.run.state.base.observations.at(-1)?.details ?? "(none)",
        summary: this.run.state.base.observations.at(-1)?.summary ?? "",
      }),
    );
    const record = await escalations.open({
      id: escalation,
      workstream: `base ${plan.base}`,
      question,
      source: "base",
      context: {
        signals: [],
        evidence: question,
        diffstat: "",
        options: {
          approve: "merges resume on the base as it is",
          deny: "merges stay held for the rest of the run",
          reply: "the base's CI is observed again; green lets merges resume",
        },
      },
    });
    if (record.status === "pending") this.notify(escalation, question);
    this.run.wakeLoop();
    const decided: EscalationRecord = await escalations.waitForDecision(escalation, this.run.stopSignal);
    const decision = decided.decision;
    await this.run.record("base.decided", null, {
      escalation,
      decision: decision?.kind ?? "deny",
      decided_by: decision?.decided_by ?? null,
      note: decision?.note ?? null,
      text: decision?.text ?? null,
    });
    if (decision?.kind === "reply") await this.observeAgain();
    this.wakeMergeWaiters();
    this.run.wakeLoop();
  }

  /** After a reply: green lifts the hold; still red keeps it, under a new escalation. */
  private async observeAgain(): Promise<void> {
    const { forge, plan } = this.run.dependencies;
    const last = this.run.state.base.observations.at(-1);
    if (!last) return;
    const landed = {
      workstream: last.landed_by,
      pull_request: last.pull_request,
      commit: last.landed_commit,
    };
    const baseSha = await forge.baseSha(plan.base);
    await this.observe(landed, baseSha, replyObservationWaitMs, landingsSinceGreen(this.run.state.base));
  }

  /** Fire and forget, as for a workstream's escalation: the run never waits on a webhook. */
  private notify(escalation: string, question: string): void {
    const notify = this.run.dependencies.notifyEscalation;
    if (!notify) return;
    const { runId, plan } = this.run.dependencies;
    void notify(escalationNotice({ runId, workstream: `base ${plan.base}`, escalation, question })).catch(
      () => {},
    );
  }
}
