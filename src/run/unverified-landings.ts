/**
 * A claim rejected while its change is already on the base (merged by hand, by another bot, or
 * pushed there) is not handed back to the worker: the base would keep a change no gate passed
 * while the worker tried again. Instead the supervisor opens a pull request that undoes it (and
 * never merges it by itself), journals `landing.unverified`, and asks a human at once. The
 * decision is applied here: approve keeps the change (the revert PR is closed, the failed gates
 * are recorded as waived), deny merges the revert PR when the forge allows it, reply leaves both.
 */
import { errorMessage } from "../errors.ts";
import { ciWaitMsFor, type GateResult } from "../evidence/index.ts";
import { settleWithin } from "../forge/index.ts";
import type { EscalationRecord } from "../monitor/index.ts";
import type { Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import type { EscalationFlow, LandingDecisions } from "./escalation-flow.ts";
import { judgeLanding, type LandingFinding, observeLanding } from "./landing-check.ts";
import {
  type RevertTextInput,
  revertBody,
  revertBranchOf,
  revertCommitMessage,
  revertTitle,
} from "./revert-pull-request-text.ts";
import type { RunContext } from "./run-context.ts";
import { describeFailures } from "./worker-prompt.ts";
import type { ClaimSummary, UnverifiedLanding } from "./workstream-state.ts";

export class UnverifiedLandings implements LandingDecisions {
  private readonly run: RunContext;
  private readonly escalationsOf: () => EscalationFlow;

  /** The escalation flow is asked for late: it and this part refer to each other. */
  constructor(run: RunContext, escalations: () => EscalationFlow) {
    this.run = run;
    this.escalationsOf = escalations;
  }

  /**
   * The claim's change on the base that no gate passed, if any. A forge that cannot be read
   * leaves the rejection an ordinary one: its own gates have already said what failed.
   */
  async find(workstream: Workstream, claim: ClaimSummary, failures: readonly GateResult[]) {
    const { forge, plan } = this.run.dependencies;
    const state = this.run.workstreamState(workstream.id);
    const baseSha = state.baseSha ?? plan.base;
    try {
      const observation = await observeLanding(forge, {
        branch: workstream.branch,
        base: plan.base,
        commit: claim.commit,
        baseSha,
        knownPullRequests: state.pullRequests,
      });
      return judgeLanding({
        failedGates: failures.map((failure) => failure.id),
        claimCommit: claim.commit,
        baseSha,
        mergedBySupervisor: state.mergedBySupervisor,
        observation,
      });
    } catch {
      return null;
    }
  }

  /** Opens the revert pull request and journals the landing; the claim is still being verified. */
  async record(
    workstream: Workstream,
    claim: ClaimSummary,
    failures: readonly GateResult[],
    finding: LandingFinding,
  ): Promise<void> {
    const { forge, plan, redact } = this.run.dependencies;
    const text: RevertTextInput = {
      workstream: workstream.id,
      base: plan.base,
      finding,
      claim: claim.id,
      failures: failures.map((failure) => `${failure.id}: ${failure.status} — ${failure.detail}`),
      escalation: this.escalationsOf().nextEscalationId(workstream.id),
    };
    let revertPr: { number: number; url: string; head: string; head_sha: string } | null = null;
    let restores: string | null = null;
    let revertError: string | null = null;
    try {
      const branch = await forge.createRevertBranch({
        branch: revertBranchOf(workstream.branch),
        landedSha: finding.mergeCommit,
        ...(finding.restoreSha ? { restoreSha: finding.restoreSha } : {}),
        message: redact(revertCommitMessage(text)),
      });
      restores = branch.restoredSha;
      const pullRequest = await forge.openOrUpdatePullRequest({
        head: branch.branch,
        base: plan.base,
        title: redact(revertTitle(text)),
        body: redact(revertBody(text)),
      });
      revertPr = {
        number: pullRequest.number,
        url: pullRequest.url,
        head: pullRequest.head,
        head_sha: pullRequest.headSha,
      };
    } catch (error) {
      // The human is asked all the same: an unverified change on the base is theirs to undo then.
      revertError = errorMessage(error);
    }
    await this.run.record("landing.unverified", workstream.id, {
      claim: claim.id,
      pr: finding.pullRequest?.isMerged ? finding.pullRequest.number : null,
      pr_url: finding.pullRequest?.isMerged ? finding.pullRequest.url : null,
      merge_commit: finding.mergeCommit,
      landed_head: finding.landedHead,
      failed_gates: finding.failedGates,
      revert_pr: revertPr,
      restores,
      revert_error: revertError,
    });
  }

  /**
   * Asks the human, once the claim is rejected (also on resume, for a crash between the two).
   * Returns whether an escalation was opened.
   */
  async escalate(workstream: Workstream): Promise<boolean> {
    const id = workstream.id;
    const state = this.run.workstreamState(id);
    const landing = state.landing;
    if (!landing || landing.escalation !== null || landing.resolution !== null) return false;
    if (this.run.statusOf(id) !== "running") return false;
    const { plan } = this.run.dependencies;
    const claim = state.claims.find((candidate) => candidate.id === landing.claim);
    const revert = landing.revertPr
      ? `The supervisor opened pull request #${landing.revertPr.number} (${landing.revertPr.url}), which undoes it; it is not merged.`
      : `No pull request that undoes it could be opened: ${landing.revertError ?? "unknown reason"}. Undo it by hand if it must go.`;
    const revertName = landing.revertPr ? `revert pull request #${landing.revertPr.number}` : "";
    const options = {
      approve: `the change stays on ${plan.base}, ${revertName ? `${revertName} is closed, ` : ""}and the workstream is accepted with ${landing.failedGates.join(", ")} recorded as waived`,
      deny: revertName
        ? `the supervisor merges ${revertName} (after its CI, if any, is green; if the forge refuses, it stays open for you) and the workstream ends rejected`
        : "the change stays on the base until you undo it, and the workstream ends rejected",
      reply: `nothing changes on the forge: the change stays${revertName ? ` and ${revertName} stays open` : ""} for you to handle, and the workstream ends rejected with your text as the reason`,
    };
    const question = renderPrompt("landing-escalation", {
      workstream: id,
      base: plan.base,
      landing:
        landing.pr === null
          ? `commit ${landing.mergeCommit} reached it without a merged pull request`
          : `pull request #${landing.pr} (${landing.prUrl ?? ""}) was merged as ${landing.mergeCommit} by someone other than the supervisor`,
      claim: landing.claim,
      failed_gates: claim ? describeFailures(claim.gates) : landing.failedGates.join(", "),
      revert,
      approve: options.approve,
      deny: options.deny,
      reply: options.reply,
    });
    await this.escalationsOf().escalateLanding(workstream, this.run.dependencies.redact(question), options);
    return true;
  }

  /** What the worker reads of its rejected claim: it is over, a human decides. */
  workerText(workstream: Workstream): string {
    const state = this.run.workstreamState(workstream.id);
    const landing = state.landing!;
    const claim = state.claims.find((candidate) => candidate.id === landing.claim);
    return renderPrompt("landing-unverified", {
      workstream: workstream.id,
      claim: landing.claim,
      commit: claim?.commit ?? "none (uncommitted changes)",
      base: this.run.dependencies.plan.base,
      merge_commit: landing.mergeCommit,
      pull_request: landing.pr ?? "",
      failures: claim ? describeFailures(claim.gates) : landing.failedGates.join(", "),
    });
  }

  async applyLandingDecision(
    id: string,
    effect: "keep_landing" | "revert_landing" | "leave_landing",
    escalation: string,
    decided: EscalationRecord | null,
  ): Promise<void> {
    const landing = this.run.workstreamState(id).landing;
    const who = decided?.decision?.decided_by ?? "a human";
    const note = decided?.decision?.note ?? null;
    if (!landing) {
      await this.run.record("workstream.rejected", id, {
        reason: `${who} decided escalation ${escalation}, but no unverified landing is recorded`,
      });
      return;
    }
    const revertPr = landing.revertPr?.number ?? null;
    const decision = effect === "keep_landing" ? "approve" : effect === "revert_landing" ? "deny" : "reply";
    const outcome =
      effect === "keep_landing"
        ? await this.keep(landing)
        : effect === "revert_landing"
          ? await this.revert(id, landing)
          : {
              outcome: "left" as const,
              mergeCommit: null,
              detail: `nothing was changed on the forge${revertPr === null ? "" : `; revert pull request #${revertPr} stays open`}`,
            };
    await this.run.record("landing.resolved", id, {
      escalation,
      decision,
      outcome: outcome.outcome,
      revert_pr: revertPr,
      revert_merge_commit: outcome.mergeCommit,
      detail: outcome.detail,
    });
    const landed = `the unverified landing ${landing.mergeCommit.slice(0, 12)}${landing.pr === null ? "" : ` of pull request #${landing.pr}`}`;
    if (outcome.outcome === "kept") {
      await this.escalationsOf().acceptWithWaiver(id, landing.failedGates, {
        escalation,
        decidedBy: decided?.decision?.decided_by ?? null,
        note,
      });
      if (this.run.statusOf(id) === "running") {
        await this.run.record("workstream.rejected", id, {
          reason: `${who} approved keeping ${landed}, but the rejected claim could not be accepted with a waiver`,
        });
      }
      return;
    }
    const said =
      decision === "reply" ? `: "${decided?.decision?.text ?? ""}"` : note === null ? "" : `: ${note}`;
    const verb =
      decision === "approve" ? "approved keeping" : decision === "deny" ? "denied keeping" : "replied on";
    await this.run.record("workstream.rejected", id, {
      reason: `${who} ${verb} ${landed} (escalation ${escalation})${said}; ${outcome.detail}`,
    });
  }

  /** Approved: the change stays; the revert pull request is closed (unless someone merged it meanwhile). */
  private async keep(landing: UnverifiedLanding) {
    const number = landing.revertPr?.number;
    if (number === undefined) {
      return {
        outcome: "kept" as const,
        mergeCommit: null,
        detail: "the change stays; no revert pull request was open",
      };
    }
    try {
      const closed = await this.run.dependencies.forge.closePullRequest(number);
      if (closed.isMerged) {
        return {
          outcome: "reverted" as const,
          mergeCommit: closed.mergeCommitSha,
          detail: `revert pull request #${number} had been merged by someone else (as ${closed.mergeCommitSha ?? "unknown"}); the change is gone from the base`,
        };
      }
      return {
        outcome: "kept" as const,
        mergeCommit: null,
        detail: `the change stays; revert pull request #${number} is closed`,
      };
    } catch (error) {
      return {
        outcome: "kept" as const,
        mergeCommit: null,
        detail: `the change stays; revert pull request #${number} could not be closed (${errorMessage(error)}): close it by hand`,
      };
    }
  }

  /** Denied: the revert pull request is merged when the forge allows it (green CI on its head); else it stays open. */
  private ciWaitMsOf(id: string): number {
    const workstream = this.run.dependencies.plan.workstreams.find((each) => each.id === id);
    const override = this.run.dependencies.gateServices.ciWaitMs;
    return workstream === undefined ? (override ?? 0) : ciWaitMsFor(workstream, override);
  }

  private async revert(id: string, landing: UnverifiedLanding) {
    const { forge } = this.run.dependencies;
    const number = landing.revertPr?.number;
    if (number === undefined) {
      return {
        outcome: "left" as const,
        mergeCommit: null,
        detail: `no revert pull request exists (${landing.revertError ?? "unknown reason"}): undo ${landing.mergeCommit.slice(0, 12)} by hand`,
      };
    }
    const leftOpen = (why: string) => ({
      outcome: "left" as const,
      mergeCommit: null,
      detail: `revert pull request #${number} was not merged (${why}); it stays open for you`,
    });
    try {
      const pullRequest = await forge.getPullRequest(number);
      if (pullRequest.isMerged) {
        return {
          outcome: "reverted" as const,
          mergeCommit: pullRequest.mergeCommitSha,
          detail: `revert pull request #${number} is merged as ${pullRequest.mergeCommitSha ?? "unknown"}`,
        };
      }
      if (pullRequest.state !== "open") return leftOpen("someone closed it");
      await settleWithin(forge, pullRequest.headSha, this.ciWaitMsOf(id)).catch(() => undefined);
      await this.run.record("merge.intended", id, {
        number,
        expected_head: pullRequest.headSha,
        method: "squash",
      });
      const result = await forge.mergePullRequest({
        number,
        expectedHeadSha: pullRequest.headSha,
        method: "squash",
        maxWaitMs: this.ciWaitMsOf(id),
      });
      if (!result.isMerged) {
        await this.run.record("merge.refused", id, {
          number,
          reason: result.reason,
          message: result.message,
        });
        return leftOpen(`${result.reason}: ${result.message}`);
      }
      await this.run.record("merge.completed", id, { number, merge_commit: result.mergeCommitSha });
      return {
        outcome: "reverted" as const,
        mergeCommit: result.mergeCommitSha,
        detail: `revert pull request #${number} is merged as ${result.mergeCommitSha}`,
      };
    } catch (error) {
      return leftOpen(errorMessage(error));
    }
  }
}
