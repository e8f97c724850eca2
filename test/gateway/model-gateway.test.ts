/**
 * The gateway between a loopback fake of the model APIs and a plain HTTP client standing in for
 * Claude Code or Codex: forwarding with the real key, usage read from JSON and SSE, tokens and
 * their revocation, budget refusals, upstream failures, and the unix-socket listener.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ModelGatewayOptions } from "../../src/gateway/index.ts";
import { openAiPricesFor, type PricingTable } from "../../src/model/index.ts";
import { anthropicModel, anthropicUsage, openaiModel } from "../fakes/model-upstream.ts";
import {
  anthropicHeaders,
  anthropicKey,
  call,
  type Harness,
  messagesRequest,
  openaiKey,
  openRequest,
  startHarness,
  testPricing,
} from "./gateway-harness.ts";

let harness: Harness | undefined;
let socketFolder: string | undefined;

afterEach(async () => {
  await harness?.close();
  if (harness) {
    expect(harness.upstream.violations).toEqual([]);
    expect(harness.internalErrors).toEqual([]);
  }
  harness = undefined;
  if (socketFolder) await rm(socketFolder, { recursive: true, force: true });
  socketFolder = undefined;
});

async function start(overrides: Partial<ModelGatewayOptions> = {}): Promise<Harness> {
  harness = await startHarness(overrides);
  return harness;
}

/** Sonnet's list prices applied to the fake's Anthropic usage. */
const anthropicCostUsd = (12 * 3 + 300 * 3.75 + 2000 * 0.3 + 25 * 15) / 1_000_000;

const anthropicTurn = {
  provider: "anthropic",
  model: anthropicModel,
  turns: 1,
  inputTokens: 12,
  outputTokens: 25,
  cacheReadTokens: 2000,
  cacheWriteTokens: 300,
  costUsd: anthropicCostUsd,
  isCostKnown: true,
  areTokensKnown: true,
};

describe("Anthropic Messages", () => {
  it("forwards a request with the real key and reports its usage, cache tokens included, as one turn", async () => {
    const { gateway, upstream, usage, exchanges } = await start();
    const { token } = gateway.grant("ws-a");

    const answer = await call(gateway, {
      path: "/anthropic/v1/messages?beta=true",
      headers: {
        ...anthropicHeaders(token),
        authorization: `Bearer ${token}`,
        "accept-encoding": "gzip, br",
        "user-agent": "claude-cli/2.1.0 (external, cli)",
      },
      body: messagesRequest(false),
    });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ type: "message", usage: anthropicUsage });
    expect(answer.headers["request-id"]).toBe("req_fake_1");
    expect(answer.headers["content-length"]).toBe(String(Buffer.byteLength(answer.body)));
    expect(upstream.requests.map((request) => request.path)).toEqual(["/v1/messages?beta=true"]);
    const forwarded = upstream.requests[0]?.headers;
    expect(forwarded).toMatchObject({
      "x-api-key": anthropicKey,
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "interleaved-thinking-2025-05-14",
      "user-agent": "claude-cli/2.1.0 (external, cli)",
      "content-length": String(JSON.stringify(messagesRequest(false)).length),
    });
    // Uncompressed answers, so usage can be read off them as they pass.
    expect(forwarded?.["accept-encoding"]).toBeUndefined();
    expect(await usage.next()).toEqual(["ws-a", anthropicTurn]);
    const [workstreamId, exchange] = await exchanges.next();
    expect(workstreamId).toBe("ws-a");
    expect(exchange).toMatchObject({
      provider: "anthropic",
      endpoint: "messages",
      method: "POST",
      path: "/v1/messages?beta=true",
      status: 200,
      end: "completed",
      usage: anthropicTurn,
      failure: null,
      response: { contentType: "application/json", isStreamed: false, stopReason: "end_turn" },
    });
    expect(JSON.parse(exchange.requestBody.text)).toEqual(messagesRequest(false));
  });

  it("passes a stream through byte for byte and reads usage from message_start and message_delta", async () => {
    const { gateway, upstream, usage, exchanges } = await start();
    const { token } = gateway.grant("ws-a");
    const direct = await fetch(`${upstream.url}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": anthropicKey,
        "anthropic-version": "2023-06-01",
      },
      body: JSON.stringify(messagesRequest(true)),
    });

    const answer = await call(gateway, {
      path: "/anthropic/v1/messages",
      headers: anthropicHeaders(token),
      body: messagesRequest(true),
    });

    expect(answer.status).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/event-stream");
    expect(answer.body).toBe(await direct.text());
    expect(await usage.next()).toEqual(["ws-a", anthropicTurn]);
    expect((await exchanges.next())[1]).toMatchObject({
      end: "completed",
      response: { isStreamed: true, stopReason: "end_turn" },
    });
  });

  it("forwards count_tokens without asking the budget and reports no usage", async () => {
    const asked: string[] = [];
    const { gateway, usage, exchanges } = await start({
      beforeRequest: (workstreamId, request) => {
        asked.push(`${workstreamId} ${request.endpoint}`);
        return { allowed: true };
      },
    });
    const { token } = gateway.grant("ws-a");

    const answer = await call(gateway, {
      path: "/anthropic/v1/messages/count_tokens",
      headers: anthropicHeaders(token),
      body: { model: anthropicModel, messages: [{ role: "user", content: "Count me." }] },
    });

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ input_tokens: 42 });
    expect((await exchanges.next())[1]).toMatchObject({ endpoint: "count_tokens", status: 200, usage: null });
    expect(usage.all).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("answers Claude Code's HEAD probes without a token", async () => {
    const { gateway, upstream } = await start();
    for (const path of ["/", "/anthropic"]) {
      expect((await call(gateway, { method: "HEAD", path })).status).toBe(200);
    }
    expect(upstream.requests).toEqual([]);
  });
});

describe("OpenAI APIs", () => {
  it("streams a Responses answer and moves cached input from input to cache reads", async () => {
    const { gateway, upstream, usage } = await start();
    const { token } = gateway.grant("ws-codex");

    const answer = await call(gateway, {
      path: "/openai/v1/responses",
      headers: { authorization: `Bearer ${token}`, "openai-beta": "responses=experimental" },
      body: { model: openaiModel, input: "Say hello.", stream: true },
    });

    expect(answer.status).toBe(200);
    expect(answer.body).toContain("event: response.completed");
    expect(upstream.requests[0]).toMatchObject({
      path: "/v1/responses",
      headers: { authorization: `Bearer ${openaiKey}`, "openai-beta": "responses=experimental" },
    });
    // No gpt family in the table: the cost is unknown and says so, never guessed.
    expect(await usage.next()).toEqual([
      "ws-codex",
      {
        provider: "openai",
        model: openaiModel,
        turns: 1,
        inputTokens: 200,
        outputTokens: 30,
        cacheReadTokens: 1000,
        cacheWriteTokens: 0,
        costUsd: 0,
        isCostKnown: false,
        areTokensKnown: true,
      },
    ]);
  });

  it("prices an OpenAI model by the longest listed start of its id, and an unlisted one at the highest price", async () => {
    const prices = (input: number, output: number, cacheRead: number) => ({
      inputUsdPerMillion: input,
      outputUsdPerMillion: output,
      cacheWrite5mUsdPerMillion: 0,
      cacheWrite1hUsdPerMillion: 0,
      cacheReadUsdPerMillion: cacheRead,
    });
    const pricing: PricingTable = {
      ...testPricing,
      models: {
        gpt: prices(9, 90, 9),
        "gpt-5": prices(1.25, 10, 0.125),
        "gpt-5-mini": prices(0.25, 2, 0.025),
      },
    };
    expect(openAiPricesFor("gpt-5-codex", pricing)).toEqual(prices(1.25, 10, 0.125));
    expect(openAiPricesFor("gpt-5-mini-2026", pricing)).toEqual(prices(0.25, 2, 0.025));
    expect(openAiPricesFor("o9-unknown", pricing)).toEqual(prices(9, 90, 9));
    const { gateway, usage } = await start({ pricing });
    const { token } = gateway.grant("ws-codex");

    await call(gateway, {
      path: "/openai/v1/responses",
      headers: { authorization: `Bearer ${token}` },
      body: { model: openaiModel, input: "Say hello." },
    });

    expect((await usage.next())[1]).toMatchObject({
      turns: 1,
      costUsd: (200 * 1.25 + 1000 * 0.125 + 30 * 10) / 1_000_000,
      isCostKnown: true,
    });
  });

  it("forwards Chat Completions, JSON and streamed, and says when a stream reported no tokens", async () => {
    const { gateway, usage } = await start();
    const { token } = gateway.grant("ws-chat");
    const chat = (body: Record<string, unknown>) =>
      call(gateway, {
        path: "/openai/v1/chat/completions",
        headers: { "api-key": token },
        body: { model: openaiModel, messages: [{ role: "user", content: "Say hello." }], ...body },
      });
    const counted = {
      inputTokens: 200,
      outputTokens: 30,
      cacheReadTokens: 1000,
      turns: 1,
      areTokensKnown: true,
    };

    expect((await chat({})).status).toBe(200);
    expect((await usage.next())[1]).toMatchObject(counted);
    const streamed = await chat({ stream: true, stream_options: { include_usage: true } });
    expect(streamed.body.endsWith("data: [DONE]\n\n")).toBe(true);
    expect((await usage.next())[1]).toMatchObject(counted);
    await chat({ stream: true });
    expect((await usage.next())[1]).toMatchObject({
      turns: 1,
      inputTokens: 0,
      outputTokens: 0,
      areTokensKnown: false,
      isCostKnown: false,
    });
  });
});

describe("tokens", () => {
  it("refuses an unknown token in each provider's error shape, before anything goes upstream", async () => {
    const { gateway, upstream, exchanges } = await start();

    const anthropic = await call(gateway, {
      path: "/anthropic/v1/messages",
      headers: anthropicHeaders("sk-ant-guessed"),
      body: messagesRequest(false),
    });
    const openai = await call(gateway, {
      path: "/openai/v1/responses",
      headers: { authorization: "Bearer sk-guessed" },
      body: { model: openaiModel, input: "hi" },
    });

    expect(anthropic.status).toBe(401);
    expect(JSON.parse(anthropic.body)).toMatchInlineSnapshot(`
      {
        "error": {
          "message": "supervise gateway: the API key is not a live gateway token of this run (unknown, or revoked when its worker stopped).",
          "type": "authentication_error",
        },
        "type": "error",
      }
    `);
    expect(openai.status).toBe(401);
    expect(JSON.parse(openai.body)).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "invalid_api_key",
          "message": "supervise gateway: the API key is not a live gateway token of this run (unknown, or revoked when its worker stopped).",
          "param": null,
          "type": "invalid_request_error",
        },
      }
    `);
    expect(upstream.requests).toEqual([]);
    expect(exchanges.all).toEqual([]);
  });

  it("stops a workstream's token at revoke, and a new grant replaces the old token", async () => {
    const { gateway, upstream } = await start();
    const first = gateway.grant("ws-a").token;
    const other = gateway.grant("ws-b").token;
    const send = (token: string) =>
      call(gateway, {
        path: "/anthropic/v1/messages",
        headers: anthropicHeaders(token),
        body: messagesRequest(false),
      });

    expect((await send(first)).status).toBe(200);
    gateway.revoke("ws-a");
    expect((await send(first)).status).toBe(401);
    expect((await send(other)).status).toBe(200);
    const second = gateway.grant("ws-a").token;
    const third = gateway.grant("ws-a").token;
    expect((await send(second)).status).toBe(401);
    expect((await send(third)).status).toBe(200);
    expect(upstream.requests).toHaveLength(3);
  });

  it("stops every token at close", async () => {
    const { gateway } = await start();
    const { token } = gateway.grant("ws-a");
    const port = new URL(gateway.origin).port;
    await gateway.close();

    await expect(
      fetch(`http://127.0.0.1:${port}/anthropic/v1/messages`, {
        method: "POST",
        headers: anthropicHeaders(token),
      }),
    ).rejects.toThrow();
  });
});

describe("the real key", () => {
  it("never appears in what the transcript or the failure signal get, even when the upstream echoes it", async () => {
    const { gateway, upstream, exchanges, failures } = await start({
      redact: (text) => text.replaceAll("project-secret", "[REDACTED:PROJECT_SECRET]"),
    });
    const { token } = gateway.grant("ws-a");
    upstream.script({
      kind: "status",
      status: 401,
      body: {
        type: "error",
        error: { type: "authentication_error", message: `invalid x-api-key ${anthropicKey}` },
      },
    });

    const answer = await call(gateway, {
      path: `/anthropic/v1/messages?echo=${anthropicKey}`,
      headers: anthropicHeaders(token),
      body: { ...messagesRequest(false), system: `keys: ${anthropicKey} ${openaiKey} project-secret` },
    });

    expect(answer.status).toBe(401);
    const [, exchange] = await exchanges.next();
    const [, failure] = await failures.next();
    const recorded = JSON.stringify([exchange, failure]);
    expect(recorded).not.toContain(anthropicKey);
    expect(recorded).not.toContain(openaiKey);
    expect(recorded).not.toContain(token);
    expect(recorded).not.toContain("project-secret");
    expect(failure).toEqual({
      provider: "anthropic",
      status: 401,
      message: "authentication_error: invalid x-api-key [REDACTED:ANTHROPIC_API_KEY]",
      consecutiveFailures: 1,
    });
    expect(exchange.requestBody.text).toContain(
      "keys: [REDACTED:ANTHROPIC_API_KEY] [REDACTED:OPENAI_API_KEY] [REDACTED:PROJECT_SECRET]",
    );
  });
});

describe("budgets", () => {
  const refusal = "the token budget of ws-a (2,000,000) is spent; the supervisor has asked a human.";

  it("refuses a request past the budget with a 400 the agent shows and does not retry", async () => {
    const { gateway, upstream, exchanges } = await start({
      beforeRequest: () => ({ allowed: false, message: refusal }),
    });
    const { token } = gateway.grant("ws-a");

    const anthropic = await call(gateway, {
      path: "/anthropic/v1/messages",
      headers: anthropicHeaders(token),
      body: messagesRequest(true),
    });
    const openai = await call(gateway, {
      path: "/openai/v1/responses",
      headers: { authorization: `Bearer ${token}` },
      body: { model: openaiModel, input: "hi", stream: true },
    });

    expect(anthropic.status).toBe(400);
    expect(anthropic.headers["x-should-retry"]).toBe("false");
    expect(JSON.parse(anthropic.body)).toMatchInlineSnapshot(`
      {
        "error": {
          "message": "supervise gateway: the token budget of ws-a (2,000,000) is spent; the supervisor has asked a human.",
          "type": "invalid_request_error",
        },
        "type": "error",
      }
    `);
    expect(openai.status).toBe(400);
    expect(JSON.parse(openai.body)).toMatchInlineSnapshot(`
      {
        "error": {
          "code": "budget_exhausted",
          "message": "supervise gateway: the token budget of ws-a (2,000,000) is spent; the supervisor has asked a human.",
          "param": null,
          "type": "invalid_request_error",
        },
      }
    `);
    expect(upstream.requests).toEqual([]);
    expect((await exchanges.next())[1]).toMatchObject({ status: 400, end: "refused_by_budget", usage: null });
  });

  it("refuses a request whose token was revoked while its budget was being asked", async () => {
    let allow: () => void = () => {};
    let onAsked: () => void = () => {};
    const isAsked = new Promise<void>((resolve) => {
      onAsked = resolve;
    });
    const { gateway, upstream } = await start({
      beforeRequest: () =>
        new Promise((resolve) => {
          allow = () => resolve({ allowed: true });
          onAsked();
        }),
    });
    const { token } = gateway.grant("ws-a");

    const answering = call(gateway, {
      path: "/anthropic/v1/messages",
      headers: anthropicHeaders(token),
      body: messagesRequest(true),
    });
    await isAsked;
    gateway.revoke("ws-a");
    allow();

    expect((await answering).status).toBe(401);
    expect(upstream.requests).toEqual([]);
  });
});

describe("upstream failures", () => {
  it("answers 502 in the provider's shape when the upstream is unreachable, and counts failures in a row", async () => {
    const closedPort = await freePort();
    const { gateway, failures } = await start({
      upstreams: {
        anthropic: {
          baseUrl: `http://127.0.0.1:${closedPort}`,
          apiKey: anthropicKey,
          keyName: "ANTHROPIC_API_KEY",
        },
      },
    });
    const { token } = gateway.grant("ws-a");
    const send = () =>
      call(gateway, {
        path: "/anthropic/v1/messages",
        headers: anthropicHeaders(token),
        body: messagesRequest(true),
      });

    const answer = await send();
    await send();

    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.body)).toMatchObject({ type: "error", error: { type: "api_error" } });
    const [workstreamId, first] = await failures.next();
    expect(workstreamId).toBe("ws-a");
    expect(first).toMatchObject({ provider: "anthropic", status: 502, consecutiveFailures: 1 });
    expect(first.message).toContain("ECONNREFUSED");
    expect((await failures.next())[1]).toMatchObject({ consecutiveFailures: 2 });
  });

  it("passes an upstream 529 through and reports it; a completed answer resets the count", async () => {
    const { gateway, upstream, failures } = await start();
    const { token } = gateway.grant("ws-a");
    const overloaded = {
      kind: "status",
      status: 529,
      body: { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
    } as const;
    upstream.script(overloaded, { kind: "stream_error" });
    const send = () =>
      call(gateway, {
        path: "/anthropic/v1/messages",
        headers: anthropicHeaders(token),
        body: messagesRequest(true),
      });

    const answer = await send();
    expect(answer.status).toBe(529);
    expect(JSON.parse(answer.body)).toEqual(overloaded.body);
    expect(await failures.next()).toEqual([
      "ws-a",
      { provider: "anthropic", status: 529, message: "overloaded_error: Overloaded", consecutiveFailures: 1 },
    ]);
    // An error event inside a 200 stream is a failure too.
    expect((await send()).status).toBe(200);
    expect((await failures.next())[1]).toEqual({
      provider: "anthropic",
      status: 200,
      message: "overloaded_error: Overloaded",
      consecutiveFailures: 2,
    });
    await send();
    upstream.script(overloaded);
    await send();
    expect((await failures.next())[1]).toMatchObject({ status: 529, consecutiveFailures: 1 });
  });

  it("cuts the agent's stream off when the upstream's breaks off, and reports it", async () => {
    const { gateway, upstream, failures, exchanges } = await start();
    const { token } = gateway.grant("ws-a");
    upstream.script({ kind: "break_off" });

    await expect(
      call(gateway, {
        path: "/anthropic/v1/messages",
        headers: anthropicHeaders(token),
        body: messagesRequest(true),
      }),
    ).rejects.toThrow();

    const [, failure] = await failures.next();
    expect(failure).toMatchObject({ status: 200, consecutiveFailures: 1 });
    expect(failure.message).toContain("response broke off");
    // The tokens of the message_start that did arrive were spent: counted, with no turn.
    expect((await exchanges.next())[1]).toMatchObject({
      end: "upstream_broke_off",
      usage: { turns: 0, inputTokens: 12, outputTokens: 1 },
    });
  });

  it("answers a provider the run has no credential for with a 404 and reports it", async () => {
    const { gateway, upstream, failures } = await start({
      upstreams: {
        anthropic: { baseUrl: "http://127.0.0.1:9", apiKey: anthropicKey, keyName: "ANTHROPIC_API_KEY" },
      },
    });
    const { token } = gateway.grant("ws-a");

    const answer = await call(gateway, {
      path: "/openai/v1/responses",
      headers: { authorization: `Bearer ${token}` },
      body: { model: openaiModel, input: "hi" },
    });

    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "unknown_url" } });
    expect((await failures.next())[1]).toMatchObject({ provider: "openai", status: 404 });
    expect(upstream.requests).toEqual([]);
  });
});

describe("disconnects and revocation", () => {
  it("aborts the upstream request when the agent goes away mid-stream", async () => {
    const { gateway, upstream, exchanges } = await start();
    const { token } = gateway.grant("ws-a");
    upstream.script({ kind: "hang" });

    const request = openRequest(gateway, {
      path: "/anthropic/v1/messages",
      headers: anthropicHeaders(token),
      body: messagesRequest(true),
    });
    request.on("response", (response) => response.once("data", () => request.destroy()));
    request.on("error", () => {});
    request.end(JSON.stringify(messagesRequest(true)));

    await upstream.nextClientGone();
    expect((await exchanges.next())[1]).toMatchObject({
      status: 200,
      end: "client_disconnected",
      usage: { turns: 0, inputTokens: 12, outputTokens: 1, cacheReadTokens: 2000 },
    });
  });

  it("stops a workstream's stream under way when its token is revoked", async () => {
    const { gateway, upstream, exchanges } = await start();
    const { token } = gateway.grant("ws-a");
    upstream.script({ kind: "hang" });

    const ended = new Promise<string>((resolve) => {
      const request = openRequest(gateway, {
        path: "/anthropic/v1/messages",
        headers: anthropicHeaders(token),
        body: messagesRequest(true),
      });
      request.on("response", (response) => {
        response.once("data", () => gateway.revoke("ws-a"));
        response.on("error", () => resolve("cut off"));
        response.on("end", () => resolve("ended cleanly"));
      });
      request.on("error", () => resolve("cut off"));
      request.end(JSON.stringify(messagesRequest(true)));
    });

    expect(await ended).toBe("cut off");
    await upstream.nextClientGone();
    expect((await exchanges.next())[1]).toMatchObject({ end: "stopped" });
  });
});

describe("listeners, routes and activity", () => {
  it("serves the same API on its unix socket", async () => {
    socketFolder = await mkdtemp(join(tmpdir(), "supervise-gateway-"));
    const socketPath = join(socketFolder, "gateway.sock");
    const { gateway, usage } = await start({ socketPath });
    const { token } = gateway.grant("ws-a");

    expect(gateway.socketPath).toBe(socketPath);
    expect((await call(gateway, { method: "HEAD", path: "/", socketPath })).status).toBe(200);
    const answer = await call(gateway, {
      socketPath,
      path: "/anthropic/v1/messages",
      headers: anthropicHeaders(token),
      body: messagesRequest(true),
    });
    expect(answer.status).toBe(200);
    expect((await usage.next())[1]).toEqual(anthropicTurn);
  });

  it("gives base URLs that the agents append their paths to", async () => {
    const { gateway } = await start();
    expect(gateway.url("anthropic")).toBe(`${gateway.origin}/anthropic`);
    expect(gateway.url("openai")).toBe(`${gateway.origin}/openai/v1`);
  });

  it("refuses paths outside the providers' APIs without forwarding them", async () => {
    const { gateway, upstream } = await start();
    const { token } = gateway.grant("ws-a");

    const outside = await call(gateway, {
      method: "GET",
      path: "/v1/messages",
      headers: anthropicHeaders(token),
    });
    const climbing = await call(gateway, {
      method: "GET",
      path: "/anthropic/v1/../../admin",
      headers: anthropicHeaders(token),
    });

    expect(outside.status).toBe(404);
    expect(climbing.status).toBe(404);
    expect(JSON.parse(climbing.body)).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(upstream.requests).toEqual([]);
  });

  it("reports model traffic as activity, at most once per interval per workstream", async () => {
    const { gateway, clock, activity, exchanges } = await start({ activityIntervalMs: 1000 });
    const a = gateway.grant("ws-a").token;
    const b = gateway.grant("ws-b").token;
    const send = (token: string) =>
      call(gateway, {
        path: "/anthropic/v1/messages",
        headers: anthropicHeaders(token),
        body: messagesRequest(true),
      });

    await send(a);
    await send(a);
    await send(b);
    await exchanges.next();
    expect(activity).toEqual(["ws-a", "ws-b"]);
    clock.advance(1000);
    await send(a);
    expect(activity).toEqual(["ws-a", "ws-b", "ws-a"]);
  });
});

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
