/**
 * The reviewer's answer and what it means for the `review` gate. The reviewer must answer through
 * one forced tool call, `submit_review`, so the verdict is data rather than prose to interpret.
 * The judgement is pure: approve passes, reject fails, and anything else (no call, a malformed
 * call, a refusal, a cut-off answer) is an error, never a pass.
 */
import type { Message, Tool } from "@anthropic-ai/sdk/resources/messages";
import { z } from "zod";
import { defaultPricing, estimateCostUsd, type PricingTable } from "../model/index.ts";
import { readPromptTemplate } from "../prompts/index.ts";
import type { UsageRecord } from "../usage.ts";
import { type GateResult, gateResult } from "./gate-result.ts";

export const submitReviewToolName = "submit_review";

const statement = () => z.string().trim().min(1);

export const submitReviewInputSchema = z.strictObject({
  verdict: z.enum(["approve", "reject"]).describe("approve only when the diff reaches the goal honestly."),
  reasons: z.array(statement()).min(1).describe("Why: each reason one sentence, naming files."),
  concerns: z.array(statement()).describe("Smaller doubts that do not decide the verdict; may be empty."),
});
export type SubmitReviewInput = z.infer<typeof submitReviewInputSchema>;

export function submitReviewTool(): Tool {
  const schema = z.toJSONSchema(submitReviewInputSchema, { io: "input" }) as Record<string, unknown>;
  delete schema.$schema;
  return {
    name: submitReviewToolName,
    description: readPromptTemplate("review-tool").trim(),
    input_schema: schema as Tool.InputSchema,
  };
}

/** A tool call in a turn that ended otherwise (max_tokens, a full context window) may be incomplete. */
const finishedStopReasons = new Set(["tool_use", "end_turn", "stop_sequence"]);

/** Longest one-line detail; the full reasons are in `observed`. */
const detailCharacters = 600;

/** The reviewer's one call, recorded in the gate's `observed`: a review is not a worker turn. */
export type ReviewUsage = { model: string } & Omit<UsageRecord, "turns">;

export function reviewUsageOf(
  message: Message,
  model: string,
  pricing: PricingTable = defaultPricing,
): ReviewUsage {
  const billedModel = message.model || model;
  return {
    model: billedModel,
    input_tokens: message.usage.input_tokens,
    output_tokens: message.usage.output_tokens,
    cache_read_tokens: message.usage.cache_read_input_tokens ?? 0,
    cache_write_tokens: message.usage.cache_creation_input_tokens ?? 0,
    cost_usd: Number(estimateCostUsd(message.usage, billedModel, pricing).toFixed(6)),
  };
}

/**
 * Pure: the gate's verdict from the reviewer's message. `facts` (the diff's shape, the request id)
 * go into `observed` whatever the verdict, so an error still shows what the reviewer was shown.
 */
export function judgeReview(
  message: Message,
  context: { model: string; facts: Record<string, unknown>; pricing?: PricingTable },
): GateResult {
  const usage = reviewUsageOf(message, context.model, context.pricing);
  const observed = { ...context.facts, model: usage.model, stop_reason: message.stop_reason, usage };
  const reviewer = `the reviewer (${usage.model})`;
  if (message.stop_reason === "refusal") {
    const explanation = message.stop_details?.explanation;
    return gateResult(
      "review",
      "error",
      `${reviewer} refused to review${explanation ? `: ${oneLine(explanation)}` : ""}`,
      { ...observed, refusal: message.stop_details ?? null },
    );
  }
  if (!finishedStopReasons.has(message.stop_reason ?? "")) {
    return gateResult(
      "review",
      "error",
      `${reviewer} stopped with ${message.stop_reason ?? "no stop reason"} before finishing its verdict`,
      observed,
    );
  }
  const calls = message.content.filter(
    (block) => block.type === "tool_use" && block.name === submitReviewToolName,
  );
  const said = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("\n");
  if (calls.length !== 1) {
    return gateResult(
      "review",
      "error",
      `${reviewer} called ${submitReviewToolName} ${calls.length} times instead of once, so it gave no verdict`,
      { ...observed, ...(said ? { text: said } : {}) },
    );
  }
  const call = calls[0]!;
  const parsed = submitReviewInputSchema.safeParse(call.type === "tool_use" ? call.input : undefined);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join(".") || "input"}: ${issue.message}`,
    );
    return gateResult(
      "review",
      "error",
      `${reviewer} sent a malformed verdict (${oneLine(problems.join("; "))})`,
      { ...observed, input: call.type === "tool_use" ? call.input : null },
    );
  }
  const { verdict, reasons, concerns } = parsed.data;
  const verdictObserved = { ...observed, verdict, reasons, concerns };
  if (verdict === "approve") {
    return gateResult(
      "review",
      "pass",
      cap(`${reviewer} approved: ${oneLine(reasons.join("; "))}`),
      verdictObserved,
    );
  }
  return gateResult(
    "review",
    "fail",
    cap(`${reviewer} rejected the change: ${oneLine(reasons.join("; "))}`),
    verdictObserved,
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function cap(text: string): string {
  return text.length <= detailCharacters ? text : `${text.slice(0, detailCharacters - 1)}…`;
}
