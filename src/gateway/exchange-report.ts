/**
 * What an exchange tells the rest of the run, decided from what was observed: the transcript
 * record, the usage, and whether it was an upstream failure (the model_blocked signal's input).
 * Pure. Every text in the record passes the redactor; the gateway's redactor always knows the real
 * keys, whatever the caller's does.
 */

import type { PricingTable } from "../model/index.ts";
import type { Redactor } from "../sandbox/index.ts";
import type { ExcerptSnapshot } from "./body-excerpt.ts";
import type { ExchangeEnd, ForwardedExchange } from "./forward-exchange.ts";
import type { Endpoint, Provider } from "./gateway-routes.ts";
import { type GatewayUsage, gatewayUsageOf } from "./gateway-usage.ts";
import { parseJson, recordOf, stringOf } from "./usage-reading.ts";

/** One request and its answer, as the workstream's transcript records it. */
export interface ModelExchange {
  provider: Provider;
  endpoint: Endpoint;
  method: string;
  /** The path below the provider prefix, query included, as the agent sent it. */
  path: string;
  status: number;
  end: ExchangeEnd | "refused_by_budget";
  durationMs: number;
  requestBody: ExcerptSnapshot;
  response: {
    contentType: string | null;
    isStreamed: boolean;
    body: ExcerptSnapshot;
    stopReason: string | null;
  };
  usage: GatewayUsage | null;
  failure: UpstreamFailure | null;
}

/** A failure the agent cannot fix by asking differently: the input of the model_blocked signal. */
export interface UpstreamFailure {
  provider: Provider;
  /** The upstream status, 502 when none came, 200 for an error event inside a stream. */
  status: number;
  message: string;
  /** Failures in a row for this workstream, this one included; a completed response resets it. */
  consecutiveFailures: number;
}

export interface ExchangeFacts {
  provider: Provider;
  endpoint: Endpoint;
  method: string;
  path: string;
  durationMs: number;
  forwarded: ForwardedExchange;
}

/**
 * Statuses that say the upstream, not the request, is the problem: the real key refused (401,
 * 403), limits (429), and the provider's own errors (5xx, 529). A 400 or 404 is the agent's to fix.
 */
export function isUpstreamFailureStatus(status: number): boolean {
  return status === 401 || status === 403 || status === 429 || status >= 500;
}

/** The failure an exchange shows, without its place in a run of failures. */
export function upstreamFailureOf(facts: ExchangeFacts): Omit<UpstreamFailure, "consecutiveFailures"> | null {
  const { forwarded, provider } = facts;
  if (forwarded.failureMessage !== null) {
    return { provider, status: forwarded.status, message: forwarded.failureMessage };
  }
  const streamError = forwarded.reading?.streamError;
  if (streamError) {
    return { provider, status: forwarded.status, message: `${streamError.type}: ${streamError.message}` };
  }
  if (forwarded.end === "completed" && isUpstreamFailureStatus(forwarded.status)) {
    return { provider, status: forwarded.status, message: errorMessageOf(forwarded.responseBody) };
  }
  return null;
}

/** True for an exchange that shows the upstream works: a whole 2xx answer without an error event. */
export function isUpstreamSuccess(facts: ExchangeFacts): boolean {
  const { forwarded } = facts;
  return (
    forwarded.end === "completed" &&
    forwarded.status >= 200 &&
    forwarded.status < 300 &&
    !forwarded.reading?.streamError
  );
}

export function usageOfExchange(facts: ExchangeFacts, pricing: PricingTable): GatewayUsage | null {
  const { forwarded } = facts;
  if (forwarded.reading === null) return null;
  return gatewayUsageOf(facts.provider, forwarded.reading, requestedModelOf(forwarded.requestBody), pricing);
}

export function exchangeRecordOf(
  facts: ExchangeFacts,
  usage: GatewayUsage | null,
  failure: UpstreamFailure | null,
  redact: Redactor,
): ModelExchange {
  const { forwarded } = facts;
  const redactExcerpt = (excerpt: ExcerptSnapshot): ExcerptSnapshot => ({
    ...excerpt,
    text: redact(excerpt.text),
  });
  return {
    provider: facts.provider,
    endpoint: facts.endpoint,
    method: facts.method,
    path: redact(facts.path),
    status: forwarded.status,
    end: forwarded.end,
    durationMs: facts.durationMs,
    requestBody: redactExcerpt(forwarded.requestBody),
    response: {
      contentType: forwarded.contentType,
      isStreamed: forwarded.isStreamed,
      body: redactExcerpt(forwarded.responseBody),
      stopReason: forwarded.reading?.stopReason ?? null,
    },
    usage,
    failure: failure === null ? null : { ...failure, message: redact(failure.message) },
  };
}

/**
 * The model the request named, for pricing when the response names none. The SDKs write `model`
 * first, so it is in the excerpt even when the body was cut; a whole body is parsed properly.
 */
function requestedModelOf(requestBody: ExcerptSnapshot): string | null {
  if (!requestBody.isTruncated) {
    const model = stringOf(recordOf(parseJson(requestBody.text))?.model);
    if (model !== null) return model;
  }
  return /"model"\s*:\s*"([^"\\]{1,200})"/.exec(requestBody.text)?.[1] ?? null;
}

/** The provider's own error message (both shapes nest it as `error.message`), else the body's start. */
function errorMessageOf(body: ExcerptSnapshot): string {
  const error = recordOf(recordOf(parseJson(body.text))?.error);
  const message = stringOf(error?.message);
  if (message !== null)
    return stringOf(error?.type) === null ? message : `${String(error?.type)}: ${message}`;
  const text = body.text.trim().slice(0, 500);
  return text === "" ? "no message" : text;
}
