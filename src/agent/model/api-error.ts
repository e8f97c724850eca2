import { type AnthropicError, APIError } from "@anthropic-ai/sdk";

/**
 * An SDK error for the journal: status, error type and the API's own message, rather than the
 * SDK's message, which embeds the raw JSON body.
 */
export function describeApiError(error: AnthropicError): string {
  if (!(error instanceof APIError) || error.status === undefined) return `${error.name}: ${error.message}`;
  const request = error.requestID ? ` (request ${error.requestID})` : "";
  return `${error.status} ${error.type ?? error.name}: ${error.apiMessage ?? error.message}${request}`;
}
