/**
 * Keeps one start's conversation within the model's context: ahead of each request against the
 * budget, after a 400 "prompt is too long", and when a turn stops on a full window. Every cut
 * elides old tool outputs only (see Conversation.elideOldToolResults) and is written to the
 * transcript with what it elided.
 */
import type { APIError } from "@anthropic-ai/sdk";
import type { Usage } from "@anthropic-ai/sdk/resources/messages";
import { describeApiError } from "../../model/client/index.ts";
import { renderPrompt } from "../../prompts/index.ts";
import {
  type ContextBudget,
  ContextEstimate,
  charactersPerToken,
  contextBudgetOf,
  defaultContextWindowTokens,
  reportedPromptTokens,
} from "./context-budget.ts";
import type { Conversation } from "./conversation.ts";

/**
 * Messages at the end kept whole when the window is full: the cut-off turn, the newest tool
 * results and the turn that asked for them, which the model is working from.
 */
const keepRecentMessagesWhenFull = 3;
/** Kept whole when shortening to the budget ahead of time: the last three exchanges. */
const keepRecentMessagesWithinBudget = 6;

const elidedPlaceholder = (characters: number) => renderPrompt("tool-result-elided", { characters });

export class ContextKeeper {
  private readonly conversation: Conversation;
  private readonly budget: ContextBudget;
  private readonly estimate: ContextEstimate;
  private readonly write: (entry: Record<string, unknown>) => void;
  /** The size of the messages of the request in flight, to pair with the size the API reports. */
  private requestCharacters = 0;
  /** A prompt too long for the window is shortened and sent again once, not in a loop. */
  private hasResentTooLongPrompt = false;

  constructor(options: {
    conversation: Conversation;
    budgetTokens: number | undefined;
    /** What every request sends besides its messages (system prompt, tools), in characters. */
    fixedCharacters: number;
    write: (entry: Record<string, unknown>) => void;
  }) {
    this.conversation = options.conversation;
    this.budget = contextBudgetOf(options.budgetTokens);
    this.estimate = new ContextEstimate(options.fixedCharacters);
    this.write = options.write;
  }

  /**
   * Before each request: past the budget, elide old tool outputs in one chunk down to the target
   * (context-budget.ts says why in chunks). When nothing old is left to elide the request goes out
   * as it is, and the window's own limit answers it.
   */
  beforeRequest(): void {
    const characters = this.conversation.characters();
    const estimatedTokens = this.estimate.tokensFor(characters);
    if (estimatedTokens > this.budget.budgetTokens) {
      this.shorten(estimatedTokens, keepRecentMessagesWithinBudget, "context_budget");
    }
    this.requestCharacters = this.conversation.characters();
  }

  /** Input, cache reads and cache writes together are the whole prompt the request sent. */
  afterResponse(usage: Usage): void {
    this.hasResentTooLongPrompt = false;
    this.estimate.recordReportedSize(
      usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
      this.requestCharacters,
    );
  }

  /**
   * The API refused the prompt as too long: shorten as for the budget, from the size the API
   * counted (or at least the window), so the loop can send it once more. Returns why it cannot.
   */
  shortenTooLongPrompt(error: APIError): string | null {
    const reason = `the prompt is too long for the model's context window (${describeApiError(error)})`;
    if (this.hasResentTooLongPrompt) return `${reason}, even after the conversation was shortened`;
    this.hasResentTooLongPrompt = true;
    const characters = this.conversation.characters();
    const counted = reportedPromptTokens(error.apiMessage ?? error.message);
    if (counted !== null) this.estimate.recordReportedSize(counted, characters);
    const estimatedTokens = Math.max(
      counted ?? 0,
      defaultContextWindowTokens,
      this.estimate.tokensFor(characters),
    );
    const elided = this.shorten(estimatedTokens, keepRecentMessagesWhenFull, "prompt_too_long");
    return elided > 0 ? null : `${reason}, and no old tool result is left to elide`;
  }

  /** A turn stopped on a full window: every old tool output goes. Returns how many were elided. */
  shortenFullWindow(): number {
    const { elided } = this.conversation.elideOldToolResults({
      placeholderFor: elidedPlaceholder,
      keepRecentMessages: keepRecentMessagesWhenFull,
    });
    this.write({
      kind: "conversation_shortened",
      reason: "context_window_full",
      elided_tool_results: elided.length,
      elided_tool_use_ids: elided,
    });
    return elided.length;
  }

  private shorten(estimatedTokens: number, keepRecentMessages: number, reason: string): number {
    const { elided, freedCharacters } = this.conversation.elideOldToolResults({
      placeholderFor: elidedPlaceholder,
      keepRecentMessages,
      charactersToFree: (estimatedTokens - this.budget.targetTokens) * charactersPerToken,
    });
    this.write({
      kind: "conversation_shortened",
      reason,
      estimated_tokens: estimatedTokens,
      budget_tokens: this.budget.budgetTokens,
      elided_tool_results: elided.length,
      elided_tool_use_ids: elided,
      freed_characters: freedCharacters,
    });
    return elided.length;
  }
}
