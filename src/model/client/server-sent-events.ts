/**
 * A Message as the Messages API streams it: message_start, then per block content_block_start,
 * its deltas and content_block_stop, then message_delta (stop reason and usage) and message_stop,
 * each as an SSE `event:`/`data:` pair (NOTES-deps §3 and §8). Replay serves these to the real SDK,
 * so the SDK's own stream parser assembles every replayed turn.
 */
import type { ContentBlock, Message, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";

export function messageStreamEvents(message: Message): RawMessageStreamEvent[] {
  const events: RawMessageStreamEvent[] = [
    {
      type: "message_start",
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        stop_details: null,
        usage: { ...message.usage, output_tokens: 0 },
      },
    },
  ];
  message.content.forEach((block, index) => {
    events.push(...blockEvents(block, index));
  });
  events.push({
    type: "message_delta",
    delta: {
      stop_reason: message.stop_reason,
      stop_sequence: message.stop_sequence,
      stop_details: message.stop_details,
      container: null,
    },
    usage: {
      output_tokens: message.usage.output_tokens,
      input_tokens: null,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      output_tokens_details: null,
      server_tool_use: null,
    },
  });
  events.push({ type: "message_stop" });
  return events;
}

function blockEvents(block: ContentBlock, index: number): RawMessageStreamEvent[] {
  const stop: RawMessageStreamEvent = { type: "content_block_stop", index };
  switch (block.type) {
    case "text":
      return [
        { type: "content_block_start", index, content_block: { ...block, text: "" } },
        { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text } },
        stop,
      ];
    case "thinking":
      return [
        { type: "content_block_start", index, content_block: { ...block, thinking: "", signature: "" } },
        { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: block.thinking } },
        {
          type: "content_block_delta",
          index,
          delta: { type: "signature_delta", signature: block.signature },
        },
        stop,
      ];
    case "tool_use": {
      // Split in two, as the API streams input in pieces: the SDK must assemble it, not just parse it.
      const json = JSON.stringify(block.input);
      const half = Math.floor(json.length / 2);
      return [
        { type: "content_block_start", index, content_block: { ...block, input: {} } },
        {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: json.slice(0, half) },
        },
        {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: json.slice(half) },
        },
        stop,
      ];
    }
    default:
      return [{ type: "content_block_start", index, content_block: block }, stop];
  }
}

export function encodeServerSentEvents(events: readonly RawMessageStreamEvent[]): string {
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("");
}
