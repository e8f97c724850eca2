/**
 * Verifying a claim: the gates run against the claimed commit, each result journaled as it comes,
 * then the verdict (accepted, or rejected with the failing evidence and the playbook for it), and
 * the evidence bundle written to disk and posted on the PR where the forge has one.
 */

import type { ToolResult } from "../agent/index.ts";
import { errorMessage } from "../errors.ts";
import {
  type Bundle,
  buildBundle,
  type GateResult,
  renderBundleMarkdown,
  verifyClaim,
  writeBundle,
} from "../evidence/index.ts";
import { issueFacts, pullRequestFacts } from "../forge/index.ts";
import type { Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { gateEventTypeOf } from "./events.ts";
import type { Monitoring } from "./monitoring.ts";
import type { RunContext } from "./run-context.ts";
import type { UnverifiedLandings } from "./unverified-landings.ts";
import { describeFailures } from "./worker-prompt.ts";

type ForgeFacts = { pr: Record<string, unknown> | null; issue: Record<string, unknown> | null };

export class ClaimVerifier {
  private readonly run: RunContext;
  private readonly monitor: Monitoring;
  private readonly landings: UnverifiedLandings;
  /** Per workstream: the PR and issue as the last verification observed them. */
  private readonly forgeFactsSeen = new Map<string, ForgeFacts>();
  /** Per workstream: the verification running now. */
  private readonly verifications = new Map<string, Promise<ToolResult>>();
  /** Per workstream: the reviewed part of the bundle last posted on its PR. */
  private readonly postedBundles = new Map<string, string>();

  constructor(run: RunContext, monitor: Monitoring, landings: UnverifiedLandings) {
    this.run = run;
    this.monitor = monitor;
    this.landings = landings;
  }

  /** The supervisor acted on the forge: what the last verification saw no longer stands. */
  forgetForgeFacts(workstreamId: string): void {
    this.forgeFactsSeen.delete(workstreamId);
  }

  /**
   * Runs the gates for the workstream's last claim and records the verdict; returns what the
   * worker reads. One verification per workstream at a time: a second caller (the task restarted
   * after its worker was stopped mid-verification) gets the verdict of the one in flight.
   */
  verifyLastClaim(workstream: Workstream, checkoutPath: string): Promise<ToolResult> {
    const inFlight = this.verifications.get(workstream.id);
    if (inFlight) return inFlight;
    const verification = this.verify(workstream, checkoutPath).finally(() =>
      this.verifications.delete(workstream.id),
    );
    this.verifications.set(workstream.id, verification);
    return verification;
  }

  /** Whether a verification of this workstream's claim runs in this process now. */
  isVerifying(workstreamId: string): boolean {
    return this.verifications.has(workstreamId);
  }

  private async verify(workstream: Workstream, checkoutPath: string): Promise<ToolResult> {
    const run = this.run;
    const { forge, plan, gateServices, forgeRequestCount } = run.dependencies;
    const id = workstream.id;
    const claim = run.workstreamState(id).claims.at(-1);
    if (!claim) throw new Error(`workstream ${id} is verifying without a claim`);
    const requestsBefore = forgeRequestCount?.() ?? 0;
    const results = await verifyClaim(
      {
        workstream,
        claimId: claim.id,
        commit: claim.commit,
        // As the claim recorded them: `git status` alone would not name a skip-worktree file.
        uncommittedChanges: claim.uncommittedChanges,
        checkoutPath,
        baseSha: run.workstreamState(id).baseSha ?? plan.base,
      },
      {
        ...gateServices,
        runner: run.dependencies.gateRunnerFor?.(id) ?? gateServices.runner,
        forge,
        plan,
        readCheckout: run.readCheckout(checkoutPath),
        lastMergeRefusalOf: (workstreamId) => run.workstreamState(workstreamId).lastMergeRefusal,
      },
      async (result) => {
        await run.record(gateEventTypeOf(result.status), id, {
          claim: claim.id,
          gate: result.id,
          detail: result.detail,
          observed: result.observed,
          ...(result.command ? { command: result.command } : {}),
          ...(result.fixHint === undefined ? {} : { fix_hint: result.fixHint }),
        });
      },
    );
    this.rememberForgeFacts(workstream, results);
    const forgeRequests = (forgeRequestCount?.() ?? 0) - requestsBefore;
    const failures = results.filter(
      (result) => result.status !== "pass" && result.status !== "waived" && result.status !== "skipped",
    );
    if (failures.length === 0 && results.length > 0) {
      await run.record("claim.accepted", id, {
        claim: claim.id,
        commit: claim.commit,
        forge_requests: forgeRequests,
      });
      await run.record("workstream.accepted", id, { claim: claim.id, commit: claim.commit });
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
    // Asked after every gate: a merge made while they ran (by hand, another bot) counts too.
    const landing = await this.landings.find(workstream, claim, failures);
    if (landing) {
      // Not the worker's to retry: the base holds a change no gate passed, and a human decides now.
      await this.landings.record(workstream, claim, failures, landing);
      this.forgetForgeFacts(id);
    }
    // A gate the sandbox could not run proves nothing either way: not the worker's rejection.
    const environmentProblems = landing ? [] : failures.filter((result) => result.environmentProblem);
    await run.record("claim.rejected", id, {
      claim: claim.id,
      forge_requests: forgeRequests,
      failed_gates: failures.map((result) => result.id),
      ...(environmentProblems.length > 0 ? { charged: false } : {}),
    });
    if (environmentProblems.length > 0)
      return this.escalateEnvironmentProblems(workstream, claim.id, failures);
    if (landing) {
      await this.landings.escalate(workstream);
      await this.writeBundleFor(id);
      return { isError: true, text: this.landings.workerText(workstream) };
    }
    const state = run.workstreamState(id);
    if (state.rejections >= workstream.stall.max_rejections) {
      // Deliberately final, not an escalation: a worker that keeps claiming unproven work must end
      // the run with a verdict (exit 1) even when nobody is watching.
      const reason = `${state.rejections} ${state.rejections === 1 ? "claim" : "claims"} rejected (limit ${workstream.stall.max_rejections}); last failing gates: ${failures.map((result) => result.id).join(", ")}`;
      await run.record("signal.detected", id, {
        signal: "max_rejections",
        summary: reason,
        failing_gates: failures.map((result) => result.id),
      });
      await run.record("workstream.rejected", id, { reason });
    }
    const failing = failingGates(failures);
    let intervention = "";
    if (run.statusOf(id) === "running") {
      intervention =
        (await this.monitor.intervene(
          workstream,
          {
            kind: "claim_rejected",
            failingGates: failures.map((failure) => failure.id),
            logText: failures
              .map(
                (failure) =>
                  `${failure.detail}\n${failure.command?.excerpt ?? ""}\n${failure.command?.outputTail ?? ""}`,
              )
              .join("\n"),
            evidence: describeFailures(failing),
          },
          "tool_result",
        )) ?? "";
    }
    await this.writeBundleFor(id);
    if (run.statusOf(id) === "accepted") {
      // A human waived what failed while this verdict waited on the escalation it opened.
      return {
        isError: false,
        text: renderPrompt("accepted-with-waiver", { answer: intervention }),
      };
    }
    return {
      isError: true,
      text: renderPrompt("claim-rejected", {
        intervention,
        workstream: id,
        claim: claim.id,
        commit: claim.commit ?? "none (uncommitted changes)",
        failures: describeFailures(failing),
        rejections: state.rejections,
        max_rejections: workstream.stall.max_rejections,
      }),
    };
  }

  /**
   * A gate could not run in the sandbox (a program missing from it): the worker cannot fix that, so
   * a human is asked at once with the gate's output, and the worker hears that its claim was not
   * judged and does not count against it.
   */
  private async escalateEnvironmentProblems(
    workstream: Workstream,
    claimId: number,
    failures: readonly GateResult[],
  ): Promise<ToolResult> {
    const failing = failingGates(failures);
    await this.writeBundleFor(workstream.id);
    const evidence = describeFailures(failing);
    const answer = await this.monitor.escalateNow(workstream, {
      kind: "environment_problem",
      failingGates: failures.map((failure) => failure.id),
      logText: evidence,
      evidence,
    });
    return {
      isError: true,
      text: renderPrompt("claim-unverifiable", {
        workstream: workstream.id,
        claim: claimId,
        failures: evidence,
        answer: answer ?? "",
      }),
    };
  }

  async writeBundleFor(id: string): Promise<void> {
    const { runId, runDirectory, plan } = this.run.dependencies;
    const workstream = this.run.workstreamOf(id);
    // What the last verification saw of the forge stands until the supervisor acts on the forge
    // again; asking anew for every bundle would double the requests on GitHub.
    const { pr, issue } = this.forgeFactsSeen.get(id) ?? (await this.observeForgeForBundle(workstream));
    const bundle = buildBundle({
      runId,
      runDirectory,
      workstream,
      state: this.run.workstreamState(id),
      pr,
      issue,
      sandbox: this.run.dependencies.sandboxFacts ?? plan.sandbox,
      pricesEffective: this.run.dependencies.pricesEffective ?? null,
      baseObservations: this.run.state.base.observations
        .filter((observation) => observation.landed_by === id)
        .map((observation) => ({
          pull_request: observation.pull_request,
          landed_commit: observation.landed_commit,
          base_sha: observation.base_sha,
          state: observation.state,
          details: observation.details,
          landings_since_green: observation.landings_since_green,
          escalation: observation.escalation ?? null,
          observed_at: observation.ts,
        })),
    });
    await writeBundle(runDirectory, bundle);
    await this.postBundleOnPullRequest(id, bundle);
  }

  /**
   * Reviewers read the bundle where they review: one comment on the PR, updated in place, and
   * only when what a reviewer acts on changed (status, gates, claims, PR, issue, decisions), not
   * for every token of usage counted after the verdict: each edit costs a request on GitHub.
   */
  private async postBundleOnPullRequest(id: string, bundle: Bundle): Promise<void> {
    const { forge, redact } = this.run.dependencies;
    const number = typeof bundle.pr?.number === "number" ? bundle.pr.number : null;
    if (!forge.commentOnPullRequest || number === null) return;
    const { usage: _usage, ...reviewed } = bundle;
    const reviewKey = JSON.stringify(reviewed);
    if (this.postedBundles.get(id) === reviewKey) return;
    try {
      const comment = await forge.commentOnPullRequest({
        number,
        marker: `<!-- supervise:bundle:${id} -->`,
        body: redact(renderBundleMarkdown(bundle)),
      });
      this.postedBundles.set(id, reviewKey);
      if (comment.action !== "unchanged")
        await this.run.record("comment.posted", id, { pr: number, url: comment.url, action: comment.action });
    } catch (error) {
      await this.run.record("comment.failed", id, {
        pr: number,
        error: errorMessage(error),
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
  private async observeForgeForBundle(workstream: Workstream): Promise<ForgeFacts> {
    const { forge, plan } = this.run.dependencies;
    try {
      const pullRequest = await forge.findPullRequest({ head: workstream.branch, base: plan.base });
      const issue = workstream.issue === undefined ? null : await forge.getIssue(workstream.issue);
      return { pr: pullRequestFacts(pullRequest), issue: issueFacts(issue) };
    } catch (error) {
      const reason = errorMessage(error);
      return {
        pr: null,
        issue: workstream.issue === undefined ? null : { number: workstream.issue, error: reason },
      };
    }
  }
}

/** The failed gates as the worker's text and the playbooks describe them (describeFailures). */
function failingGates(failures: readonly GateResult[]) {
  return failures.map((failure) => ({
    gate: failure.id,
    status: failure.status,
    detail: failure.detail,
    command: failure.command ?? null,
    fixHint: failure.fixHint ?? null,
  }));
}
