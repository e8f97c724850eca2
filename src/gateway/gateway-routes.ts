/**
 * Where a request to the gateway goes, from its method and URL alone. One server serves both
 * providers, told apart by a path prefix that is part of each worker's base URL: Claude Code
 * appends `/v1/messages` to ANTHROPIC_BASE_URL, Codex appends `/responses` to OPENAI_BASE_URL,
 * whose conventional value already ends in `/v1`. Pure.
 */

export type Provider = "anthropic" | "openai";

/** The endpoints whose responses carry usage; everything else under a prefix is forwarded as `other`. */
export type Endpoint = "messages" | "count_tokens" | "responses" | "chat_completions" | "other";

export type GatewayRoute =
  /** Claude Code's reachability probe (`HEAD /`): answered here, no token needed, nothing forwarded. */
  | { kind: "probe" }
  /** `upstreamPath` (query included) is appended to the provider's upstream base URL. */
  | { kind: "forward"; provider: Provider; endpoint: Endpoint; upstreamPath: string }
  | { kind: "not_found"; provider: Provider | null; reason: string };

/** The path prefix of each provider: a worker's base URL is the gateway's origin plus this. */
export const providerPrefixes: Readonly<Record<Provider, string>> = {
  anthropic: "/anthropic",
  openai: "/openai/v1",
};

const probePaths = new Set([
  "/",
  "/anthropic",
  "/anthropic/",
  "/openai",
  "/openai/",
  "/openai/v1",
  "/openai/v1/",
]);

export function routeOf(method: string, url: string): GatewayRoute {
  const queryStart = url.indexOf("?");
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const query = queryStart === -1 ? "" : url.slice(queryStart);
  if (method === "HEAD" && probePaths.has(path)) return { kind: "probe" };
  for (const provider of ["anthropic", "openai"] as const) {
    const prefix = providerPrefixes[provider];
    if (!path.startsWith(`${prefix}/`)) continue;
    const rest = path.slice(prefix.length);
    // The key goes to whatever URL this builds: keep it inside the provider's API, never let `..`
    // (or its escapes) climb out of the base path the supervisor configured.
    if (/(^|\/)(\.|%2e){1,2}(\/|$)|\\|%5c|%2f/i.test(rest)) {
      return { kind: "not_found", provider, reason: `the path ${path} has a dot segment or escaped slash` };
    }
    if (provider === "anthropic" && !rest.startsWith("/v1/")) {
      return { kind: "not_found", provider, reason: `the gateway forwards only /v1/* under ${prefix}` };
    }
    return {
      kind: "forward",
      provider,
      endpoint: endpointOf(provider, rest),
      upstreamPath: `${rest}${query}`,
    };
  }
  return {
    kind: "not_found",
    provider: null,
    reason: `the gateway serves ${providerPrefixes.anthropic}/v1/* and ${providerPrefixes.openai}/*`,
  };
}

function endpointOf(provider: Provider, rest: string): Endpoint {
  const path = rest.endsWith("/") ? rest.slice(0, -1) : rest;
  if (provider === "anthropic") {
    if (path === "/v1/messages") return "messages";
    if (path === "/v1/messages/count_tokens") return "count_tokens";
    return "other";
  }
  if (path === "/responses") return "responses";
  if (path === "/chat/completions") return "chat_completions";
  return "other";
}

/** The upstream URL: the configured base (any trailing slash dropped) followed by the forwarded path. */
export function upstreamUrlOf(baseUrl: string, upstreamPath: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${upstreamPath}`;
}

/** A worker's base URL for one provider, given the gateway's origin as the worker reaches it. */
export function gatewayBaseUrl(origin: string, provider: Provider): string {
  return `${origin.replace(/\/+$/, "")}${providerPrefixes[provider]}`;
}

/**
 * What a worker's environment gets so Claude Code and Codex talk to the gateway: both base URLs,
 * and the workstream's gateway token under both key names (a capability, never the real key).
 * `origin` is the gateway as seen from inside the sandbox (the bridge's loopback address).
 */
export function workerModelEnvironment(origin: string, token: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: gatewayBaseUrl(origin, "anthropic"),
    ANTHROPIC_API_KEY: token,
    OPENAI_BASE_URL: gatewayBaseUrl(origin, "openai"),
    OPENAI_API_KEY: token,
  };
}
