/**
 * The gateway between a loopback fake upstream and a plain HTTP client, with every hook recorded.
 * Hooks resolve waiters, so a test awaits the exchange it caused instead of sleeping.
 */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { ManualClock } from "../../src/clock.ts";
import {
  type GatewayUsage,
  gatewayTokenPrefix,
  type ModelExchange,
  type ModelGateway,
  type ModelGatewayOptions,
  startModelGateway,
  type UpstreamFailure,
} from "../../src/gateway/index.ts";
import type { PricingTable } from "../../src/model/index.ts";
import { type FakeModelUpstream, startFakeModelUpstream } from "../fakes/model-upstream.ts";

export const anthropicKey = "sk-ant-api03-real-supervisor-key-0123456789";
export const openaiKey = "sk-proj-real-supervisor-openai-key-9876543210";

/** Sonnet at its list price; no OpenAI family, as in the bundled table. */
export const testPricing: PricingTable = {
  effectiveDate: "2026-11-24",
  source: "test",
  families: {
    sonnet: {
      inputUsdPerMillion: 3,
      outputUsdPerMillion: 15,
      cacheWrite5mUsdPerMillion: 3.75,
      cacheWrite1hUsdPerMillion: 6,
      cacheReadUsdPerMillion: 0.3,
    },
  },
};

/** A queue that hands out recorded values in order, waiting for one that has not come yet. */
export class Recorded<Value> {
  readonly all: Value[] = [];
  private readonly waiting: ((value: Value) => void)[] = [];
  private taken = 0;

  add(value: Value): void {
    this.all.push(value);
    const waiter = this.waiting.shift();
    if (waiter) {
      this.taken++;
      waiter(value);
    }
  }

  next(): Promise<Value> {
    if (this.taken < this.all.length) return Promise.resolve(this.all[this.taken++]!);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

export interface Harness {
  upstream: FakeModelUpstream;
  gateway: ModelGateway;
  clock: ManualClock;
  exchanges: Recorded<[string, ModelExchange]>;
  usage: Recorded<[string, GatewayUsage]>;
  failures: Recorded<[string, UpstreamFailure]>;
  activity: string[];
  internalErrors: unknown[];
  close(): Promise<void>;
}

export async function startHarness(
  overrides: Partial<ModelGatewayOptions> & { socketPath?: string } = {},
): Promise<Harness> {
  const upstream = await startFakeModelUpstream({ anthropicKey, openaiKey, forbidden: gatewayTokenPrefix });
  const clock = new ManualClock();
  const exchanges = new Recorded<[string, ModelExchange]>();
  const usage = new Recorded<[string, GatewayUsage]>();
  const failures = new Recorded<[string, UpstreamFailure]>();
  const activity: string[] = [];
  const internalErrors: unknown[] = [];
  const gateway = await startModelGateway({
    upstreams: {
      anthropic: { baseUrl: upstream.url, apiKey: anthropicKey, keyName: "ANTHROPIC_API_KEY" },
      openai: { baseUrl: `${upstream.url}/v1`, apiKey: openaiKey, keyName: "OPENAI_API_KEY" },
    },
    pricing: testPricing,
    clock,
    onExchange: (workstreamId, exchange) => exchanges.add([workstreamId, exchange]),
    onUsage: (workstreamId, each) => usage.add([workstreamId, each]),
    onUpstreamFailure: (workstreamId, failure) => failures.add([workstreamId, failure]),
    onActivity: (workstreamId) => activity.push(workstreamId),
    onInternalError: (error) => internalErrors.push(error),
    ...overrides,
  });
  return {
    upstream,
    gateway,
    clock,
    exchanges,
    usage,
    failures,
    activity,
    internalErrors,
    async close() {
      await gateway.close();
      await upstream.close();
    },
  };
}

export interface ClientCall {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Through the unix socket instead of the TCP port. */
  socketPath?: string;
}

export interface ClientAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request as an agent would send it, read to the end. */
export function call(gateway: ModelGateway, options: ClientCall): Promise<ClientAnswer> {
  return new Promise((resolve, reject) => {
    const request = openRequest(gateway, options);
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

export function openRequest(gateway: ModelGateway, options: ClientCall) {
  const port = Number(new URL(gateway.origin).port);
  return httpRequest({
    ...(options.socketPath === undefined ? { host: "127.0.0.1", port } : { socketPath: options.socketPath }),
    method: options.method ?? "POST",
    path: options.path,
    headers: {
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
  });
}

export const anthropicHeaders = (token: string): Record<string, string> => ({
  "x-api-key": token,
  "anthropic-version": "2023-06-01",
  "anthropic-beta": "interleaved-thinking-2025-05-14",
});

export const messagesRequest = (isStream: boolean) => ({
  model: "claude-sonnet-5-5",
  max_tokens: 1024,
  ...(isStream ? { stream: true } : {}),
  messages: [{ role: "user", content: "Say hello." }],
});
