/**
 * The `review` gate's turn: a separate model judges the diff against the goal and the other gates.
 * It runs only when every other gate passed: a claim that is rejected anyway needs no model call,
 * and the reviewer then judges exactly what would be accepted.
 */
import type { GateRun } from "./gate-context.ts";
import { type GateResult, gateResult } from "./gate-result.ts";

export function reviewSkipReason(run: GateRun): string | undefined {
  const failed = run.earlier.filter((result) => result.status === "fail" || result.status === "error");
  return failed.length > 0
    ? `not run: ${failed.map((result) => result.id).join(", ")} failed first`
    : undefined;
}

export async function observeReviewGate(run: GateRun): Promise<GateResult> {
  const { claim, services, earlier } = run;
  const reviewer = services.reviewerFor?.(claim.workstream) ?? null;
  if (!reviewer) return gateResult("review", "error", "no reviewer model is configured for this workstream");
  const transcript = services.transcriptFor?.(claim.workstream.id);
  // Loaded here, not at the top: the review gate brings the model SDK, which most runs never need.
  const { observeReview } = await import("./review-gate.ts");
  return observeReview({
    ...reviewer,
    goal: claim.workstream.goal,
    brief: claim.workstream.brief,
    workstream: claim.workstream.id,
    repositoryPath: claim.checkoutPath,
    baseSha: claim.baseSha,
    commit: claim.commit,
    otherGates: earlier.map(({ id, status, detail }) => ({ id, status, detail })),
    environment: services.environment,
    ...(services.signal ? { signal: services.signal } : {}),
    ...(transcript ? { transcript } : {}),
  });
}
