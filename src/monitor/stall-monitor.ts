/**
 * The monitor: watches running workers for the signals of a stall (idle, repeat, no progress, CI
 * red, budget) and decides what follows one — a playbook handed to the worker, or, once the
 * playbooks are spent, an escalation. Every signal is journaled with its evidence before anything
 * is done about it, and every check is deterministic given the journal, the checkout and the clock.
 */
import { renderPrompt } from "../agent/prompt-templates.ts";
import type { WorkerExit } from "../agent/worker.ts";
import type { Workstream } from "../plan/schema.ts";
import type { EscalationFlow } from "../run/escalation-flow.ts";
import type { RunContext } from "../run/run-context.ts";
import { definitionOfDone } from "../run/worker-prompt.ts";
import { playbookAttempts } from "../run/workstream-state.ts";
import type { CommandResult } from "../sandbox/run-command.ts";
import { type BudgetLine, budgetLines, describeBudgetLine, remainingBudgetMs } from "./budget.ts";
import { errorSignature } from "./error-signature.ts";
import { renderPlaybook, type SignalKind } from "./playbook.ts";
import { choosePlaybook, type Signal } from "./playbook-matcher.ts";

/** Where an intervention's text reaches the worker. */
export type Delivery = "tool_result" | "restart_prompt";

/** Ten model turns of reading and thinking without any change to the checkout is a stall. */
const turnsWithoutProgressLimit = 10;

export class StallMonitor {
  private readonly run: RunContext;
  private readonly escalations: EscalationFlow;
  /** Per workstream: the checkout's last fingerprint and how many model turns it has not changed. */
  private readonly progress = new Map<string, { fingerprint: string; turnsWithoutChange: number }>();
  /** Per workstream: since when CI has been red on the same head, and whether that was signalled. */
  private readonly ciRedSince = new Map<string, { sha: string; sinceMs: number; isSignalled: boolean }>();
  /** Recent failing bash commands per workstream, for the repeat signal. */
  private readonly commandHistory = new Map<string, string[]>();
  /** Per workstream: one error signature and the distinct checkouts it failed in. */
  private readonly survivingErrors = new Map<
    string,
    { signature: string; commands: Set<string>; fingerprints: string[] }
  >();

  constructor(run: RunContext, escalations: EscalationFlow) {
    this.run = run;
    this.escalations = escalations;
  }

  /**
   * Idle: no output, tool call or model turn for `idle_seconds`, and no change in the checkout
   * (a CLI agent may work silently: `claude -p` prints at the end). A long command that prints is
   * not idle. On idle the worker is stopped; the restart carries the idle playbook.
   */
  watchForIdle(workstream: Workstream, controller: AbortController, checkoutPath: string) {
    const clock = this.run.dependencies.clock;
    const idleMs = workstream.stall.idle_seconds * 1000;
    let lastActivityMs = clock.now();
    let isIdle = false;
    let isProbing = false;
    // The checkout is looked at only once the worker has been quiet for half the idle time (a
    // baseline), then again at the idle time: a busy worker costs no git process at all.
    let baseline: string | null = null;
    const probe = (action: (fingerprint: string | null) => void) => {
      isProbing = true;
      void this.run
        .checkoutFingerprint(checkoutPath)
        .catch(() => null)
        .then((fingerprint) => {
          isProbing = false;
          if (!isIdle) action(fingerprint);
        });
    };
    const timer = setInterval(
      () => {
        if (isIdle || isProbing) return;
        const status = this.run.statusOf(workstream.id);
        if (status === "escalated" || status === "verifying") {
          // Waiting on a human or on the verdict of its claim is not the worker idling.
          lastActivityMs = clock.now();
          baseline = null;
          return;
        }
        const quietMs = clock.now() - lastActivityMs;
        if (baseline === null && quietMs >= idleMs / 2) {
          probe((fingerprint) => {
            baseline = fingerprint;
          });
        } else if (baseline !== null && quietMs >= idleMs) {
          probe((fingerprint) => {
            if (fingerprint !== baseline) {
              // A silent CLI agent that keeps editing (`claude -p` prints at the end) is working.
              baseline = fingerprint;
              lastActivityMs = clock.now();
              return;
            }
            if (clock.now() - lastActivityMs < idleMs) return;
            isIdle = true;
            controller.abort("idle");
          });
        }
      },
      Math.max(10, Math.min(5_000, idleMs / 4)),
    );
    timer.unref();
    return {
      onActivity: () => {
        lastActivityMs = clock.now();
        baseline = null;
      },
      wasIdle: () => isIdle,
      stop: () => clearInterval(timer),
    };
  }

  /**
   * Repeat, two ways: the same command failing the same way `repeat_limit` times in a row
   * (numbers ignored, so timings and pids do not hide a loop), or the same error signature
   * surviving `repeat_limit` different states of the checkout (edits that do not touch the cause).
   */
  async watchForRepeats(
    workstream: Workstream,
    checkoutPath: string,
    command: string,
    result: CommandResult,
  ) {
    const id = workstream.id;
    const limit = workstream.stall.repeat_limit;
    const history = this.commandHistory.get(id) ?? [];
    if (result.exitCode === 0) {
      this.commandHistory.set(id, []);
      const surviving = this.survivingErrors.get(id);
      // Only the command that showed the error can show it is gone; `git commit` passing proves nothing.
      if (surviving?.commands.has(command)) this.survivingErrors.delete(id);
      return;
    }
    const signature = `${command}\u0000${result.exitCode}\u0000${result.output.replace(/\d+/g, "0").slice(-4000)}`;
    if (history.at(-1) !== signature) history.length = 0;
    history.push(signature);
    this.commandHistory.set(id, history);
    if (history.length >= limit) {
      history.length = 0;
      this.survivingErrors.delete(id);
      const evidence = `\`${command}\` failed the same way ${limit} times in a row (exit ${result.exitCode}):\n${result.output.slice(-1500)}`;
      await this.interveneNow(workstream, "repeat", evidence);
      return;
    }
    await this.watchForSurvivingError(workstream, checkoutPath, command, result);
  }

  private async watchForSurvivingError(
    workstream: Workstream,
    checkoutPath: string,
    command: string,
    result: CommandResult,
  ): Promise<void> {
    const id = workstream.id;
    const signature = errorSignature(result.output);
    if (signature === "") return;
    let surviving = this.survivingErrors.get(id);
    if (!surviving || surviving.signature !== signature) {
      surviving = { signature, commands: new Set(), fingerprints: [] };
      this.survivingErrors.set(id, surviving);
    }
    surviving.commands.add(command);
    const fingerprint = await this.run.checkoutFingerprint(checkoutPath).catch(() => null);
    if (fingerprint === null || surviving.fingerprints.includes(fingerprint)) return;
    surviving.fingerprints.push(fingerprint);
    if (surviving.fingerprints.length < workstream.stall.repeat_limit) return;
    this.survivingErrors.delete(id);
    const evidence = `The same error survived ${surviving.fingerprints.length} different states of the checkout: the edits are not reaching its cause. Last seen from \`${command}\` (exit ${result.exitCode}):\n${signature.slice(0, 1500)}`;
    await this.interveneNow(workstream, "repeat", evidence);
  }

  /** No progress: model turns without any change to the checkout (HEAD, or what is modified). */
  async watchForProgress(workstream: Workstream, checkoutPath: string, turns: number): Promise<void> {
    if (turns === 0) return;
    const fingerprint = await this.run.checkoutFingerprint(checkoutPath);
    const previous = this.progress.get(workstream.id);
    if (!previous || previous.fingerprint !== fingerprint) {
      this.progress.set(workstream.id, { fingerprint, turnsWithoutChange: 0 });
      return;
    }
    previous.turnsWithoutChange += turns;
    if (previous.turnsWithoutChange < turnsWithoutProgressLimit) return;
    previous.turnsWithoutChange = 0;
    const [head = "", ...rest] = fingerprint.split("\n");
    const evidence = `${turnsWithoutProgressLimit} model turns without any change to the checkout (HEAD ${head.slice(0, 12)}${rest.some((line) => line.length > 0) ? ", with uncommitted changes" : ""}).`;
    await this.interveneNow(workstream, "no_progress", evidence);
  }

  /** CI red on the same PR head for `ci_red_minutes`: a stall; the CI playbooks get the failing checks. */
  async watchCiRed(workstream: Workstream, observation: { sha: string; state: string; summary: string }) {
    const id = workstream.id;
    if (observation.state !== "failure") {
      this.ciRedSince.delete(id);
      return;
    }
    const nowMs = this.run.dependencies.clock.now();
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
    if (text) this.run.queueToolMessage(id, text);
  }

  /** The first budget line spent, if any: the time budget, tokens, dollars or turns. */
  exhaustedBudget(workstream: Workstream): BudgetLine | null {
    const state = this.run.workstreamState(workstream.id);
    const nowMs = this.run.dependencies.clock.now();
    const lines = budgetLines(workstream.budget, state, nowMs);
    if (remainingBudgetMs(workstream.budget, state, nowMs) <= 0) return lines[0]!;
    return lines.find((line) => line.used >= line.limit) ?? null;
  }

  /**
   * 80 % of any budget: a warning playbook for the running worker. All of it ends the start on its
   * own (a model worker stops before the call that would overspend; a command worker's time runs
   * out); the run then journals the signal and asks a human for more (see `handleSpentBudget`).
   */
  async checkBudget(workstream: Workstream): Promise<void> {
    const id = workstream.id;
    const state = this.run.workstreamState(id);
    if (state.status !== "running" && state.status !== "verifying") return;
    if (this.exhaustedBudget(workstream)) return;
    const lines = budgetLines(workstream.budget, state, this.run.dependencies.clock.now());
    const nearly = lines.find((line) => line.used >= 0.8 * line.limit);
    const warnedSinceExtension = state.signals.some(
      (signal) =>
        signal.signal === "budget_warning" &&
        (!state.budgetExtendedAt || signal.ts >= state.budgetExtendedAt),
    );
    if (!nearly || warnedSinceExtension) return;
    const percent = (line: BudgetLine) => Math.round((100 * line.used) / line.limit);
    const evidence = [
      `${describeBudgetLine(nearly)} spent (${percent(nearly)} %).`,
      ...lines.map((line) => `- ${describeBudgetLine(line)} (${percent(line)} %)`),
    ].join("\n");
    await this.interveneNow(workstream, "budget_warning", evidence);
  }

  /**
   * A spent budget never drops the workstream silently: the signal is journaled with what was
   * spent, and a human decides (more budget, or abort). Returns once decided or the run stops.
   */
  async handleSpentBudget(workstream: Workstream, spent: BudgetLine): Promise<void> {
    const description = describeBudgetLine(spent);
    await this.run.record("signal.detected", workstream.id, {
      signal: "budget_exhausted",
      summary: `budget exhausted: ${description}`,
      failing_gates: [],
    });
    await this.escalations.escalateBudget(workstream, description);
  }

  /** A worker stopped without an accepted claim: name the signal, pick the playbook for the restart. */
  async afterWorkerStopped(workstream: Workstream, exit: WorkerExit, wasIdle: boolean, madeClaim: boolean) {
    const id = workstream.id;
    let kind: SignalKind = "stopped_without_claim";
    let evidence = `the worker ${exit.description}${exit.outputTail ? `; its last output:\n${exit.outputTail.slice(-1500)}` : ""}`;
    if (wasIdle) {
      kind = "idle";
    } else if (exit.blockedReason === "spend_limit") {
      evidence = `the model API failed: ${exit.description}`;
      const signal: Signal = { kind: "model_blocked", failingGates: [], logText: evidence, evidence };
      await this.run.record("signal.detected", id, {
        signal: signal.kind,
        summary: evidence.slice(0, 300),
        failing_gates: [],
      });
      const text = await this.escalations.escalateStall(workstream, null, signal);
      if (text) this.run.pendingRestartInterventions.set(id, text);
      return;
    } else if (exit.blockedReason) {
      // The model is unreachable or refused: the playbook retries once, then a human decides.
      kind = "model_blocked";
      evidence = `the model ${exit.blockedReason === "refusal" ? "refused" : "API failed"}: ${exit.description}`;
    } else {
      const { forge, plan } = this.run.dependencies;
      const pullRequest = await forge
        .findPullRequest({ head: workstream.branch, base: plan.base })
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
    if (text) this.run.pendingRestartInterventions.set(id, text);
  }

  /**
   * The monitor's one path: journal the signal, pick a playbook, journal the intervention and
   * return its text; when the matching playbooks are spent and say so, escalate to a human.
   */
  async intervene(workstream: Workstream, signal: Signal, delivery: Delivery): Promise<string | null> {
    const id = workstream.id;
    const { plan, playbooks } = this.run.dependencies;
    await this.run.record("signal.detected", id, {
      signal: signal.kind,
      summary: signal.evidence.split("\n")[0]!.slice(0, 300),
      failing_gates: signal.failingGates,
    });
    const choice = choosePlaybook(signal, playbooks, playbookAttempts(this.run.workstreamState(id)));
    if (choice.kind === "intervene") {
      const text = renderPlaybook(choice.playbook, {
        workstream: id,
        goal: workstream.goal,
        signal: signal.kind,
        evidence: signal.evidence,
        gates: definitionOfDone(workstream),
        attempt: choice.attempt,
        max_attempts: choice.playbook.maxAttempts,
        base: plan.base,
        branch: workstream.branch,
      });
      await this.run.record("intervention.applied", id, {
        playbook: choice.playbook.id,
        signal: signal.kind,
        delivery,
        attempt: choice.attempt,
        max_attempts: choice.playbook.maxAttempts,
      });
      return renderPrompt("intervention", { title: choice.playbook.title, guidance: text });
    }
    if (choice.kind === "exhausted") {
      await this.run.record("playbook.exhausted", id, { playbook: choice.playbook.id, signal: signal.kind });
      if (choice.playbook.onExhausted === "escalate" && this.run.statusOf(id) === "running") {
        return this.escalations.escalateStall(workstream, choice.playbook.title, signal);
      }
    }
    return null;
  }

  /** A signal seen while the worker runs: its playbook text arrives with the worker's next tool result. */
  private async interveneNow(workstream: Workstream, kind: SignalKind, evidence: string): Promise<void> {
    const text = await this.intervene(
      workstream,
      { kind, failingGates: [], logText: evidence, evidence },
      "tool_result",
    );
    if (text) this.run.queueToolMessage(workstream.id, text);
  }
}
