/**
 * `review` (optional per plan): a separate reviewer model judges the claimed change against the
 * workstream's goal and the other gates' observed results. It reads the diff the supervisor took
 * from git and never anything the worker said; one Messages API call, answered through the forced
 * tool `submit_review`. Works the same with a replay client (`createReplayClient`), so a review is
 * replay-able like a worker. A reviewer that cannot give a verdict is an `error`, never a `pass`.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { AnthropicError } from "@anthropic-ai/sdk";
import type { Message } from "@anthropic-ai/sdk/resources/messages";
import { SuperviseError } from "../errors.ts";
import { describeApiError } from "../model/client/index.ts";
import type { PricingTable, TranscriptWriter } from "../model/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { createSafeGit, type SafeGitOptions } from "../workspace/index.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import { observeReviewDiff, type ReviewDiff } from "./review-diff.ts";
import { type ReviewedGate, renderReviewRequest } from "./review-prompt.ts";
import { judgeReview, submitReviewTool, submitReviewToolName } from "./review-verdict.ts";

export interface ReviewRequest {
  client: Anthropic;
  model: string;
  /** Output cap of the reviewer's one turn; the verdict is short. */
  maxTokens?: number;
  goal: string;
  brief?: string | undefined;
  workstream: string;
  /** A repository holding both commits: the supervisor's mirror or the workstream's checkout. */
  repositoryPath: string;
  baseSha: string;
  /** The claimed commit; the diff runs from its merge base with `baseSha` to it. */
  commit: string;
  /** What the other gates observed on this commit, in the order they ran. */
  otherGates: readonly ReviewedGate[];
  /** Cap on the patch in the prompt; what is cut is named in the prompt and in `observed`. */
  diffLimitBytes?: number;
  signal?: AbortSignal;
  /** PATH and HOME for git, from the composition root. */
  environment?: SafeGitOptions["environment"];
  pricing?: PricingTable;
  /** The workstream's transcript: the review's request and response are logged like a worker's turns. */
  transcript?: TranscriptWriter;
}

export const defaultReviewMaxTokens = 4096;
/** About 25k tokens of patch: enough for a focused change, and a bounded cost per review. */
export const defaultReviewDiffLimitBytes = 100_000;

export async function observeReview(request: ReviewRequest): Promise<GateResult> {
  const diffLimitBytes = request.diffLimitBytes ?? defaultReviewDiffLimitBytes;
  const diff = await readDiff(request, diffLimitBytes);
  if (!("patch" in diff)) return diff;
  const facts = diffFacts(diff, diffLimitBytes);
  const answer = await askReviewer(
    request,
    renderReviewRequest({
      workstream: request.workstream,
      goal: request.goal,
      brief: request.brief,
      diff,
      diffLimitBytes,
      otherGates: request.otherGates,
    }),
  );
  if ("status" in answer) return { ...answer, observed: { ...facts, ...answer.observed } };
  return judgeReview(answer.message, {
    model: request.model,
    facts: { ...facts, request_id: answer.requestId },
    ...(request.pricing ? { pricing: request.pricing } : {}),
  });
}

async function readDiff(request: ReviewRequest, diffLimitBytes: number): Promise<ReviewDiff | GateResult> {
  try {
    const git = await createSafeGit(request.repositoryPath, { environment: request.environment });
    return await observeReviewDiff(git, {
      baseSha: request.baseSha,
      commit: request.commit,
      limitBytes: diffLimitBytes,
    });
  } catch (error) {
    if (!(error instanceof SuperviseError)) throw error;
    return gateResult("review", "error", `could not read the change to review: ${error.message}`, {
      base: request.baseSha,
      commit: request.commit,
    });
  }
}

/** The reviewer's message, or an error result when the API gave none. */
async function askReviewer(
  request: ReviewRequest,
  prompt: string,
): Promise<{ message: Message; requestId: string | null } | GateResult> {
  const maxTokens = request.maxTokens ?? defaultReviewMaxTokens;
  request.transcript?.write({ kind: "review_request", model: request.model, max_tokens: maxTokens, prompt });
  try {
    const stream = request.client.messages.stream(
      {
        model: request.model,
        max_tokens: maxTokens,
        system: renderPrompt("review-system", {}),
        tools: [submitReviewTool()],
        // Forced, so the answer is always the structured verdict and never prose to interpret.
        tool_choice: { type: "tool", name: submitReviewToolName },
        messages: [{ role: "user", content: [{ type: "text", text: prompt }] }],
      },
      request.signal ? { signal: request.signal } : {},
    );
    const message = await stream.finalMessage();
    const requestId = stream.request_id ?? null;
    request.transcript?.write({
      kind: "review_response",
      request_id: requestId,
      stop_reason: message.stop_reason,
      content: message.content,
      usage: message.usage,
    });
    return { message, requestId };
  } catch (error) {
    if (!(error instanceof AnthropicError)) throw error;
    const description = request.signal?.aborted
      ? "the review was stopped before the reviewer answered"
      : `the reviewer could not be asked: the Messages API failed (after the SDK's retries): ${describeApiError(error)}`;
    request.transcript?.write({ kind: "review_error", error: error.name, message: error.message });
    return gateResult("review", "error", description, {
      model: request.model,
      api_error: describeApiError(error),
    });
  }
}

function diffFacts(diff: ReviewDiff, limitBytes: number): Record<string, unknown> {
  return {
    base: diff.baseSha,
    ...(diff.requestedBase === diff.baseSha ? {} : { requested_base: diff.requestedBase }),
    commit: diff.commit,
    diff: {
      changed_file_count: diff.files.length,
      limit_bytes: limitBytes,
      shown_bytes: diff.shownBytes,
      cut_files: diff.cutFiles,
      omitted_files: diff.omittedFiles,
      oversized_files: diff.oversizedFiles,
    },
  };
}
