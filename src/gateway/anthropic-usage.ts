/**
 * Usage of an Anthropic Messages response (NOTES-deps §3). As JSON, the message's `usage`. As SSE,
 * `message_start` carries the input side (input, cache read, cache write, with the TTL split) and
 * an early output count; each `message_delta` carries the running output count and, on newer API
 * versions, final input counts, and a non-null field there wins; `message_stop` ends the turn.
 * Only those events (and `error`) are parsed: the many content deltas pass unread.
 */
import { createServerSentEventsReader } from "./server-sent-events-reader.ts";
import {
  countOf,
  emptyReading,
  jsonBodyReader,
  parseJson,
  recordOf,
  streamErrorOf,
  stringOf,
  type TokenCounts,
  type UsageReader,
  type UsageReading,
} from "./usage-reading.ts";

export function anthropicMessagesUsageReader(isStream: boolean): UsageReader {
  return isStream ? streamReader() : jsonBodyReader(messageReading);
}

function messageReading(document: unknown): UsageReading {
  const message = recordOf(document);
  if (message?.type !== "message") return emptyReading();
  return {
    model: stringOf(message.model),
    tokens: mergeUsage(undefined, message.usage) ?? null,
    isComplete: true,
    stopReason: stringOf(message.stop_reason),
    streamError: null,
  };
}

function streamReader(): UsageReader {
  const reading = emptyReading();
  let tokens: TokenCounts | undefined;
  const events = createServerSentEventsReader(({ name, data }) => {
    if (name === "message_stop") {
      reading.isComplete = true;
      return;
    }
    if (name !== "message_start" && name !== "message_delta" && name !== "error") return;
    const event = recordOf(parseJson(data));
    if (event === undefined) return;
    if (name === "message_start") {
      const message = recordOf(event.message);
      reading.model = stringOf(message?.model);
      tokens = mergeUsage(tokens, message?.usage);
    } else if (name === "message_delta") {
      tokens = mergeUsage(tokens, event.usage);
      reading.stopReason = stringOf(recordOf(event.delta)?.stop_reason) ?? reading.stopReason;
    } else {
      reading.streamError = streamErrorOf(event.error);
    }
  });
  return {
    push: (chunk) => events.push(chunk),
    finish() {
      events.end();
      return { ...reading, tokens: tokens ?? null };
    },
  };
}

/** The counts so far, overridden by each count `usage` reports (null or absent leaves it as it was). */
function mergeUsage(previous: TokenCounts | undefined, value: unknown): TokenCounts | undefined {
  const usage = recordOf(value);
  if (usage === undefined) return previous;
  const base = previous ?? {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
  return {
    inputTokens: countOf(usage.input_tokens) ?? base.inputTokens,
    outputTokens: countOf(usage.output_tokens) ?? base.outputTokens,
    cacheReadTokens: countOf(usage.cache_read_input_tokens) ?? base.cacheReadTokens,
    cacheWriteTokens: countOf(usage.cache_creation_input_tokens) ?? base.cacheWriteTokens,
    cacheWrite1hTokens:
      countOf(recordOf(usage.cache_creation)?.ephemeral_1h_input_tokens) ?? base.cacheWrite1hTokens,
  };
}
