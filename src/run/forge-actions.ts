/**
 * The forge tools, performed by the supervisor on the worker's behalf: the worker holds no
 * credentials and no remote. Each effect is journaled as an intent before it happens and as a
 * result after, so a resumed run can tell what was already done.
 */

import type { ToolResult } from "../agent/index.ts";
import type { GateResult } from "../evidence/index.ts";
import {
  type Forge,
  type PullRequest,
  pullRequestFacts,
  settleWithin,
  withoutForeignClosingReferences,
} from "../forge/index.ts";
import type { Plan, Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { WorkerCommitLimitError } from "../workspace/index.ts";
import type { JournalEventData } from "./events.ts";

/** The events of forge actions: each effect's intent, then its result. */
export type ForgeEventType =
  | "push.intended"
  | "push.completed"
  | "pull_request.intended"
  | "pull_request.opened"
  | "pull_request.updated"
  | "merge.intended"
  | "merge.completed"
  | "merge.refused"
  | "merge.held"
  | "issue.close_intended"
  | "issue.closed";

import { indentLines } from "../text.ts";

/** Bounded, and quiet: the merge that follows reads CI itself and says why it refuses. */
async function settleCi(context: ForgeActionContext, sha: string): Promise<void> {
  await settleWithin(context.forge, sha, context.ciWaitMs).catch(() => undefined);
}

export interface ForgeActionContext {
  /** How long merge_pull_request waits for CI still running on the head. */
  ciWaitMs: number;
  /**
   * Resolves once merges may go through (none held by a red base), or says why not: a human
   * denied merging on the red base, or the run is stopping.
   */
  whenMergesOpen?(): Promise<"open" | "held" | "stopped">;
  /** The escalation holding merges (a red base), or null. */
  mergeHold?(): string | null;
  /** After a landing: the base's CI at its new tip, observed and journaled (`base_green`). */
  afterLanding?(landing: {
    pullRequest: number;
    commit: string;
    /** The base commit the landing made: its CI is observed. */
    baseSha: string;
  }): Promise<{ state: string; baseSha: string }>;
  /** Sees every CI state the worker is shown, for the "CI red for too long" signal. */
  onCiObserved?(observation: { sha: string; state: string; summary: string }): Promise<void>;
  plan: Plan;
  workstream: Workstream;
  checkoutPath: string;
  forge: Forge;
  /** The checkout's HEAD and uncommitted changes, read by the supervisor. */
  readCheckout(): Promise<{ head: string; uncommittedChanges: string[] }>;
  /**
   * Brings a checkout commit into the supervisor's mirror, whence it is pushed; returns the commits
   * of it another workstream pushed first (not on this one's base), which are never pushed as this one's.
   */
  fetchIntoMirror(sha: string): Promise<{ commits: string[]; owners: string[] }>;
  /** The base this workstream's checkout was made from. */
  baseSha: string;
  /**
   * Runs the workstream's checkout gates (local_check, release_build, diff_scope) at `head` and
   * returns those that did not pass: a worker lands nothing these have not seen.
   */
  checkoutGatesFailingAt(head: string, pullRequest: number): Promise<GateResult[]>;
  mirrorPath: string;
  record<Type extends ForgeEventType>(type: Type, data: JournalEventData<Type>): Promise<void>;
  redact(text: string): string;
}

export function foreignCommitsRefusal(
  head: string,
  baseSha: string,
  foreign: { commits: string[]; owners: string[] },
): string {
  return renderPrompt("foreign-commits", {
    head: head.slice(0, 12),
    count: String(foreign.commits.length),
    owners: foreign.owners.join(", ") || "another",
    example: foreign.commits[0]!.slice(0, 12),
    base: baseSha.slice(0, 12),
  });
}

function ok(text: string): ToolResult {
  return { isError: false, text };
}
function failure(text: string): ToolResult {
  return { isError: true, text };
}

/**
 * Pushes the checkout's HEAD to the workstream branch; returns the pushed SHA and the note on
 * uncommitted changes left behind (empty when there are none), or a tool error.
 */
async function pushHead(context: ForgeActionContext): Promise<{ sha: string; note: string } | ToolResult> {
  const { head, uncommittedChanges } = await context.readCheckout();
  const base = await context.forge.baseSha(context.plan.base);
  if (head === base) {
    return failure(
      renderPrompt("forge-results/nothing-to-push", { head: head.slice(0, 12), base: context.plan.base }),
    );
  }
  const foreign = await fetchIntoMirror(context, head);
  if (foreign instanceof WorkerCommitLimitError) {
    return failure(
      renderPrompt("forge-results/commit-refused", {
        head: head.slice(0, 12),
        problem: foreign.problem,
        base: context.baseSha.slice(0, 12),
      }),
    );
  }
  if (foreign.commits.length > 0) return failure(foreignCommitsRefusal(head, context.baseSha, foreign));
  await context.record("push.intended", { sha: head, branch: context.workstream.branch });
  await context.forge.push({
    fromRepository: context.mirrorPath,
    sha: head,
    branch: context.workstream.branch,
  });
  await context.record("push.completed", { sha: head, branch: context.workstream.branch });
  const note =
    uncommittedChanges.length > 0
      ? renderPrompt("forge-results/uncommitted-not-pushed", {
          count: uncommittedChanges.length,
          changes: uncommittedChanges.slice(0, 3).join(", "),
        })
      : "";
  return { sha: head, note };
}

/** The refusal of a commit past the limits is an answer for the worker, not a failure of the tool. */
async function fetchIntoMirror(
  context: ForgeActionContext,
  head: string,
): Promise<{ commits: string[]; owners: string[] } | WorkerCommitLimitError> {
  try {
    return await context.fetchIntoMirror(head);
  } catch (error) {
    if (error instanceof WorkerCommitLimitError) return error;
    throw error;
  }
}

export async function pushAction(context: ForgeActionContext): Promise<ToolResult> {
  const pushed = await pushHead(context);
  if ("isError" in pushed) return pushed;
  return ok(
    renderPrompt("forge-results/pushed", {
      sha: pushed.sha,
      branch: context.workstream.branch,
      uncommitted_note: pushed.note,
    }),
  );
}

/** GitHub closes the issue on merge only when the body says so; an honest PR always links its issue. */
export function bodyWithIssueLink(body: string, issue: number | undefined): string {
  if (issue === undefined) return body;
  const closes = new RegExp(`\\b(close[sd]?|fix(e[sd])?|resolve[sd]?)\\s+#${issue}\\b`, "i");
  return closes.test(body) ? body : `${body.trimEnd()}\n\nFixes #${issue}`;
}

export async function openPullRequestAction(
  context: ForgeActionContext,
  input: { title: string; body: string },
): Promise<ToolResult> {
  // After a merge (and a restart), a worker may ask again: its merged PR stands; never open a second.
  // So this asks the forge, not what it remembers: someone may have merged it by hand.
  const previous = await context.forge.findPullRequest({
    head: context.workstream.branch,
    base: context.plan.base,
  });
  if (previous?.isMerged) {
    const { head } = await context.readCheckout();
    if (head === previous.headSha) {
      return ok(
        renderPrompt("forge-results/pull-request-merged-already", {
          number: previous.number,
          url: previous.url,
          merge_commit: String(previous.mergeCommitSha),
        }),
      );
    }
  }
  const pushed = await pushHead(context);
  if ("isError" in pushed) return pushed;
  const title = context.redact(input.title);
  const scoped = withoutForeignClosingReferences(input.body, context.workstream.issue);
  const body = context.redact(bodyWithIssueLink(scoped.body, context.workstream.issue));
  await context.record("pull_request.intended", {
    head: context.workstream.branch,
    base: context.plan.base,
    sha: pushed.sha,
  });
  // A push does not open or close a pull request, so the look before it still holds.
  const existing = previous;
  const pullRequest = await context.forge.openOrUpdatePullRequest({
    head: context.workstream.branch,
    base: context.plan.base,
    title,
    body,
  });
  const isUpdate = existing?.state === "open" && existing.number === pullRequest.number;
  await context.record(
    isUpdate ? "pull_request.updated" : "pull_request.opened",
    pullRequestFacts(pullRequest),
  );
  const otherIssuesNote =
    scoped.removed.length > 0
      ? renderPrompt("forge-results/other-issues-referenced", {
          issues: scoped.removed.map((number) => `#${number}`).join(", "),
          issue: context.workstream.issue ?? "none",
        })
      : "";
  return ok(
    renderPrompt("forge-results/pull-request-opened", {
      is_update: isUpdate ? "yes" : "",
      is_new: isUpdate ? "" : "yes",
      number: pullRequest.number,
      url: pullRequest.url,
      head: pullRequest.head,
      base: pullRequest.base,
      sha: pullRequest.headSha,
      uncommitted_note: pushed.note,
      other_issues_note: otherIssuesNote,
    }),
  );
}

/**
 * The workstream's pull request as the forge last saw it, for ci_status and the merge: the
 * supervisor made every push and create itself, and the merge names the head it expects, so
 * GitHub refuses one that moved by hand since.
 */
async function currentPullRequest(context: ForgeActionContext): Promise<PullRequest | null> {
  return context.forge.findPullRequest({
    head: context.workstream.branch,
    base: context.plan.base,
    mayReuseKnown: true,
  });
}

export async function ciStatusAction(context: ForgeActionContext): Promise<ToolResult> {
  const pullRequest = await currentPullRequest(context);
  if (!pullRequest) return failure(renderPrompt("forge-results/no-pull-request", {}));
  // A worker polls this as fast as it likes; the forge answers on its own poll schedule.
  const status = await context.forge.ciStatus(pullRequest.headSha, { isPolling: true });
  await context.onCiObserved?.({
    sha: pullRequest.headSha,
    state: status.state,
    summary: status.checks
      .filter((check) => check.conclusion !== null && check.conclusion !== "success")
      .map(
        (check) =>
          `${check.name} ${check.conclusion}${check.summary ? `:\n${check.summary.slice(-1500)}` : ""}`,
      )
      .join("\n"),
  });
  const { head } = await context.readCheckout();
  const checks = status.checks
    .map((check) =>
      renderPrompt("forge-results/ci-check", {
        name: check.name,
        status: check.status,
        conclusion: check.conclusion ?? "",
        summary: check.summary ? indentLines(check.summary, "    ") : "",
        log: check.detailsUrl ?? "",
      }),
    )
    .join("\n");
  const isHeadPushed = head === pullRequest.headSha;
  return ok(
    renderPrompt("forge-results/ci-status", {
      number: pullRequest.number,
      sha: pullRequest.headSha,
      state: status.state,
      checks,
      no_checks: checks === "" ? "yes" : "",
      unpushed_head: isHeadPushed ? "" : head.slice(0, 12),
      pull_request_head: pullRequest.headSha.slice(0, 12),
    }),
  );
}

export async function mergePullRequestAction(
  context: ForgeActionContext,
  input: { method?: "squash" | "merge" | "rebase" | undefined },
): Promise<ToolResult> {
  const pullRequest = await currentPullRequest(context);
  if (!pullRequest) return failure(renderPrompt("forge-results/no-pull-request", {}));
  if (pullRequest.isMerged) {
    return ok(
      renderPrompt("forge-results/merged-already", {
        number: pullRequest.number,
        merge_commit: String(pullRequest.mergeCommitSha),
      }),
    );
  }
  const { head } = await context.readCheckout();
  if (head !== pullRequest.headSha) {
    return failure(
      renderPrompt("forge-results/head-not-pull-request-head", {
        head: head.slice(0, 12),
        pull_request_head: pullRequest.headSha.slice(0, 12),
      }),
    );
  }
  const failing = await context.checkoutGatesFailingAt(head, pullRequest.number);
  if (failing.length > 0) {
    await context.record("merge.refused", {
      number: pullRequest.number,
      reason: "gates_failed",
      message: failing.map((result) => `${result.id}: ${result.status}`).join(", "),
    });
    return failure(
      renderPrompt("merge-gates-failed", {
        head: head.slice(0, 12),
        gates: failing.map((result) => `- ${result.id}: ${result.status} — ${result.detail}`).join("\n"),
      }),
    );
  }
  // Like auto-merge: wait (bounded) for CI still running on the head, then let the forge decide.
  await settleCi(context, head);
  const hold = context.mergeHold?.() ?? null;
  if (hold !== null) await context.record("merge.held", { number: pullRequest.number, escalation: hold });
  const opening = (await context.whenMergesOpen?.()) ?? "open";
  if (opening !== "open") {
    const reason =
      opening === "held"
        ? `a human decided that nothing more is merged on the red \`${context.plan.base}\` in this run.`
        : "the run is stopping; merge again when it resumes.";
    await context.record("merge.refused", {
      number: pullRequest.number,
      reason: "merges_held",
      message: reason,
    });
    return failure(renderPrompt("forge-results/merges-held", { number: pullRequest.number, reason }));
  }
  await context.record("merge.intended", {
    number: pullRequest.number,
    expected_head: head,
    method: input.method ?? "squash",
  });
  const result = await context.forge.mergePullRequest({
    number: pullRequest.number,
    expectedHeadSha: head,
    method: input.method ?? "squash",
    maxWaitMs: context.ciWaitMs,
  });
  if (result.isMerged) {
    await context.record("merge.completed", {
      number: pullRequest.number,
      merge_commit: result.mergeCommitSha,
    });
    const landing = result.landing;
    // The base's CI at the landed commit: a queue's tested result is what the base moved to.
    const observed = await context.afterLanding?.({
      pullRequest: pullRequest.number,
      commit: result.mergeCommitSha,
      baseSha: landing?.via === "merge_queue" ? landing.testedSha : result.mergeCommitSha,
    });
    const others = landing?.batch.filter((number) => number !== pullRequest.number) ?? [];
    return ok(
      renderPrompt("forge-results/merged", {
        number: pullRequest.number,
        base: context.plan.base,
        merge_commit: result.mergeCommitSha,
        tested: landing && landing.ciState === "success" ? landing.testedSha.slice(0, 12) : "",
        batch: others.map((number) => `#${number}`).join(", "),
        base_red: observed?.state === "failure" ? observed.baseSha.slice(0, 12) : "",
      }),
    );
  }
  await context.record("merge.refused", {
    number: pullRequest.number,
    reason: result.reason,
    message: result.message,
  });
  if (result.reason === "merge_result_failed" || result.reason === "conflict") await offerForgeBase(context);
  if (result.reason === "merge_result_failed") {
    return failure(
      renderPrompt("forge-results/merge-result-failed", {
        number: pullRequest.number,
        base: context.plan.base,
        message: context.redact(result.message),
      }),
    );
  }
  if (result.reason === "conflict") {
    return failure(
      renderPrompt("forge-results/merge-conflict", {
        number: pullRequest.number,
        base: context.plan.base,
        message: result.message,
        files:
          (result.conflictingFiles ?? []).map((file) => `- ${file}`).join("\n") ||
          "- (the forge did not name them)",
      }),
    );
  }
  return failure(
    renderPrompt("forge-results/merge-refused", {
      number: pullRequest.number,
      reason: result.reason,
      message: result.message,
    }),
  );
}

/**
 * The worker's `origin` is the supervisor's mirror: a refusal the worker must fix against the base
 * as the forge has it now (what landed since it branched) is worth nothing if `git fetch origin`
 * brings the base it started from. The mirror's base branch is moved to the forge's.
 */
async function offerForgeBase(context: ForgeActionContext): Promise<void> {
  const { base } = context.plan;
  await context.forge
    .fetchBase({ intoRepository: context.mirrorPath, base, ref: `refs/heads/${base}` })
    .catch(() => undefined); // the refusal still reaches the worker; its fetch shows the older base
}

export async function closeIssueAction(
  context: ForgeActionContext,
  input: { comment?: string | undefined },
): Promise<ToolResult> {
  const number = context.workstream.issue;
  if (number === undefined) return failure(renderPrompt("forge-results/no-issue", {}));
  await context.record("issue.close_intended", { number });
  const issue = await context.forge.closeIssue({
    number,
    ...(input.comment ? { comment: context.redact(input.comment) } : {}),
  });
  await context.record("issue.closed", { number, closed_by: issue.closedBy });
  const pullRequest = issue.closedBy?.kind === "pull_request" ? issue.closedBy.pullRequest : undefined;
  return ok(
    renderPrompt("forge-results/issue-closed", {
      number,
      pull_request: pullRequest ?? "",
      manually: pullRequest === undefined ? "yes" : "",
    }),
  );
}
