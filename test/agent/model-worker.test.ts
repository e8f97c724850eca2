import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelWorkerLauncher } from "../../src/agent/model/model-worker.ts";
import type { WorkerExit, WorkerStart } from "../../src/agent/worker.ts";
import { ManualClock } from "../../src/clock.ts";
import type { TurnUsage } from "../../src/model/pricing.ts";
import type { BudgetConfig } from "../../src/plan/schema.ts";
import { renderPrompt } from "../../src/prompts/prompt-templates.ts";
import {
  FakeMessagesApi,
  type FakeTurn,
  partialToolUse,
  text,
  thinking,
  toolUse,
} from "../fakes/anthropic-messages-api.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

const baseUrl = "http://anthropic.test";
const apiKey = "sk-ant-test-secret-0123456789";
const server = setupServer();

beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let checkout: string;
let api: FakeMessagesApi;
let services: FakeWorkerServices;
let transcript: Record<string, unknown>[];
let usages: TurnUsage[];

beforeEach(async () => {
  checkout = await mkdtemp(join(tmpdir(), "supervise-model-worker-"));
  await writeFile(join(checkout, "README.md"), "# Widget\n");
  api = new FakeMessagesApi(baseUrl);
  server.use(api.handler());
  services = new FakeWorkerServices(checkout);
  transcript = [];
  usages = [];
});
afterEach(async () => {
  expect(api.violations).toEqual([]);
  await rm(checkout, { recursive: true, force: true });
});

interface RunOptions {
  budget?: Partial<BudgetConfig>;
  signal?: AbortSignal;
  onActivity?: () => void;
  maxTokens?: number;
}

async function runWorker(turns: FakeTurn[], options: RunOptions = {}): Promise<WorkerExit> {
  api.enqueue(...turns);
  const launcher = createModelWorkerLauncher({
    client: new Anthropic({ apiKey, baseURL: baseUrl, maxRetries: 0 }),
    model: "claude-sonnet-5-5",
    maxTokens: options.maxTokens ?? 4096,
    clock: new ManualClock(),
    transcriptFor: () => ({ write: (entry) => transcript.push(entry) }),
  });
  const workstream = testWorkstream("ws1", {
    agent: { provider: "anthropic", model: "claude-sonnet-5-5", max_tokens: 4096 },
    budget: { minutes: 60, turns: 60, tokens: 2_000_000, usd: 10, ...options.budget },
  });
  const start: WorkerStart = {
    workstream,
    attempt: 1,
    prompt: "Fix the widget.",
    checkoutPath: checkout,
    services,
    signal: options.signal ?? new AbortController().signal,
    timeoutMs: 60 * 60_000,
    onActivity: options.onActivity ?? (() => {}),
    onUsage: async (usage) => {
      usages.push(usage);
    },
  };
  return launcher.start(start);
}

function lastMessage(requestIndex: number) {
  return api.requests[requestIndex]!.body.messages.at(-1)!;
}

const endTurn = (words = "Done for now."): FakeTurn => ({ blocks: [text(words)], stopReason: "end_turn" });

describe("the model worker loop", () => {
  it("answers every tool call of a turn in one user message, in order, with is_error from the tool", async () => {
    const exit = await runWorker([
      {
        blocks: [
          text("Looking around."),
          toolUse("toolu_1", "bash", { command: "ls" }),
          toolUse("toolu_2", "read_file", { path: "missing.md" }),
          toolUse("toolu_3", "read_file", { path: "README.md" }),
        ],
        stopReason: "tool_use",
      },
      endTurn(),
    ]);

    expect(api.requests).toHaveLength(2);
    const [answer] = api.requests[1]!.body.messages.slice(-1);
    expect(answer).toEqual({
      role: "user",
      content: [
        { type: "tool_result", tool_use_id: "toolu_1", content: "exit code 0\nran ls\n", is_error: false },
        {
          type: "tool_result",
          tool_use_id: "toolu_2",
          content:
            '"missing.md" does not exist in the checkout. Find files with bash, e.g. `git ls-files | grep NAME`.',
          is_error: true,
        },
        {
          type: "tool_result",
          tool_use_id: "toolu_3",
          content: "# Widget\n",
          is_error: false,
          cache_control: { type: "ephemeral" },
        },
      ],
    });
    expect(exit).toEqual({
      exitCode: 0,
      signal: null,
      isTimedOut: false,
      isCanceled: false,
      durationMs: 0,
      description: "the model ended its turn without an accepted claim",
      outputTail: "Looking around.\nDone for now.",
    });
  });

  it("sends the system prompt, all tools and one cache breakpoint on the newest block", async () => {
    await runWorker([
      { blocks: [toolUse("toolu_1", "bash", { command: "ls" })], stopReason: "tool_use" },
      endTurn(),
    ]);
    const { body, headers } = api.requests[1]!;
    expect(body.stream).toBe(true);
    expect(body.system).toEqual([
      { type: "text", text: renderPrompt("worker-system", {}), cache_control: { type: "ephemeral" } },
    ]);
    expect(body.tools?.map((tool) => tool.name)).toEqual([
      "bash",
      "read_file",
      "write_file",
      "edit_file",
      "push",
      "open_pull_request",
      "ci_status",
      "merge_pull_request",
      "close_issue",
      "ask_human",
      "claim_done",
    ]);
    const breakpoints = body.messages.flatMap((message) =>
      message.content.filter((block) => block.cache_control !== undefined).map(() => message.role),
    );
    expect(breakpoints).toEqual(["user"]);
    expect(lastMessage(1).content.at(-1)?.cache_control).toEqual({ type: "ephemeral" });
    expect(headers.authorization).toBe(`Bearer ${apiKey}`);
  });

  it("reports each turn's usage with cache reads and writes and an estimated cost", async () => {
    await runWorker([
      {
        blocks: [toolUse("toolu_1", "bash", { command: "ls" })],
        stopReason: "tool_use",
        usage: {
          input_tokens: 2000,
          output_tokens: 100,
          cache_creation_input_tokens: 8000,
          cache_read_input_tokens: 0,
        },
      },
      {
        blocks: [text("Done.")],
        stopReason: "end_turn",
        usage: {
          input_tokens: 50,
          output_tokens: 20,
          cache_creation_input_tokens: 300,
          cache_read_input_tokens: 10_000,
        },
      },
    ]);
    expect(usages).toEqual([
      {
        turns: 1,
        inputTokens: 2000,
        outputTokens: 100,
        cacheReadTokens: 0,
        cacheWriteTokens: 8000,
        // sonnet: $3 in, $15 out per million; writes 1.25x, reads 0.1x the input price
        costUsd: (2000 * 3 + 8000 * 3 * 1.25 + 100 * 15) / 1e6,
        model: "claude-sonnet-5-5",
      },
      {
        turns: 1,
        inputTokens: 50,
        outputTokens: 20,
        cacheReadTokens: 10_000,
        cacheWriteTokens: 300,
        costUsd: (50 * 3 + 300 * 3 * 1.25 + 10_000 * 3 * 0.1 + 20 * 15) / 1e6,
        model: "claude-sonnet-5-5",
      },
    ]);
  });

  it("drops a tool call cut off by max_tokens, runs nothing, and asks for a shorter step", async () => {
    const exit = await runWorker(
      [
        {
          blocks: [
            text("Writing the module."),
            partialToolUse("toolu_1", "write_file", '{"path": "src/big.ts", "content": "export const a'),
          ],
          stopReason: "max_tokens",
        },
        endTurn(),
      ],
      { maxTokens: 1000 },
    );
    expect(existsSync(join(checkout, "src", "big.ts"))).toBe(false);
    expect(api.requests[1]!.body.messages.slice(1)).toEqual([
      { role: "assistant", content: [{ type: "text", text: "Writing the module." }] },
      {
        role: "user",
        content: [
          {
            type: "text",
            text: renderPrompt("turn-cut-off", { dropped_tool_calls: "1", max_tokens: 1000 }),
            cache_control: { type: "ephemeral" },
          },
        ],
      },
    ]);
    expect(exit.description).toBe("the model ended its turn without an accepted claim");
  });

  it("gives up after the turn is cut off again and again", async () => {
    const cutOff: FakeTurn = { blocks: [text("Still writing")], stopReason: "max_tokens" };
    const exit = await runWorker([cutOff, cutOff, cutOff, cutOff]);
    expect(exit.exitCode).toBe(1);
    expect(exit.description).toBe("the model's turn was cut off 4 times in a row (last: max_tokens)");
  });

  it("sends a paused turn back as it is and lets the model continue", async () => {
    await runWorker([
      { blocks: [thinking("Plan the search.", "sig-1"), text("Searching…")], stopReason: "pause_turn" },
      endTurn(),
    ]);
    expect(api.requests[1]!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Fix the widget." }] },
      {
        role: "assistant",
        content: [
          { type: "thinking", thinking: "Plan the search.", signature: "sig-1" },
          { type: "text", text: "Searching…", cache_control: { type: "ephemeral" } },
        ],
      },
    ]);
  });

  it("passes thinking blocks back unchanged with the tool calls they led to", async () => {
    await runWorker([
      {
        blocks: [thinking("I should list files.", "sig-abc"), toolUse("toolu_1", "bash", { command: "ls" })],
        stopReason: "tool_use",
      },
      endTurn(),
    ]);
    expect(api.requests[1]!.body.messages[1]).toEqual({
      role: "assistant",
      content: [
        { type: "thinking", thinking: "I should list files.", signature: "sig-abc" },
        { type: "tool_use", id: "toolu_1", name: "bash", input: { command: "ls" } },
      ],
    });
  });

  it("ends the start on a refusal, with the reason in the description", async () => {
    const exit = await runWorker([
      {
        blocks: [text("I can't help with that.")],
        stopReason: "refusal",
        stopDetails: { category: "cyber", explanation: "The request looked like exploit development." },
      },
    ]);
    expect(exit.exitCode).toBe(1);
    expect(exit.description).toBe(
      "the model refused to continue (cyber): The request looked like exploit development.",
    );
    expect(api.requests).toHaveLength(1);
  });

  it("after an accepted claim, ends the start at the model's next end_turn", async () => {
    const exit = await runWorker([
      {
        blocks: [toolUse("toolu_1", "claim_done", { summary: "Fixed and tested." })],
        stopReason: "tool_use",
      },
      endTurn("Accepted; stopping."),
    ]);
    expect(services.calls).toEqual([{ service: "claimDone", input: "Fixed and tested." }]);
    expect(exit.description).toBe("the model ended its turn after its claim was accepted");
  });

  it("keeps working after a rejected claim, whose verdict comes back as an error result", async () => {
    services.claimVerdict = { isError: true, text: "Rejected: local_check failed." };
    const exit = await runWorker([
      { blocks: [toolUse("toolu_1", "claim_done", { summary: "Done." })], stopReason: "tool_use" },
      endTurn(),
    ]);
    expect(lastMessage(1).content[0]).toMatchObject({
      is_error: true,
      content: "Rejected: local_check failed.",
    });
    expect(exit.description).toBe("the model ended its turn without an accepted claim");
  });

  it("elides old tool results when the context window is full, keeping the task", async () => {
    // Outputs longer than the placeholder: eliding a shorter one would free nothing.
    const catA = `cat a # ${"a".repeat(100)}`;
    const catB = `cat b # ${"b".repeat(100)}`;
    await runWorker([
      { blocks: [toolUse("toolu_1", "bash", { command: catA })], stopReason: "tool_use" },
      { blocks: [toolUse("toolu_2", "bash", { command: catB })], stopReason: "tool_use" },
      { blocks: [text("Now I see")], stopReason: "model_context_window_exceeded" },
      endTurn(),
    ]);
    const messages = api.requests[3]!.body.messages;
    expect(messages[0]).toEqual({ role: "user", content: [{ type: "text", text: "Fix the widget." }] });
    expect(messages[2]!.content).toEqual([
      {
        type: "tool_result",
        tool_use_id: "toolu_1",
        content: renderPrompt("tool-result-elided", { characters: `exit code 0\nran ${catA}\n`.length }),
        is_error: false,
      },
    ]);
    expect(messages[4]!.content).toEqual([
      { type: "tool_result", tool_use_id: "toolu_2", content: `exit code 0\nran ${catB}\n`, is_error: false },
    ]);
    expect(messages.at(-1)!.content[0]).toMatchObject({
      type: "text",
      text: renderPrompt("context-window-full", { dropped_tool_calls: "", elided_results: 1 }),
    });
  });

  it("stops this start when its own usage reaches the turn budget", async () => {
    const exit = await runWorker(
      [{ blocks: [toolUse("toolu_1", "bash", { command: "ls" })], stopReason: "tool_use" }],
      { budget: { turns: 1 } },
    );
    expect(api.requests).toHaveLength(1);
    expect(exit.exitCode).toBe(1);
    expect(exit.description).toBe(
      "stopped: turn budget reached (1 of 1 turns used by this start, of what the workstream had left)",
    );
  });

  it("stops when the run aborts a turn in flight, and says it was canceled", async () => {
    const controller = new AbortController();
    const exit = await runWorker(
      [{ blocks: [text("Thinking about it")], stopReason: "end_turn", isHanging: true }],
      {
        signal: controller.signal,
        onActivity: () => controller.abort(),
      },
    );
    expect(exit).toMatchObject({
      exitCode: null,
      isCanceled: true,
      isTimedOut: false,
      description: "stopped by the supervisor",
    });
  });

  it("stops without waiting for a tool call in flight when the run aborts", async () => {
    const controller = new AbortController();
    services = new FakeWorkerServices(checkout, {
      run: () => {
        controller.abort();
        return new Promise(() => {});
      },
    });
    const exit = await runWorker(
      [{ blocks: [toolUse("toolu_1", "bash", { command: "sleep 600" })], stopReason: "tool_use" }],
      { signal: controller.signal },
    );
    expect(exit).toMatchObject({
      exitCode: null,
      isCanceled: true,
      description: "stopped by the supervisor",
    });
    expect(api.requests).toHaveLength(1);
  });

  it("blocks the start with the error when the API still fails after the client's retries", async () => {
    const exit = await runWorker([
      {
        blocks: [],
        stopReason: "end_turn",
        httpError: { status: 529, type: "overloaded_error", message: "Overloaded" },
      },
    ]);
    expect(exit).toMatchObject({
      exitCode: 1,
      blockedReason: "api_error",
      description:
        "the Messages API still failed after 0 retries: 529 overloaded_error: Overloaded (request req_fake_1)",
    });
  });

  it("writes requests and responses to the transcript, never the API key", async () => {
    await runWorker([
      { blocks: [toolUse("toolu_1", "bash", { command: "ls" })], stopReason: "tool_use" },
      endTurn(),
    ]);
    expect(transcript.map((entry) => entry.kind)).toEqual([
      "start",
      "request",
      "response",
      "tool_call",
      "tool_result",
      "request",
      "response",
      "exit",
    ]);
    expect(JSON.stringify(transcript)).not.toContain(apiKey);
  });
});
