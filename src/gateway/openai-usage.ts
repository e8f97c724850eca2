/**
 * Usage of OpenAI responses. Both APIs count cached input inside the input total
 * (`input_tokens_details.cached_tokens`, `prompt_tokens_details.cached_tokens`), where this
 * project counts uncached input apart from cache reads, so the cached part is moved across.
 * OpenAI reports no cache writes.
 *
 * Responses API: the JSON body's `usage`, or in a stream the `response` of the terminal event
 * (`response.completed`, `response.incomplete`, or `response.failed`, which may carry usage too).
 * Chat Completions: the JSON body's `usage`, or in a stream the last chunk's, present only when
 * the client asked for `stream_options.include_usage`; the gateway does not rewrite requests to
 * ask for it, so such a stream reports no tokens and says so.
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

export function responsesUsageReader(isStream: boolean): UsageReader {
  if (!isStream) {
    return jsonBodyReader((document) => {
      const response = recordOf(document);
      if (response?.object !== "response") return emptyReading();
      return responseReading(response, emptyReading());
    });
  }
  let reading = emptyReading();
  const events = createServerSentEventsReader(({ name, data }) => {
    // The API names each event; the name is repeated as `type` in the data, which a stream
    // without `event:` lines still has.
    if (name !== "message" && name !== "error" && !terminalEvents.has(name)) return;
    const event = recordOf(parseJson(data));
    if (event === undefined) return;
    const type = stringOf(event.type) ?? name;
    if (type === "error") reading.streamError = streamErrorOf(event.error ?? event);
    else if (terminalEvents.has(type)) reading = responseReading(recordOf(event.response), reading);
  });
  return {
    push: (chunk) => events.push(chunk),
    finish() {
      events.end();
      return reading;
    },
  };
}

const terminalEvents = new Set(["response.completed", "response.incomplete", "response.failed"]);

function responseReading(
  response: Record<string, unknown> | undefined,
  previous: UsageReading,
): UsageReading {
  if (response === undefined) return previous;
  const usage = recordOf(response.usage);
  const status = stringOf(response.status);
  const isFailed = status === "failed";
  return {
    model: stringOf(response.model) ?? previous.model,
    tokens: usage
      ? splitCached(
          usage.input_tokens,
          recordOf(usage.input_tokens_details)?.cached_tokens,
          usage.output_tokens,
        )
      : previous.tokens,
    isComplete: !isFailed,
    stopReason: status ?? previous.stopReason,
    streamError: isFailed ? streamErrorOf(response.error) : previous.streamError,
  };
}

export function chatCompletionsUsageReader(isStream: boolean): UsageReader {
  if (!isStream) {
    return jsonBodyReader((document) => {
      const completion = recordOf(document);
      if (completion?.object !== "chat.completion") return emptyReading();
      const choices = Array.isArray(completion.choices) ? completion.choices : [];
      return {
        model: stringOf(completion.model),
        tokens: chatTokens(completion.usage),
        isComplete: true,
        stopReason: stringOf(recordOf(choices[0])?.finish_reason),
        streamError: null,
      };
    });
  }
  const reading = emptyReading();
  const events = createServerSentEventsReader(({ data }) => {
    if (data === "[DONE]") {
      reading.isComplete = true;
      return;
    }
    // Every chunk is a data event; parse only the few that matter, not each token's chunk.
    const isFirst = reading.model === null;
    const hasUsage = /"usage"\s*:\s*\{/.test(data);
    const hasError = /"error"\s*:\s*\{/.test(data);
    const finishReason = /"finish_reason"\s*:\s*"([^"]+)"/.exec(data)?.[1];
    if (finishReason !== undefined) reading.stopReason = finishReason;
    if (!isFirst && !hasUsage && !hasError) return;
    const chunk = recordOf(parseJson(data));
    if (chunk === undefined) return;
    reading.model = reading.model ?? stringOf(chunk.model);
    if (hasUsage) reading.tokens = chatTokens(chunk.usage) ?? reading.tokens;
    if (hasError && chunk.error !== undefined) reading.streamError = streamErrorOf(chunk.error);
  });
  return {
    push: (chunk) => events.push(chunk),
    finish() {
      events.end();
      return reading;
    },
  };
}

function chatTokens(value: unknown): TokenCounts | null {
  const usage = recordOf(value);
  if (usage === undefined) return null;
  return splitCached(
    usage.prompt_tokens,
    recordOf(usage.prompt_tokens_details)?.cached_tokens,
    usage.completion_tokens,
  );
}

function splitCached(input: unknown, cached: unknown, output: unknown): TokenCounts {
  const inputTokens = countOf(input) ?? 0;
  const cacheReadTokens = Math.min(countOf(cached) ?? 0, inputTokens);
  return {
    inputTokens: inputTokens - cacheReadTokens,
    outputTokens: countOf(output) ?? 0,
    cacheReadTokens,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
}
