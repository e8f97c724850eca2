/**
 * The real Anthropic SDK pointed at the gateway with a worker's token, as Claude Code is: a
 * streamed message and count_tokens work end to end, a budget refusal surfaces at once as the
 * SDK's BadRequestError with the supervisor's message (no retries), and the fake upstream only
 * ever sees the real key.
 */
import Anthropic, { BadRequestError } from "@anthropic-ai/sdk";
import { afterEach, expect, it } from "vitest";
import { anthropicModel } from "../fakes/model-upstream.ts";
import { anthropicKey, type Harness, startHarness } from "./gateway-harness.ts";

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  if (harness) {
    expect(harness.upstream.violations).toEqual([]);
    expect(harness.internalErrors).toEqual([]);
  }
  harness = undefined;
});

const clientOf = (baseURL: string, apiKey: string) =>
  new Anthropic({ baseURL, apiKey, authToken: null, maxRetries: 2, defaultHeaders: {} });

it("streams a message and counts tokens through the gateway with a worker token", async () => {
  harness = await startHarness();
  const { gateway, upstream, usage } = harness;
  const { token } = gateway.grant("ws-a");
  const client = clientOf(gateway.url("anthropic"), token);

  const message = await client.messages
    .stream({ model: anthropicModel, max_tokens: 1024, messages: [{ role: "user", content: "Say hello." }] })
    .finalMessage();
  const counted = await client.messages.countTokens({
    model: anthropicModel,
    messages: [{ role: "user", content: "Count me." }],
  });

  expect(message.content).toEqual([{ type: "text", text: "Hello from the fake.", citations: null }]);
  expect(message.usage).toMatchObject({
    input_tokens: 12,
    output_tokens: 25,
    cache_read_input_tokens: 2000,
    cache_creation_input_tokens: 300,
  });
  expect(counted).toEqual({ input_tokens: 42 });
  expect(upstream.requests.map((request) => request.path)).toEqual([
    "/v1/messages",
    "/v1/messages/count_tokens",
  ]);
  expect(upstream.requests.every((request) => request.headers["x-api-key"] === anthropicKey)).toBe(true);
  expect((await usage.next())[1]).toMatchObject({ turns: 1, inputTokens: 12, outputTokens: 25 });
  expect(usage.all).toHaveLength(1);
});

it("surfaces a budget refusal at once, without the SDK retrying it", async () => {
  let asked = 0;
  harness = await startHarness({
    beforeRequest: () => {
      asked++;
      return { allowed: false, message: "the usd budget of ws-a ($5.00) is spent." };
    },
  });
  const { gateway, upstream } = harness;
  const client = clientOf(gateway.url("anthropic"), gateway.grant("ws-a").token);

  const refused = client.messages
    .stream({ model: anthropicModel, max_tokens: 1024, messages: [{ role: "user", content: "Say hello." }] })
    .finalMessage();

  await expect(refused).rejects.toBeInstanceOf(BadRequestError);
  await expect(refused).rejects.toMatchObject({
    status: 400,
    error: {
      error: {
        type: "invalid_request_error",
        message: "supervise gateway: the usd budget of ws-a ($5.00) is spent.",
      },
    },
  });
  expect(asked).toBe(1);
  expect(upstream.requests).toEqual([]);
});
