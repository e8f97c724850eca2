/**
 * The usage readers on recorded-shape bodies, fed in every split a network could make: a body cut
 * at each byte must read the same as the whole body.
 */
import { describe, expect, it } from "vitest";
import {
  anthropicMessagesUsageReader,
  chatCompletionsUsageReader,
  gatewayUsageOf,
  responsesUsageReader,
  type UsageReader,
  type UsageReading,
} from "../../src/gateway/index.ts";
import {
  createServerSentEventsReader,
  type ServerSentEvent,
} from "../../src/gateway/server-sent-events-reader.ts";
import { testPricing } from "./gateway-harness.ts";

const encoder = new TextEncoder();

/** Reads `text` pushed in two pieces, cut at `cut` bytes. */
function readSplit(reader: UsageReader, text: string, cut: number): UsageReading {
  const bytes = encoder.encode(text);
  reader.push(bytes.subarray(0, cut));
  reader.push(bytes.subarray(cut));
  return reader.finish();
}

function everySplitReads(makeReader: () => UsageReader, text: string): UsageReading {
  const whole = readSplit(makeReader(), text, 0);
  for (let cut = 1; cut < encoder.encode(text).length; cut++) {
    expect(readSplit(makeReader(), text, cut)).toEqual(whole);
  }
  return whole;
}

const sse = (events: Record<string, unknown>[], separator = "\n") =>
  events
    .map(
      (event) =>
        `event: ${String(event.type)}${separator}data: ${JSON.stringify(event)}${separator}${separator}`,
    )
    .join("");

describe("server-sent events", () => {
  it("dispatches events at blank lines, whatever the line endings, joining data lines", () => {
    const events: ServerSentEvent[] = [];
    const reader = createServerSentEventsReader((event) => events.push(event));
    reader.push(encoder.encode(": a comment\r\nevent: one\r\ndata: first\r\ndata:  second\r\n\r"));
    reader.push(encoder.encode("\ndata: no name é\n\nevent: two\rdata: third\r\r"));
    reader.push(encoder.encode("data: never ended"));
    reader.end();
    expect(events).toEqual([
      { name: "one", data: "first\n second" },
      { name: "message", data: "no name é" },
      { name: "two", data: "third" },
    ]);
  });
});

describe("Anthropic Messages", () => {
  const start = {
    type: "message_start",
    message: {
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-opus-5",
      content: [],
      stop_reason: null,
      usage: {
        input_tokens: 10,
        output_tokens: 1,
        cache_read_input_tokens: null,
        cache_creation_input_tokens: 500,
        cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 400 },
      },
    },
  };
  const text = (value: string) => ({
    type: "content_block_delta",
    index: 0,
    delta: { type: "text_delta", text: value },
  });

  it("reads a stream's usage, with a message_delta's non-null counts winning", () => {
    const body = sse(
      [
        start,
        { type: "ping" },
        text("Grüße "),
        text("🙂"),
        {
          type: "message_delta",
          delta: { stop_reason: "tool_use" },
          usage: { output_tokens: 77, input_tokens: 11, cache_read_input_tokens: null },
        },
        { type: "message_stop" },
      ],
      "\r\n",
    );
    expect(everySplitReads(() => anthropicMessagesUsageReader(true), body)).toEqual({
      model: "claude-opus-5",
      tokens: {
        inputTokens: 11,
        outputTokens: 77,
        cacheReadTokens: 0,
        cacheWriteTokens: 500,
        cacheWrite1hTokens: 400,
      },
      isComplete: true,
      stopReason: "tool_use",
      streamError: null,
    });
  });

  it("reads an error event and a stream cut before message_stop as incomplete", () => {
    const body = sse([start, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }]);
    expect(everySplitReads(() => anthropicMessagesUsageReader(true), body)).toMatchObject({
      isComplete: false,
      streamError: { type: "overloaded_error", message: "Overloaded" },
      tokens: { inputTokens: 10, outputTokens: 1 },
    });
  });

  it("prices the 1-hour cache writes apart from the 5-minute ones", () => {
    const reading = everySplitReads(
      () => anthropicMessagesUsageReader(true),
      sse([start, { type: "message_stop" }]),
    );
    const opus = {
      inputUsdPerMillion: 5,
      outputUsdPerMillion: 25,
      cacheWrite5mUsdPerMillion: 6.25,
      cacheWrite1hUsdPerMillion: 10,
      cacheReadUsdPerMillion: 0.5,
    };
    const usage = gatewayUsageOf("anthropic", reading, null, { ...testPricing, families: { opus } });
    expect(usage?.costUsd).toBeCloseTo((10 * 5 + 1 * 25 + 100 * 6.25 + 400 * 10) / 1_000_000, 12);
  });
});

describe("OpenAI Responses", () => {
  const completed = {
    type: "response.completed",
    response: {
      id: "resp_1",
      object: "response",
      status: "completed",
      model: "gpt-5.1-codex",
      usage: { input_tokens: 900, input_tokens_details: { cached_tokens: 800 }, output_tokens: 40 },
    },
  };

  it("reads usage from response.completed, with cached input counted as cache reads", () => {
    const body = sse([
      { type: "response.created", response: { ...completed.response, status: "in_progress", usage: null } },
      { type: "response.output_text.delta", delta: "hi" },
      completed,
    ]);
    expect(everySplitReads(() => responsesUsageReader(true), body)).toEqual({
      model: "gpt-5.1-codex",
      tokens: {
        inputTokens: 100,
        outputTokens: 40,
        cacheReadTokens: 800,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
      },
      isComplete: true,
      stopReason: "completed",
      streamError: null,
    });
  });

  it("reads a stream without event names by the type in each event's data", () => {
    const body = `data: ${JSON.stringify(completed)}\n\n`;
    expect(everySplitReads(() => responsesUsageReader(true), body)).toMatchObject({
      isComplete: true,
      tokens: { inputTokens: 100 },
    });
  });

  it("reads response.failed as an error that still spent its tokens", () => {
    const failed = {
      type: "response.failed",
      response: { ...completed.response, status: "failed", error: { code: "server_error", message: "boom" } },
    };
    expect(everySplitReads(() => responsesUsageReader(true), sse([failed]))).toMatchObject({
      isComplete: false,
      streamError: { type: "server_error", message: "boom" },
      tokens: { outputTokens: 40 },
    });
  });
});

describe("OpenAI Chat Completions", () => {
  it("reads the usage chunk of a stream that asked for it", () => {
    const chunk = (fields: Record<string, unknown>) =>
      `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", model: "gpt-4.1", ...fields })}\n\n`;
    const body =
      chunk({ choices: [{ index: 0, delta: { content: "hi" }, finish_reason: null }], usage: null }) +
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null }) +
      chunk({
        choices: [],
        usage: { prompt_tokens: 50, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 20 } },
      }) +
      "data: [DONE]\n\n";
    expect(everySplitReads(() => chatCompletionsUsageReader(true), body)).toEqual({
      model: "gpt-4.1",
      tokens: {
        inputTokens: 30,
        outputTokens: 5,
        cacheReadTokens: 20,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
      },
      isComplete: true,
      stopReason: "stop",
      streamError: null,
    });
  });

  it("does not read a JSON body that is not a completion", () => {
    expect(readSplit(chatCompletionsUsageReader(false), '{"error":{"message":"no"}}', 3)).toEqual({
      model: null,
      tokens: null,
      isComplete: false,
      stopReason: null,
      streamError: null,
    });
  });
});
