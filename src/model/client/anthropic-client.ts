/**
 * The Anthropic client of a run. The SDK does the retrying (429, 529, 5xx, 408, 409 and connection
 * errors, with exponential backoff that honours `retry-after` and `retry-after-ms`); this only
 * tells it which 429s not to retry. A 429 with neither header is a spend or usage limit of the
 * organisation, not a rate limit: waiting does not lift it within a run, so retrying only burns
 * time. The SDK obeys the API's `x-should-retry` header before its own rules, so the fetch below
 * sets it to false on exactly those responses, and the SDK raises the RateLimitError at once.
 */
import Anthropic from "@anthropic-ai/sdk";

/** Retries after the first try: with the SDK's backoff (0.5 s doubling, at most 8 s) about 15 s of waiting. */
export const defaultMaxRetries = 4;

export interface AnthropicClientOptions {
  apiKey: string | undefined;
  baseURL?: string | undefined;
  /** The transport; default the global fetch, looked up on each request (msw replaces it in tests). */
  fetch?: typeof fetch;
  maxRetries?: number;
}

export function createAnthropicClient(options: AnthropicClientOptions): Anthropic {
  const transport = options.fetch;
  return new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    fetch: withSpendLimitsNotRetried((input, init) => (transport ?? globalThis.fetch)(input, init)),
    maxRetries: options.maxRetries ?? defaultMaxRetries,
  });
}

/** True for a 429 that names no time to wait: a spend limit, never retried. */
export function isSpendLimit(status: number | undefined, headers: Headers | undefined): boolean {
  return status === 429 && !headers?.has("retry-after") && !headers?.has("retry-after-ms");
}

export function withSpendLimitsNotRetried(transport: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await transport(input, init);
    if (!isSpendLimit(response.status, response.headers)) return response;
    const headers = new Headers(response.headers);
    headers.set("x-should-retry", "false");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}
