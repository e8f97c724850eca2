/**
 * The run's model gateway: one HTTP server that every worker's Claude Code or Codex talks to in
 * place of the provider. It listens on loopback TCP and, for sandboxes (which have no network),
 * on a unix socket the run binds into each one behind a loopback bridge.
 *
 * A request is routed by its path prefix, authenticated by the workstream's gateway token, checked
 * against the workstream's budget, then forwarded with the supervisor's real credential; what came
 * back is reported through the hooks: usage, the exchange for the transcript, activity for the
 * idle signal, and upstream failures for model_blocked. The gateway keeps no counts of its own
 * beyond failures in a row: budgets are the caller's, asked before each request.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../clock.ts";
import type { PricingTable } from "../model/index.ts";
import { createRedactor, type Redactor } from "../sandbox/index.ts";
import {
  type ExchangeFacts,
  exchangeRecordOf,
  isUpstreamSuccess,
  type ModelExchange,
  type UpstreamFailure,
  upstreamFailureOf,
  usageOfExchange,
} from "./exchange-report.ts";
import { forwardExchange } from "./forward-exchange.ts";
import { listenForGateway } from "./gateway-listeners.ts";
import { type Endpoint, gatewayBaseUrl, type Provider, routeOf, upstreamUrlOf } from "./gateway-routes.ts";
import { createGatewayTokens, presentedCredentials } from "./gateway-tokens.ts";
import type { GatewayUsage } from "./gateway-usage.ts";
import { type GatewayProblem, providerErrorResponse } from "./provider-errors.ts";
import { createNodeHttpTransport, type UpstreamTransport } from "./upstream-transport.ts";

/** Where one provider's API is and the supervisor's key for it; read from its environment by the caller. */
export interface UpstreamCredential {
  /** As ANTHROPIC_BASE_URL (`https://api.anthropic.com`) or OPENAI_BASE_URL (`https://api.openai.com/v1`). */
  baseUrl: string;
  apiKey: string;
  /** The variable the key came from, for redactions: `[REDACTED:ANTHROPIC_API_KEY]`. */
  keyName: string;
}

export type BudgetDecision = { allowed: true } | { allowed: false; message: string };

export interface ModelGatewayOptions {
  /** A provider without an entry answers 404, and counts as an upstream failure. */
  upstreams: Partial<Record<Provider, UpstreamCredential>>;
  pricing: PricingTable;
  clock: Clock;
  /** How requests reach the providers; default node:http(s) with kept-alive connections, closed with the gateway. */
  transport?: UpstreamTransport;
  /** Also listen here (a stale socket file is replaced); the folder should be the supervisor's own. */
  socketPath?: string;
  /** Applied to every text handed to onExchange and onUpstreamFailure, after the real keys are hidden. */
  redact?: Redactor;
  /** Bytes of each body kept for the transcript; default 16 KiB. */
  excerptLimitBytes?: number;
  /** At most one onActivity per workstream per this long while traffic flows; default 1000. */
  activityIntervalMs?: number;
  /**
   * Asked before each request that can spend (all but count_tokens). A refusal reaches the agent as
   * a provider-shaped 400 carrying `message` (see provider-errors.ts for why 400).
   */
  beforeRequest?: (
    workstreamId: string,
    request: { provider: Provider; endpoint: Endpoint },
  ) => BudgetDecision | Promise<BudgetDecision>;
  onExchange?: (workstreamId: string, exchange: ModelExchange) => void;
  onUsage?: (workstreamId: string, usage: GatewayUsage) => void;
  onActivity?: (workstreamId: string) => void;
  onUpstreamFailure?: (workstreamId: string, failure: UpstreamFailure) => void;
  /** A hook threw or the gateway hit a bug; the exchange was answered (a 500 if nothing else). */
  onInternalError: (error: unknown) => void;
}

export interface ModelGateway {
  /** `http://127.0.0.1:PORT`, the loopback TCP listener. */
  readonly origin: string;
  readonly socketPath: string | undefined;
  /** A worker's base URL on the TCP listener: `…/anthropic` or `…/openai/v1`. */
  url(provider: Provider): string;
  /** A new token for the workstream (its previous one stops working). */
  grant(workstreamId: string): { token: string };
  /** The token stops working and the workstream's exchanges under way are stopped. */
  revoke(workstreamId: string): void;
  /** Every token stops working, every exchange is stopped, both listeners close. */
  close(): Promise<void>;
}

export async function startModelGateway(options: ModelGatewayOptions): Promise<ModelGateway> {
  const tokens = createGatewayTokens();
  const transport = options.transport ?? createNodeHttpTransport();
  const exchangesUnderWay = new Map<string, Set<AbortController>>();
  const failuresInRow = new Map<string, number>();
  const lastActivityMs = new Map<string, number>();
  const activityIntervalMs = options.activityIntervalMs ?? 1000;
  const hideKeys = createRedactor(
    Object.fromEntries(
      Object.values(options.upstreams).map((upstream) => [upstream.keyName, upstream.apiKey]),
    ),
  );
  const redact: Redactor = (text) => (options.redact ?? ((same) => same))(hideKeys(text));

  const safely = (hook: () => void) => {
    try {
      hook();
    } catch (error) {
      options.onInternalError(error);
    }
  };
  const noteActivity = (workstreamId: string) => {
    const nowMs = options.clock.now();
    const lastMs = lastActivityMs.get(workstreamId);
    if (lastMs !== undefined && nowMs - lastMs < activityIntervalMs) return;
    lastActivityMs.set(workstreamId, nowMs);
    safely(() => options.onActivity?.(workstreamId));
  };
  const stopExchanges = (workstreamId: string) => {
    for (const controller of exchangesUnderWay.get(workstreamId) ?? []) controller.abort();
    exchangesUnderWay.delete(workstreamId);
  };

  function report(workstreamId: string, facts: ExchangeFacts): void {
    const usage = usageOfExchange(facts, options.pricing);
    const shown = upstreamFailureOf(facts);
    let failure: UpstreamFailure | null = null;
    if (shown !== null) {
      const consecutiveFailures = (failuresInRow.get(workstreamId) ?? 0) + 1;
      failuresInRow.set(workstreamId, consecutiveFailures);
      failure = { ...shown, message: redact(shown.message), consecutiveFailures };
    } else if (isUpstreamSuccess(facts)) {
      failuresInRow.delete(workstreamId);
    }
    if (usage !== null) safely(() => options.onUsage?.(workstreamId, usage));
    const record = exchangeRecordOf(facts, usage, failure, redact);
    safely(() => options.onExchange?.(workstreamId, record));
    if (failure !== null) safely(() => options.onUpstreamFailure?.(workstreamId, failure));
  }

  async function handle(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const startedMs = options.clock.now();
    const method = incoming.method ?? "GET";
    const route = routeOf(method, incoming.url ?? "/");
    if (route.kind === "probe") {
      outgoing.writeHead(200, { "content-type": "text/plain" });
      outgoing.end();
      return;
    }
    if (route.kind === "not_found") {
      send(outgoing, route.provider, { kind: "not_found", message: route.reason });
      return;
    }
    const credential = presentedCredentials(incoming.headers).find(
      (each) => tokens.workstreamOf(each) !== undefined,
    );
    const workstreamId = credential === undefined ? undefined : tokens.workstreamOf(credential);
    if (credential === undefined || workstreamId === undefined) {
      send(outgoing, route.provider, { kind: "unauthenticated", message: unauthenticatedMessage });
      return;
    }
    noteActivity(workstreamId);
    const factsOf = (forwarded: ExchangeFacts["forwarded"]): ExchangeFacts => ({
      provider: route.provider,
      endpoint: route.endpoint,
      method,
      path: route.upstreamPath,
      durationMs: options.clock.now() - startedMs,
      forwarded,
    });
    const upstream = options.upstreams[route.provider];
    if (upstream === undefined) {
      const message = `this run has no ${route.provider} credential, so the gateway cannot forward to the ${route.provider} API.`;
      send(outgoing, route.provider, { kind: "not_found", message });
      report(workstreamId, factsOf(gatewayAnswer(404, "upstream_unreachable", message)));
      return;
    }
    if (route.endpoint !== "count_tokens" && options.beforeRequest) {
      const decision = await options.beforeRequest(workstreamId, {
        provider: route.provider,
        endpoint: route.endpoint,
      });
      if (!decision.allowed) {
        send(outgoing, route.provider, { kind: "refused_by_budget", message: decision.message });
        const refused = exchangeRecordOf(factsOf(gatewayAnswer(400, "completed", null)), null, null, redact);
        safely(() => options.onExchange?.(workstreamId, { ...refused, end: "refused_by_budget" }));
        return;
      }
      // The worker may have stopped (its token revoked) while its budget was being asked.
      if (tokens.workstreamOf(credential) !== workstreamId) {
        send(outgoing, route.provider, { kind: "unauthenticated", message: unauthenticatedMessage });
        return;
      }
    }
    const controller = new AbortController();
    const underWay = exchangesUnderWay.get(workstreamId) ?? new Set();
    exchangesUnderWay.set(workstreamId, underWay.add(controller));
    try {
      const forwarded = await forwardExchange(
        incoming,
        outgoing,
        {
          provider: route.provider,
          endpoint: route.endpoint,
          url: upstreamUrlOf(upstream.baseUrl, route.upstreamPath),
          apiKey: upstream.apiKey,
        },
        {
          transport,
          excerptLimitBytes: options.excerptLimitBytes ?? 16 * 1024,
          signal: controller.signal,
          onProgress: () => noteActivity(workstreamId),
        },
      );
      noteActivity(workstreamId);
      report(workstreamId, factsOf(forwarded));
    } finally {
      underWay.delete(controller);
    }
  }

  const onRequest = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      options.onInternalError(error);
      if (!outgoing.headersSent)
        send(outgoing, null, { kind: "internal", message: "the gateway failed; this is a bug." });
      else outgoing.destroy();
    });
  };
  const listeners = await listenForGateway(onRequest, options.socketPath);
  const { origin } = listeners;

  return {
    origin,
    socketPath: options.socketPath,
    url: (provider) => gatewayBaseUrl(origin, provider),
    grant: (workstreamId) => ({ token: tokens.grant(workstreamId) }),
    revoke(workstreamId) {
      tokens.revoke(workstreamId);
      stopExchanges(workstreamId);
    },
    async close() {
      tokens.revokeAll();
      for (const workstreamId of [...exchangesUnderWay.keys()]) stopExchanges(workstreamId);
      await listeners.close();
      if (options.transport === undefined) transport.close();
    },
  };
}

const unauthenticatedMessage =
  "the API key is not a live gateway token of this run (unknown, or revoked when its worker stopped).";

/** An exchange the gateway answered itself, in the shape of a forwarded one for the report. */
function gatewayAnswer(
  status: number,
  end: ExchangeFacts["forwarded"]["end"],
  failureMessage: string | null,
): ExchangeFacts["forwarded"] {
  const empty = { text: "", bytes: 0, isTruncated: false };
  return {
    status,
    end,
    failureMessage,
    contentType: "application/json",
    isStreamed: false,
    requestBody: empty,
    responseBody: empty,
    reading: null,
  };
}

function send(outgoing: ServerResponse, provider: Provider | null, problem: GatewayProblem): void {
  const error = providerErrorResponse(provider, problem);
  outgoing.writeHead(error.status, error.headers);
  outgoing.end(error.body);
}
