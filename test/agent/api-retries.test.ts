import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelWorkerLauncher } from "../../src/agent/model/model-worker.ts";
import type { WorkerExit } from "../../src/agent/worker.ts";
import { ManualClock } from "../../src/clock.ts";
import { createAnthropicClient } from "../../src/model/client/anthropic-client.ts";
import { FakeMessagesApi, type FakeTurn, text } from "../fakes/anthropic-messages-api.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

/**
 * Which API errors the worker's client retries, through the real SDK against an HTTP fake: rate
 * limits that say how long to wait, overload, server and connection errors are retried; a 429
 * that names no wait (a spend limit) is not, and blocks the start with the reason.
 */
const baseUrl = "http://anthropic.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let checkout: string;
let api: FakeMessagesApi;
let failures = 0;
let transcript: Record<string, unknown>[];
beforeEach(async () => {
  checkout = await mkdtemp(join(tmpdir(), "supervise-retries-"));
  api = new FakeMessagesApi(baseUrl);
  server.use(api.handler());
  failures = 0;
  transcript = [];
});
afterEach(async () => {
  expect(api.violations).toEqual([]);
  await rm(checkout, { recursive: true, force: true });
});

/** The next `times` requests get this error; later ones reach the fake API. */
function failNext(
  times: number,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string>,
) {
  for (let index = 0; index < times; index += 1) {
    server.use(
      http.post(
        `${baseUrl}/v1/messages`,
        () => {
          failures += 1;
          return HttpResponse.json(
            { type: "error", error: { type, message } },
            { status, headers: { "request-id": `req_error_${failures}`, ...headers } },
          );
        },
        { once: true },
      ),
    );
  }
}

const endTurn: FakeTurn = { blocks: [text("Done for now.")], stopReason: "end_turn" };

async function runWorker(maxRetries: number): Promise<WorkerExit> {
  const launcher = createModelWorkerLauncher({
    client: createAnthropicClient({ apiKey: "sk-ant-test", baseURL: baseUrl, maxRetries }),
    model: "claude-sonnet-5-5",
    maxTokens: 4096,
    clock: new ManualClock(),
    transcriptFor: () => ({ write: (entry) => transcript.push(entry) }),
  });
  return launcher.start({
    workstream: testWorkstream("ws1"),
    attempt: 1,
    prompt: "Fix the widget.",
    checkoutPath: checkout,
    services: new FakeWorkerServices(checkout),
    signal: new AbortController().signal,
    timeoutMs: 60 * 60_000,
    onActivity: () => {},
    onUsage: async () => {},
  });
}

describe("retries of the worker's client", () => {
  it("retries a rate limit that says when to come back, waiting what retry-after says", async () => {
    // A millisecond keeps the test from sleeping; the SDK waits whatever the header says.
    failNext(2, 429, "rate_limit_error", "Number of requests has exceeded your rate limit", {
      "retry-after": "0.001",
    });
    api.enqueue(endTurn);
    const exit = await runWorker(2);
    expect({ failures, served: api.requests.length, description: exit.description }).toEqual({
      failures: 2,
      served: 1,
      description: "the model ended its turn without an accepted claim",
    });
  });

  it("never retries a 429 without retry-after (a spend limit) and blocks the start, naming it", async () => {
    failNext(1, 429, "rate_limit_error", "You have reached your specified API usage limits.", {});
    api.enqueue(endTurn);
    const exit = await runWorker(4);
    expect(failures).toBe(1);
    expect(api.requests).toHaveLength(0);
    expect(exit).toMatchObject({
      exitCode: 1,
      blockedReason: "spend_limit",
      description:
        "the API refused with a spend limit (429 without retry-after), which is not retried: 429 rate_limit_error: You have reached your specified API usage limits. (request req_error_1)",
    });
    expect(transcript.find((entry) => entry.kind === "api_error")).toMatchObject({
      error: "RateLimitError",
      spend_limit: true,
    });
  });

  it("retries overload and server errors, and blocks the start with the reason once retries are spent", async () => {
    failNext(1, 500, "api_error", "Internal server error", { "retry-after-ms": "1" });
    failNext(2, 529, "overloaded_error", "Overloaded", { "retry-after-ms": "1" });
    const exit = await runWorker(2);
    expect(failures).toBe(3);
    expect(exit).toMatchObject({
      exitCode: 1,
      blockedReason: "api_error",
      description:
        "the Messages API still failed after 2 retries: 500 api_error: Internal server error (request req_error_3)",
    });
  });

  it("retries a dropped connection", async () => {
    server.use(
      http.post(
        `${baseUrl}/v1/messages`,
        () => {
          failures += 1;
          return HttpResponse.error();
        },
        { once: true },
      ),
    );
    api.enqueue(endTurn);
    const exit = await runWorker(1);
    expect({ failures, served: api.requests.length, exitCode: exit.exitCode }).toEqual({
      failures: 1,
      served: 1,
      exitCode: 0,
    });
  });

  it("does not retry a request the API refuses, and says it was refused", async () => {
    failNext(1, 400, "invalid_request_error", "model: claude-nonexistent-1 is not a known model", {});
    const exit = await runWorker(3);
    expect(failures).toBe(1);
    expect(exit).toMatchObject({
      exitCode: 1,
      blockedReason: "api_error",
      description:
        "the Messages API refused the request: 400 invalid_request_error: model: claude-nonexistent-1 is not a known model (request req_error_1)",
    });
  });
});
