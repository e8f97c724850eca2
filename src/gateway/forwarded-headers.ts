/**
 * Which headers cross the gateway. Upstream: the agent's headers (anthropic-version,
 * anthropic-beta, openai-beta, content-type, accept, user-agent, x-stainless-*) minus every
 * credential it presented, plus the supervisor's real one. Back to the agent: the provider's
 * headers (request-id, rate-limit and retry hints) minus those that describe a hop or an encoding
 * the gateway's fetch already undid. Pure.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Provider } from "./gateway-routes.ts";

/**
 * Never sent upstream. Credentials: the worker's token must never leave the gateway. Hop-by-hop
 * headers and the length: the fetch frames its own request. Account selectors (OpenAI
 * organisation and project, ChatGPT account): they belong with the credential, so a worker cannot
 * bill another project the supervisor's key can reach. accept-encoding: the fetch negotiates and
 * decodes, so the usage reader sees plain bytes.
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
  "content-length",
  "accept-encoding",
  "openai-organization",
  "openai-project",
  "chatgpt-account-id",
]);

/**
 * Never sent back. content-encoding and content-length: the fetch decoded the body, so both would
 * describe bytes the agent does not get. set-cookie: a provider's cookies are for its own clients.
 */
const neverForwardedBack = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "content-encoding",
  "content-length",
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

export function clientResponseHeaders(upstream: Headers): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  upstream.forEach((value, name) => {
    if (!neverForwardedBack.has(name)) headers[name] = value;
  });
  return headers;
}
