/**
 * What a response said about its own usage, read from its bytes as they pass: the token counts,
 * the model that answered, and whether the response finished. Each provider's reader fills one of
 * these; pricing and budgets happen elsewhere (gateway-usage.ts).
 */

/** Tokens in this project's sense (src/usage.ts): input counts only uncached tokens. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Of cacheWriteTokens, those written with the 1-hour TTL (priced higher); 0 when not reported. */
  cacheWrite1hTokens: number;
}

export interface UsageReading {
  model: string | null;
  /** Null when the response reported no usage (e.g. a streamed Chat Completion without include_usage). */
  tokens: TokenCounts | null;
  /** The response ran to its end: message_stop, response.completed, `[DONE]`, or a whole JSON body. */
  isComplete: boolean;
  stopReason: string | null;
  /** An error event inside a successful stream (Anthropic `error`, OpenAI `error` or `response.failed`). */
  streamError: { type: string; message: string } | null;
}

export interface UsageReader {
  push(chunk: Uint8Array): void;
  finish(): UsageReading;
}

export function emptyReading(): UsageReading {
  return { model: null, tokens: null, isComplete: false, stopReason: null, streamError: null };
}

/** A JSON body larger than this is passed through but not read: no model response comes near it. */
export const jsonBodyReadLimitBytes = 32 * 1024 * 1024;

/** Collects a JSON body and interprets it once it is whole. */
export function jsonBodyReader(interpret: (document: unknown) => UsageReading): UsageReader {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return {
    push(chunk) {
      size += chunk.byteLength;
      if (size <= jsonBodyReadLimitBytes) chunks.push(chunk);
    },
    finish() {
      if (size > jsonBodyReadLimitBytes) return emptyReading();
      const document = parseJson(Buffer.concat(chunks).toString("utf8"));
      return document === undefined ? emptyReading() : interpret(document);
    },
  };
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A count from a provider's JSON: anything but a finite non-negative number counts as absent. */
export function countOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function recordOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function stringOf(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** `{type, message}` of a provider error object, whichever of the two fields it has. */
export function streamErrorOf(value: unknown): { type: string; message: string } {
  const error = recordOf(value);
  return {
    type: stringOf(error?.type) ?? stringOf(error?.code) ?? "error",
    message: stringOf(error?.message) ?? "the stream reported an error",
  };
}
