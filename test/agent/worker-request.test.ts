import Anthropic from "@anthropic-ai/sdk";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createModelWorkerLauncher } from "../../src/agent/model/model-worker.ts";
import { ManualClock } from "../../src/clock.ts";
import { buildBundle, renderBundleMarkdown } from "../../src/evidence/bundle.ts";
import { agentSchema } from "../../src/plan/schema.ts";
import { initialWorkstreamState } from "../../src/run/workstream-state.ts";
import { FakeMessagesApi, text, thinking, toolUse } from "../fakes/anthropic-messages-api.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

const baseUrl = "http://anthropic.test";
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let api: FakeMessagesApi;
beforeEach(() => {
  api = new FakeMessagesApi(baseUrl);
  server.use(api.handler());
});

async function runWorker(thinkingBudgetTokens: number | undefined): Promise<void> {
  api.enqueue(
    {
      blocks: [thinking("List first.", "sig-1"), toolUse("toolu_1", "bash", { command: "ls" })],
      stopReason: "tool_use",
    },
    { blocks: [text("Done.")], stopReason: "end_turn" },
  );
  const launcher = createModelWorkerLauncher({
    client: new Anthropic({ apiKey: "sk-ant-test", baseURL: baseUrl, maxRetries: 0 }),
    model: "claude-sonnet-5-5",
    maxTokens: 16_000,
    clock: new ManualClock(),
    transcriptFor: () => ({ write: () => {} }),
    thinkingBudgetTokens,
  });
  await launcher.start({
    workstream: testWorkstream("ws1"),
    attempt: 1,
    prompt: "Fix the widget.",
    checkoutPath: "/nonexistent",
    services: new FakeWorkerServices("/nonexistent"),
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    onActivity: () => {},
    onUsage: async () => {},
  });
}

const thinkingOf = (index: number) => (api.requests[index]!.body as { thinking?: unknown }).thinking;

describe("extended thinking", () => {
  it("is requested on every turn when the plan asks for it, its blocks passed back unchanged", async () => {
    await runWorker(8_000);
    expect([thinkingOf(0), thinkingOf(1)]).toEqual([
      { type: "enabled", budget_tokens: 8_000 },
      { type: "enabled", budget_tokens: 8_000 },
    ]);
    expect(api.requests[1]!.body.messages[1]!.content[0]).toEqual({
      type: "thinking",
      thinking: "List first.",
      signature: "sig-1",
    });
  });

  it("is not requested otherwise", async () => {
    await runWorker(undefined);
    expect(thinkingOf(0)).toBeUndefined();
  });

  it("must fit under max_tokens in the plan", () => {
    const parsed = agentSchema.safeParse({
      provider: "anthropic",
      max_tokens: 8_000,
      thinking: { budget_tokens: 8_000 },
    });
    expect(parsed.error?.issues.map((issue) => [issue.path.join("."), issue.message])).toEqual([
      ["thinking.budget_tokens", "must be below max_tokens: thinking counts toward a turn's output"],
    ]);
    expect(
      agentSchema.safeParse({ provider: "replay", cassette: "c.yaml", thinking: { budget_tokens: 512 } })
        .success,
    ).toBe(false);
  });
});

describe("the bundle's usage", () => {
  it("names the effective date of the prices its cost was estimated with", () => {
    const state = { ...initialWorkstreamState("ws1"), costUsd: 0.1234567 };
    const bundle = buildBundle({
      runId: "run-1",
      runDirectory: "/runs/run-1",
      workstream: testWorkstream("ws1"),
      state,
      sandbox: { isolation: "none", network: "none" },
      pricesEffective: "2026-11-24",
    });
    expect(bundle.usage).toMatchObject({ cost_usd: 0.123457, prices_effective: "2026-11-24" });
    expect(renderBundleMarkdown(bundle)).toContain("$0.1235 (estimated at the prices of 2026-11-24)");
    const unknown = buildBundle({
      runId: "run-1",
      runDirectory: "/runs/run-1",
      workstream: testWorkstream("ws1"),
      state,
      sandbox: { isolation: "none", network: "none" },
    });
    expect(unknown.usage.prices_effective).toBeNull();
  });
});
