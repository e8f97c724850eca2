/**
 * The Octokit the github forge talks through: @octokit/rest with plugin-retry (5xx and network
 * failures) and plugin-throttling (primary and secondary rate limits), over a transport that
 * limits concurrency (request-gate.ts), answers unchanged GETs from cache (conditional-requests.ts)
 * and reports every HTTP exchange. The token travels only in the Authorization header Octokit sets.
 */
import { retry } from "@octokit/plugin-retry";
import { type ThrottlingOptions, throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import type { Clock } from "../../clock.ts";
import { withConditionalRequests } from "./conditional-requests.ts";
import { createRequestGate } from "./request-gate.ts";

const SuperviseOctokit = Octokit.plugin(retry, throttling);
export type GithubClient = InstanceType<typeof SuperviseOctokit>;

export interface GithubRequestInfo {
  method: string;
  url: string;
  /** 304 for a GET answered from cache; 0 when no response came. */
  status: number;
}

export interface GithubClientOptions {
  apiUrl: string;
  token: string;
  fetch?: typeof fetch | undefined;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  /** Scales every retry wait of both plugins; GitHub's seconds become this many ms. Default 1000. */
  retryAfterBaseValueMs?: number | undefined;
  /** Default 1000, GitHub's guidance between mutations. */
  writeSpacingMs?: number | undefined;
  /** Default 4. */
  maxRequestsInFlight?: number | undefined;
  onRequest?: ((info: GithubRequestInfo) => void) | undefined;
}

/**
 * Client errors mean the request itself is wrong or refused, and a merge's 405/409 are answers,
 * so none of them is retried. 403 and 429 are plugin-throttling's: it retries the rate-limited ones.
 */
const doNotRetry = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];
/** A primary rate limit resetting later than this fails the request instead of stalling the run. */
const maxRateLimitWaitSeconds = 60;
const maxSecondaryRateLimitRetries = 3;

type LimiterGroup = NonNullable<Extract<ThrottlingOptions, { onRateLimit: unknown }>["write"]>;

/**
 * plugin-throttling calls `group.key(id).schedule(options, task, ...args)` on its Bottleneck
 * groups; this one runs the task at once, because the request gate already spaces writes.
 */
const passThroughGroup = {
  key: () => ({
    schedule: (_options: unknown, task: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve(task(...args)),
  }),
} as unknown as LimiterGroup;

export function createGithubClient(options: GithubClientOptions): GithubClient {
  const retryAfterBaseValue = options.retryAfterBaseValueMs ?? 1000;
  const gate = createRequestGate({
    maxInFlight: options.maxRequestsInFlight ?? 4,
    writeSpacingMs: options.writeSpacingMs ?? 1000,
    clock: options.clock,
    sleep: options.sleep,
  });
  // Looked up per request, so an interceptor installed after the forge was made (msw) still applies.
  const baseFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const observedFetch: typeof fetch = async (input, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    const url = input instanceof Request ? input.url : String(input);
    try {
      const response = await baseFetch(input, init);
      options.onRequest?.({ method, url, status: response.status });
      return response;
    } catch (error) {
      options.onRequest?.({ method, url, status: 0 });
      throw error;
    }
  };
  const conditionalFetch = withConditionalRequests(observedFetch);
  const gatedFetch: typeof fetch = (input, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    return gate.run(method === "GET" || method === "HEAD" ? "read" : "write", () =>
      conditionalFetch(input, init),
    );
  };

  const silent = () => {};
  return new SuperviseOctokit({
    auth: options.token,
    baseUrl: options.apiUrl.replace(/\/+$/, ""),
    userAgent: "supervise",
    // Octokit logs failed requests (method and path); errors reach the caller as exceptions instead.
    log: { debug: silent, info: silent, warn: silent, error: silent },
    request: { fetch: gatedFetch },
    retry: { doNotRetry, retryAfterBaseValue },
    throttle: {
      retryAfterBaseValue,
      write: passThroughGroup,
      notifications: passThroughGroup,
      onRateLimit: (retryAfterSeconds, _request, _octokit, retryCount) =>
        retryCount < 1 && retryAfterSeconds <= maxRateLimitWaitSeconds,
      onSecondaryRateLimit: (_retryAfterSeconds, _request, _octokit, retryCount) =>
        retryCount < maxSecondaryRateLimitRetries,
    },
  });
}
