/**
 * Which headers cross the gateway. Upstream: the agent's headers (anthropic-version,
 * anthropic-beta, openai-beta, content-type, accept, user-agent, x-stainless-*) minus every
 * credential it presented, plus the supervisor's real one. Back to the agent: the provider's
 * headers (request-id, rate-limit and retry hints) minus those that describe a hop. Both bodies
 * pass unchanged, so their lengths and encodings stay true. Pure.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Provider } from "./gateway-routes.ts";

/**
 * Never sent upstream. Credentials: the worker's token must never leave the gateway. Hop-by-hop
 * headers: they describe the agent's connection, not the gateway's. Account selectors (OpenAI
 * organisation and project, ChatGPT account): they belong with the credential, so a worker cannot
 * bill another project the supervisor's key can reach. accept-encoding: without it the provider
 * answers uncompressed, so the usage readers see plain bytes (upstream-transport.ts).
 */
const neverForwardedUpstream = new Set([
  "authorization",
  "x-api-key",
  "api-key",
  "proxy-authorization",
  "cookie",
  "host",
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "accept-encoding",
  "openai-organization",
  "openai-project",
  "chatgpt-account-id",
]);

/** Never sent back: hop-by-hop headers, and set-cookie (a provider's cookies are for its own clients). */
const neverForwardedBack = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "set-cookie",
]);

export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  provider: Provider,
  apiKey: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || neverForwardedUpstream.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  if (provider === "anthropic") headers["x-api-key"] = apiKey;
  else headers.authorization = `Bearer ${apiKey}`;
  return headers;
}

export function clientResponseHeaders(upstream: IncomingHttpHeaders): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value !== undefined && !neverForwardedBack.has(name)) headers[name] = value;
  }
  return headers;
}
