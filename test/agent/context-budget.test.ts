import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { charactersPerToken, contextBudgetOf } from "../../src/agent/model/context-budget.ts";
import { createModelWorkerLauncher } from "../../src/agent/model/model-worker.ts";
import { fixedRequestCharacters } from "../../src/agent/model/worker-request.ts";
import type { WorkerExit } from "../../src/agent/worker.ts";
import { ManualClock } from "../../src/clock.ts";
import { findRequestViolations } from "../../src/model/client/request-invariants.ts";
import { renderPrompt } from "../../src/prompts/prompt-templates.ts";
import type { CommandResult } from "../../src/sandbox/run-command.ts";
import {
  FakeMessagesApi,
  type FakeTurn,
  type RecordedRequest,
  text,
  toolUse,
} from "../fakes/anthropic-messages-api.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

const baseUrl = "http://anthropic.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let checkout: string;
let api: FakeMessagesApi;
let transcript: Record<string, unknown>[];
beforeEach(async () => {
  checkout = await mkdtemp(join(tmpdir(), "supervise-context-"));
  api = new FakeMessagesApi(baseUrl);
  server.use(api.handler());
  transcript = [];
});
afterEach(async () => {
  expect(api.violations).toEqual([]);
  for (const request of api.requests) expect(findRequestViolations(request.body)).toEqual([]);
  await rm(checkout, { recursive: true, force: true });
});

/** Every command prints `outputCharacters` characters, so each tool result has a known size. */
function chattyServices(outputCharacters: number): FakeWorkerServices {
  return new FakeWorkerServices(checkout, {
    run: async ({ command }): Promise<CommandResult> => ({
      exitCode: 0,
      signal: null,
      isTimedOut: false,
      isCanceled: false,
      durationMs: 1,
      output: `${command}\n${"x".repeat(outputCharacters)}`,
      outputBytes: outputCharacters,
      isOutputTruncated: false,
      error: null,
    }),
  });
}

async function runWorker(
  turns: FakeTurn[],
  options: { services: FakeWorkerServices; contextBudgetTokens?: number },
): Promise<WorkerExit> {
  api.enqueue(...turns);
  const launcher = createModelWorkerLauncher({
    client: new Anthropic({ apiKey: "sk-ant-test", baseURL: baseUrl, maxRetries: 0 }),
    model: "claude-sonnet-5-5",
    maxTokens: 4096,
    clock: new ManualClock(),
    transcriptFor: () => ({ write: (entry) => transcript.push(entry) }),
    contextBudgetTokens: options.contextBudgetTokens,
  });
  return launcher.start({
    workstream: testWorkstream("ws1", {
      budget: { minutes: 60, turns: 500, tokens: 100_000_000, usd: 1000 },
    }),
    attempt: 1,
    prompt: "Fix the widget.",
    checkoutPath: checkout,
    services: options.services,
    signal: new AbortController().signal,
    timeoutMs: 60 * 60_000,
    onActivity: () => {},
    onUsage: async () => {},
  });
}

const bashTurn = (index: number, usage?: FakeTurn["usage"]): FakeTurn => ({
  blocks: [toolUse(`toolu_${index}`, "bash", { command: `cat part-${index}.log` })],
  stopReason: "tool_use",
  ...(usage ? { usage } : {}),
});
const endTurn: FakeTurn = { blocks: [text("Done.")], stopReason: "end_turn" };

type Block = RecordedRequest["body"]["messages"][number]["content"][number];
const isElided = (block: Block) =>
  block.type === "tool_result" && String(block.content).startsWith(elidedPrefix());
function elidedPrefix(): string {
  return renderPrompt("tool-result-elided", { characters: 0 }).slice(0, 20);
}

/** The request's size as the worker estimates it before any usage report: characters over 3. */
function estimatedTokens(request: RecordedRequest): number {
  let characters = fixedRequestCharacters();
  for (const message of request.body.messages) {
    for (const block of message.content) {
      if (block.type === "text") characters += String(block.text).length;
      else if (block.type === "tool_result") characters += String(block.content).length;
      else if (block.type === "tool_use")
        characters += String(block.name).length + JSON.stringify(block.input).length;
    }
  }
  return Math.ceil(characters / charactersPerToken);
}

/** How many requests did not start with the previous request's messages: each is a cache miss past that point. */
function prefixBreaks(requests: readonly RecordedRequest[]): number {
  const withoutBreakpoints = (request: RecordedRequest) =>
    request.body.messages.map((message) =>
      JSON.stringify({
        role: message.role,
        content: message.content.map(({ cache_control: _breakpoint, ...block }) => block),
      }),
    );
  let breaks = 0;
  for (let index = 1; index < requests.length; index += 1) {
    const previous = withoutBreakpoints(requests[index - 1]!);
    const current = withoutBreakpoints(requests[index]!);
    // The previous request's last user message may have grown (tool results are appended to it).
    const isPrefix = previous.slice(0, -1).every((message, position) => current[position] === message);
    if (!isPrefix) breaks += 1;
  }
  return breaks;
}

describe("the context budget", () => {
  it("keeps a chatty session under budget: oldest outputs elided in a few chunks, the newest turns whole", async () => {
    const outputCharacters = 6000; // 2000 tokens a result
    const budgetTokens = Math.ceil(fixedRequestCharacters() / charactersPerToken) + 30_000;
    const turns = Array.from({ length: 40 }, (_, index) => bashTurn(index + 1));
    const exit = await runWorker([...turns, endTurn], {
      services: chattyServices(outputCharacters),
      contextBudgetTokens: budgetTokens,
    });
    expect(exit.description).toBe("the model ended its turn without an accepted claim");
    expect(api.requests).toHaveLength(41);

    const sizes = api.requests.map(estimatedTokens);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(budgetTokens);
    // Without shortening the last request would hold 40 outputs: more than twice the budget.
    expect(40 * (outputCharacters / charactersPerToken)).toBeGreaterThan(2 * budgetTokens);

    for (const request of api.requests) {
      const newest = request.body.messages.slice(-6);
      expect(newest.flatMap((message) => message.content).filter(isElided)).toEqual([]);
      expect(request.body.messages[0]!.content[0]).toMatchObject({ type: "text", text: "Fix the widget." });
    }
    const last = api.requests.at(-1)!.body.messages.flatMap((message) => message.content);
    const results = last.filter((block) => block.type === "tool_result");
    const elided = results.filter(isElided);
    // Oldest first: the elided results are a prefix of all results.
    expect(results.slice(0, elided.length)).toEqual(elided);
    expect(elided.length).toBeGreaterThan(20);

    const shortenings = transcript.filter((entry) => entry.kind === "conversation_shortened");
    expect(shortenings.map((entry) => entry.reason)).toEqual(shortenings.map(() => "context_budget"));
    // In chunks: a handful of cache misses over 41 requests, not one per turn.
    expect(shortenings.length).toBeGreaterThan(1);
    expect(shortenings.length).toBeLessThanOrEqual(5);
    expect(prefixBreaks(api.requests)).toBe(shortenings.length);
  });

  it("trusts the prompt size the API reports over its own character count", async () => {
    const exit = await runWorker(
      [
        bashTurn(1),
        bashTurn(2),
        bashTurn(3),
        bashTurn(4),
        bashTurn(5, { input_tokens: 1_000, cache_read_input_tokens: 170_000 }),
        endTurn,
      ],
      { services: chattyServices(1000) },
    );
    expect(exit.exitCode).toBe(0);
    // 171k of 200k reported: past the default budget (80 %), so the next request is shortened.
    const before = api.requests[4]!.body.messages.flatMap((message) => message.content);
    const after = api.requests[5]!.body.messages.flatMap((message) => message.content);
    expect(before.filter(isElided)).toEqual([]);
    expect(after.filter(isElided).map((block) => block.tool_use_id)).toEqual(["toolu_1", "toolu_2"]);
    expect(transcript.find((entry) => entry.kind === "conversation_shortened")).toMatchObject({
      reason: "context_budget",
      budget_tokens: contextBudgetOf(undefined).budgetTokens,
      elided_tool_results: 2,
      elided_tool_use_ids: ["toolu_1", "toolu_2"],
    });
  });

  it("shortens and resends once when the API says the prompt is too long", async () => {
    const tooLong: FakeTurn = {
      blocks: [],
      stopReason: "end_turn",
      httpError: {
        status: 400,
        type: "invalid_request_error",
        message: "prompt is too long: 210000 tokens > 200000 maximum",
      },
    };
    const exit = await runWorker([bashTurn(1), bashTurn(2), bashTurn(3), tooLong, endTurn], {
      services: chattyServices(1000),
    });
    expect(exit).toMatchObject({
      exitCode: 0,
      description: "the model ended its turn without an accepted claim",
    });
    expect(api.requests).toHaveLength(5);
    const refused = api.requests[3]!.body.messages.flatMap((message) => message.content);
    const resent = api.requests[4]!.body.messages.flatMap((message) => message.content);
    expect(refused.filter(isElided)).toEqual([]);
    // The window is full: only the last three messages (call 2 answered, call 3 and its answer)
    // are kept whole this time, so the first result goes.
    expect(resent.filter(isElided).map((block) => block.tool_use_id)).toEqual(["toolu_1"]);
    expect(transcript.find((entry) => entry.kind === "conversation_shortened")).toMatchObject({
      reason: "prompt_too_long",
      estimated_tokens: 210_000,
    });
  });

  it("ends the start, without blocking it, when the shortened prompt is still too long", async () => {
    const tooLong: FakeTurn = {
      blocks: [],
      stopReason: "end_turn",
      httpError: { status: 400, type: "invalid_request_error", message: "prompt is too long" },
    };
    const exit = await runWorker([bashTurn(1), bashTurn(2), bashTurn(3), tooLong, tooLong], {
      services: chattyServices(1000),
    });
    expect(exit.blockedReason).toBeUndefined();
    expect(exit.exitCode).toBe(1);
    expect(exit.description).toBe(
      "the prompt is too long for the model's context window (400 invalid_request_error: prompt is too long (request req_fake_5)), even after the conversation was shortened",
    );
  });

  it("ends the start when a too-long prompt has no old tool output left to elide", async () => {
    const tooLong: FakeTurn = {
      blocks: [],
      stopReason: "end_turn",
      httpError: { status: 400, type: "invalid_request_error", message: "prompt is too long" },
    };
    const exit = await runWorker([tooLong], { services: chattyServices(10) });
    expect(exit.description).toBe(
      "the prompt is too long for the model's context window (400 invalid_request_error: prompt is too long (request req_fake_1)), and no old tool result is left to elide",
    );
  });
});
