import { type AnthropicError, APIConnectionError, APIError } from "@anthropic-ai/sdk";
import { isSpendLimit } from "./anthropic-client.ts";

/**
 * An SDK error for the journal: status, error type and the API's own message, rather than the
 * SDK's message, which embeds the raw JSON body.
 */
export function describeApiError(error: AnthropicError): string {
  if (!(error instanceof APIError) || error.status === undefined) return `${error.name}: ${error.message}`;
  const request = error.requestID ? ` (request ${error.requestID})` : "";
  return `${error.status} ${error.type ?? error.name}: ${error.apiMessage ?? error.message}${request}`;
}

/**
 * Why a start could not use the model, for the workstream's blocked reason: a spend limit (never
 * retried), an error the SDK retried until its retries were spent, or one it does not retry
 * (a bad request, a bad key), which no waiting would fix.
 */
export function describeApiFailure(error: AnthropicError, maxRetries: number): string {
  if (error instanceof APIError && isSpendLimit(error.status, error.headers)) {
    return `the API refused with a spend limit (429 without retry-after), which is not retried: ${describeApiError(error)}`;
  }
  const isRetried =
    error instanceof APIConnectionError ||
    (error instanceof APIError &&
      error.status !== undefined &&
      (error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500));
  if (isRetried) {
    const retries = maxRetries === 1 ? "1 retry" : `${maxRetries} retries`;
    return `the Messages API still failed after ${retries}: ${describeApiError(error)}`;
  }
  if (error instanceof APIError && error.status !== undefined) {
    return `the Messages API refused the request: ${describeApiError(error)}`;
  }
  // An error event in the middle of a stream, or a stream cut short: the SDK does not retry those.
  return `the Messages API failed during the response: ${describeApiError(error)}`;
}

/** The API's answer to a request over the model's context window (400 invalid_request_error). */
export function isPromptTooLong(error: unknown): boolean {
  return (
    error instanceof APIError &&
    error.status === 400 &&
    /prompt is too long|context window|too many tokens/i.test(error.apiMessage ?? error.message)
  );
}
