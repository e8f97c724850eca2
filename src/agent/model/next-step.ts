/**
 * What the loop does after a model turn, decided from the turn's `stop_reason` alone: one mapping,
 * one function. Every reason the SDK's `StopReason` lists is handled on purpose; anything else
 * (a newer API, a null from a stream that ended early) ends the start with a description.
 */
import type { Message, ToolUseBlock } from "@anthropic-ai/sdk/resources/messages";

export type NextStep =
  /** Run every tool call of the turn and answer them all in one user message. */
  | { kind: "run_tools"; toolUses: ToolUseBlock[] }
  /** The API paused a long turn: send the turn back as it is and let the model continue. */
  | { kind: "resume_paused_turn" }
  /** The turn hit max_tokens: drop its tool calls (the last one is incomplete) and ask for shorter steps. */
  | { kind: "continue_cut_off_turn" }
  /** The context window is full: elide old tool results, then continue like a cut-off turn. */
  | { kind: "shorten_conversation" }
  | { kind: "end"; exitCode: 0 | 1; description: string; blockedReason?: "refusal" };

export function nextStepAfter(
  message: Pick<Message, "stop_reason" | "stop_details" | "stop_sequence" | "content">,
  isClaimAccepted: boolean,
): NextStep {
  const stopReason = message.stop_reason;
  switch (stopReason) {
    case "tool_use": {
      const toolUses = message.content.filter((block): block is ToolUseBlock => block.type === "tool_use");
      if (toolUses.length === 0) {
        return { kind: "end", exitCode: 1, description: "the model stopped for tool use but called no tool" };
      }
      return { kind: "run_tools", toolUses };
    }
    case "end_turn":
      return {
        kind: "end",
        exitCode: 0,
        description: isClaimAccepted
          ? "the model ended its turn after its claim was accepted"
          : "the model ended its turn without an accepted claim",
      };
    case "pause_turn":
      return { kind: "resume_paused_turn" };
    case "max_tokens":
      return { kind: "continue_cut_off_turn" };
    case "model_context_window_exceeded":
      return { kind: "shorten_conversation" };
    case "refusal": {
      const details = message.stop_details;
      const category = details?.category ? ` (${details.category})` : "";
      const explanation = details?.explanation ? `: ${details.explanation}` : "";
      return {
        kind: "end",
        exitCode: 1,
        description: `the model refused to continue${category}${explanation}`,
        blockedReason: "refusal",
      };
    }
    case "stop_sequence":
      // The loop sends no stop_sequences; if one fires anyway the model's turn is over.
      return {
        kind: "end",
        exitCode: 0,
        description: `the model stopped at the stop sequence ${JSON.stringify(message.stop_sequence)}${isClaimAccepted ? " after its claim was accepted" : " without an accepted claim"}`,
      };
    default:
      return {
        kind: "end",
        exitCode: 1,
        description: `the model stopped for a reason supervise does not handle: ${JSON.stringify(stopReason)}`,
      };
  }
}
