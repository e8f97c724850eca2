/**
 * The body of every worker request besides its messages: the model, the output cap, extended
 * thinking when the plan asks for it, the system prompt and the tools. It is the same on every
 * turn of every workstream, which is what lets the prompt cache serve it.
 */
import type { MessageCreateParamsNonStreaming, MessageParam } from "@anthropic-ai/sdk/resources/messages";
import { renderPrompt } from "../../prompts/index.ts";
import { anthropicToolDefinitions } from "../tools/anthropic-tools.ts";

export interface WorkerRequestSettings {
  model: string;
  maxTokens: number;
  /** Extended thinking: tokens the model may think with per turn (at least 1024, below maxTokens). */
  thinkingBudgetTokens?: number | undefined;
}

export function workerRequest(
  settings: WorkerRequestSettings,
  messages: MessageParam[],
): MessageCreateParamsNonStreaming {
  return {
    model: settings.model,
    max_tokens: settings.maxTokens,
    ...(settings.thinkingBudgetTokens === undefined
      ? {}
      : { thinking: { type: "enabled", budget_tokens: settings.thinkingBudgetTokens } }),
    // One breakpoint here caches the tools too (they precede the system prompt), and neither
    // names the workstream, so every workstream of a campaign shares that cache entry.
    system: [{ type: "text", text: renderPrompt("worker-system", {}), cache_control: { type: "ephemeral" } }],
    tools: anthropicToolDefinitions(),
    messages,
  };
}

/** What a request sends besides its messages, in characters, for the context estimate. */
export function fixedRequestCharacters(): number {
  return renderPrompt("worker-system", {}).length + JSON.stringify(anthropicToolDefinitions()).length;
}
