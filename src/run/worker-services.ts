/**
 * The tools' view of the run, for one worker start: what `bash`, the forge tools, `ask_human` and
 * `claim_done` do on the supervisor's side. The worker holds no credential and no state; every
 * effect goes through here, is journaled, and feeds the monitor.
 */
import type { WorkerServices } from "../agent/index.ts";
import { checkoutGatesOf, ciWaitMsFor, verifyClaim } from "../evidence/index.ts";
import type { Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import type { RunningCommand } from "../sandbox/index.ts";
import { WorkerCommitLimitError } from "../workspace/index.ts";
import type { BaseWatch } from "./base-watch.ts";
import type { ClaimVerifier } from "./claim-verifier.ts";
import type { EscalationFlow } from "./escalation-flow.ts";
import {
  ciStatusAction,
  closeIssueAction,
  type ForgeActionContext,
  foreignCommitsRefusal,
  mergePullRequestAction,
  openPullRequestAction,
  pushAction,
} from "./forge-actions.ts";
import type { Monitoring } from "./monitoring.ts";
import type { RunContext } from "./run-context.ts";
import { isLandingUndecided, terminalStatuses } from "./workstream-state.ts";

export interface WorkerServiceParts {
  run: RunContext;
  monitor: Monitoring;
  escalations: EscalationFlow;
  verifier: ClaimVerifier;
  baseWatch: BaseWatch;
}

export class WorkerServiceFactory {
  private readonly parts: WorkerServiceParts;
  /** Workstreams with a claim being verified: one verification at a time. */
  private readonly verifying = new Set<string>();
  /** Per workstream, the bash tool's commands still running: paused while a claim is verified. */
  private readonly toolCommands = new Map<string, Set<RunningCommand>>();
  /** Per workstream, resolved when the claim being verified has its verdict. */
  private readonly verdictReached = new Map<string, Promise<void>>();

  constructor(parts: WorkerServiceParts) {
    this.parts = parts;
  }

  servicesFor(workstream: Workstream, checkoutPath: string, controller: AbortController): WorkerServices {
    const { run, monitor, escalations } = this.parts;
    const forgeContext = () => this.forgeActionContext(workstream, checkoutPath);
    const filesElsewhere = run.dependencies.checkoutFilesElsewhere?.(workstream.id) ?? null;
    return {
      checkoutPath,
      ...(filesElsewhere ? { checkoutFilesElsewhere: filesElsewhere } : {}),
      // The worker's own signal: a bash command dies with the worker it belongs to.
      runCommand: async (command, timeoutMs) => {
        // Nothing new starts under a gate: a command asked for meanwhile waits for the verdict.
        await this.verdictReached.get(workstream.id);
        const running = this.toolCommandsOf(workstream.id);
        let control: RunningCommand | undefined;
        const result = await run.dependencies
          .runWorkerCommand(
            { workstreamId: workstream.id, checkoutPath },
            command,
            timeoutMs,
            controller.signal,
            (started) => {
              control = started;
              running.add(started);
            },
          )
          .finally(() => {
            if (control) running.delete(control);
          });
        await monitor.watchForRepeats(workstream, checkoutPath, command, result);
        await monitor.checkBudget(workstream);
        return result;
      },
      takeSupervisorMessages: () => run.takeToolMessages(workstream.id),
      push: () => this.whileOpen(workstream, () => pushAction(forgeContext())),
      openPullRequest: (input) =>
        this.whileOpen(workstream, () => openPullRequestAction(forgeContext(), input)),
      ciStatus: () => ciStatusAction(forgeContext()),
      mergePullRequest: (input) =>
        this.whileOpen(workstream, () =>
          this.withToolCommandsStopped(workstream.id, () => mergePullRequestAction(forgeContext(), input)),
        ),
      closeIssue: (input) => this.whileOpen(workstream, () => closeIssueAction(forgeContext(), input)),
      askHuman: (question) => escalations.askHuman(workstream, question),
      claimDone: (summary) => this.claimDone(workstream, checkoutPath, controller, summary),
    };
  }

  /**
   * Forge changes are refused once the workstream's verdict is in: an accepted worker still
   * running (it is given a moment to read its verdict) must not push, open or merge something
   * that no verification saw.
   */
  private async whileOpen<T extends { isError: boolean; text: string }>(
    workstream: Workstream,
    action: () => Promise<T>,
  ): Promise<T | { isError: true; text: string }> {
    const status = this.parts.run.statusOf(workstream.id);
    if (terminalStatuses.has(status)) {
      return {
        isError: true,
        text: `Workstream ${workstream.id} is ${status}; the forge takes no more changes from this worker.`,
      };
    }
    if (isLandingUndecided(this.parts.run.workstreamState(workstream.id))) {
      return {
        isError: true,
        text: renderPrompt("forge-results/landing-pending", { workstream: workstream.id }),
      };
    }
    return action();
  }

  private async claimDone(
    workstream: Workstream,
    checkoutPath: string,
    controller: AbortController,
    summary: string,
  ) {
    const { run } = this.parts;
    const id = workstream.id;
    if (this.verifying.has(id))
      return { isError: true, text: "A claim is already being verified; wait for its verdict." };
    if (run.statusOf(id) !== "running") {
      return {
        isError: true,
        text: `Workstream ${id} is ${run.statusOf(id)}; there is nothing left to claim.`,
      };
    }
    this.verifying.add(id);
    try {
      return await this.withToolCommandsStopped(id, () =>
        this.verifyClaim(workstream, checkoutPath, controller, summary),
      );
    } finally {
      this.verifying.delete(id);
    }
  }

  /**
   * Runs `action` with every process the worker started through the bash tool (a background
   * swapper included) stopped, as the command worker stops its own: none may change the checkout
   * under a gate and restore it before the supervisor reads it again. A bash command asked for
   * meanwhile waits until the action is over.
   */
  private async withToolCommandsStopped<T>(workstreamId: string, action: () => Promise<T>): Promise<T> {
    const over = Promise.withResolvers<void>();
    const earlier = this.verdictReached.get(workstreamId);
    this.verdictReached.set(workstreamId, over.promise);
    await earlier;
    const paused = await Promise.all(
      [...this.toolCommandsOf(workstreamId)].map((command) => command.pause()),
    );
    try {
      return await action();
    } finally {
      for (const processes of paused) processes.resume();
      if (this.verdictReached.get(workstreamId) === over.promise) this.verdictReached.delete(workstreamId);
      over.resolve();
    }
  }

  private async verifyClaim(
    workstream: Workstream,
    checkoutPath: string,
    controller: AbortController,
    summary: string,
  ) {
    const { run, verifier } = this.parts;
    const id = workstream.id;
    const { head, uncommittedChanges: visible } = await run.readCheckout(checkoutPath)();
    // What status cannot show counts as uncommitted too: the gates would check other files.
    const uncommittedChanges = [
      ...visible,
      ...(await run.dependencies.checkouts.hiddenChanges(checkoutPath, head)),
    ];
    const baseSha = run.workstreamState(id).baseSha ?? run.dependencies.plan.base;
    if (uncommittedChanges.length === 0 && head !== baseSha) {
      // Another workstream's pushed work is readable in the mirror; it is never this one's claim.
      // A commit past the limits stays out of the mirror, and is still claimed: its gates fail on
      // the same measurement (GateServices.workerCommitRefusal), so the rejection is journaled.
      const foreign = await run.dependencies.checkouts.fetchIntoMirror(id, head).catch((error: unknown) => {
        if (error instanceof WorkerCommitLimitError) return { commits: [], owners: [] };
        throw error;
      });
      if (foreign.commits.length > 0) {
        return { isError: true, text: foreignCommitsRefusal(head, baseSha, foreign) };
      }
    }
    const claimId = run.workstreamState(id).claims.length + 1;
    await run.record("claim.made", id, {
      claim: claimId,
      summary: run.dependencies.redact(summary),
      commit: uncommittedChanges.length === 0 ? head : null,
      head,
      uncommitted_changes: uncommittedChanges,
    });
    const result = await verifier.verifyLastClaim(workstream, checkoutPath);
    if (terminalStatuses.has(run.statusOf(id)) || isLandingUndecided(run.workstreamState(id))) {
      // The worker's part is over either way; give it a moment to read its verdict and exit.
      setTimeout(() => controller.abort(), run.dependencies.exitGraceMs ?? 5_000).unref();
    }
    return result;
  }

  private toolCommandsOf(workstreamId: string): Set<RunningCommand> {
    let running = this.toolCommands.get(workstreamId);
    if (!running) {
      running = new Set();
      this.toolCommands.set(workstreamId, running);
    }
    return running;
  }

  private forgeActionContext(workstream: Workstream, checkoutPath: string): ForgeActionContext {
    const { run, monitor, verifier } = this.parts;
    const { plan, forge, checkouts, redact, gateServices } = run.dependencies;
    return {
      plan,
      workstream,
      checkoutPath,
      forge,
      readCheckout: run.readCheckout(checkoutPath),
      fetchIntoMirror: (sha) => checkouts.fetchIntoMirror(workstream.id, sha),
      baseSha: run.workstreamState(workstream.id).baseSha ?? plan.base,
      checkoutGatesFailingAt: async (head, pullRequest) => {
        const done = checkoutGatesOf(workstream);
        if (done.length === 0) return [];
        const { uncommittedChanges } = await run.readCheckout(checkoutPath)();
        const results = await verifyClaim(
          {
            workstream: { ...workstream, done },
            claimId: 0,
            logLabel: `merge-pr${pullRequest}-${head.slice(0, 12)}`,
            commit: uncommittedChanges.length === 0 ? head : null,
            uncommittedChanges,
            checkoutPath,
            baseSha: run.workstreamState(workstream.id).baseSha ?? plan.base,
          },
          {
            ...gateServices,
            runner: run.dependencies.gateRunnerFor?.(workstream.id) ?? gateServices.runner,
            forge,
            plan,
            readCheckout: run.readCheckout(checkoutPath),
          },
          async () => {},
        );
        return results.filter((result) => result.status === "fail" || result.status === "error");
      },
      mirrorPath: checkouts.mirrorPath,
      record: async (type, data) => {
        verifier.forgetForgeFacts(workstream.id);
        await run.record(type, workstream.id, data);
      },
      redact,
      ciWaitMs: ciWaitMsFor(workstream, gateServices.ciWaitMs),
      whenMergesOpen: () => this.parts.baseWatch.whenMergesOpen(),
      mergeHold: () => this.parts.baseWatch.hold()?.escalation ?? null,
      afterLanding: async (landing) => {
        const observed = await this.parts.baseWatch.afterLanding(
          workstream,
          landing,
          ciWaitMsFor(workstream, gateServices.ciWaitMs),
        );
        return { state: observed.state, baseSha: observed.base_sha };
      },
      onCiObserved: (observation) => monitor.watchCiRed(workstream, observation),
    };
  }
}
