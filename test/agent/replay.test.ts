import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import { BadRequestError } from "@anthropic-ai/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createModelWorkerLauncher } from "../../src/agent/model/model-worker.ts";
import type { WorkerExit } from "../../src/agent/worker.ts";
import { ManualClock } from "../../src/clock.ts";
import { CassetteError, loadCassette } from "../../src/model/cassette.ts";
import { createReplayClient, createReplayClientFor } from "../../src/model/client/replay.ts";
import type { TurnUsage } from "../../src/model/pricing.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

const cassettePath = new URL("../fixtures/cassettes/claim-after-write.yaml", import.meta.url).pathname;

let checkout: string;
beforeEach(async () => {
  checkout = await mkdtemp(join(tmpdir(), "supervise-replay-"));
});
afterEach(async () => {
  await rm(checkout, { recursive: true, force: true });
});

async function replay(
  client: Anthropic,
  services: FakeWorkerServices,
  usages: TurnUsage[] = [],
): Promise<WorkerExit> {
  const launcher = createModelWorkerLauncher({
    client,
    model: "claude-sonnet-5-5",
    maxTokens: 4096,
    clock: new ManualClock(),
    transcriptFor: () => ({ write: () => {} }),
  });
  return launcher.start({
    workstream: testWorkstream("ws1", {
      agent: { provider: "replay", cassette: cassettePath, model: "claude-sonnet-5-5" },
    }),
    attempt: 1,
    prompt: "Write the greeting and claim.",
    checkoutPath: checkout,
    services,
    signal: new AbortController().signal,
    timeoutMs: 60_000,
    onActivity: () => {},
    onUsage: async (usage) => {
      usages.push(usage);
    },
  });
}

describe("replay", () => {
  it("drives the worker through a cassette to an accepted claim, with no API key", async () => {
    const services = new FakeWorkerServices(checkout);
    const usages: TurnUsage[] = [];
    const exit = await replay(createReplayClient(cassettePath), services, usages);

    expect(services.calls).toEqual([
      { service: "runCommand", input: { command: "ls -a", timeoutMs: 300_000 } },
      { service: "claimDone", input: "Wrote notes/hello.txt and checked it with ls." },
    ]);
    expect(await readFile(join(checkout, "notes", "hello.txt"), "utf8")).toBe("hello from the replay\n");
    expect(exit).toMatchObject({
      exitCode: 0,
      description: "the model ended its turn after its claim was accepted",
    });
    expect(usages.map((usage) => [usage.inputTokens, usage.cacheReadTokens, usage.cacheWriteTokens])).toEqual(
      [
        [2400, 0, 2200],
        [150, 2200, 300],
        [90, 2500, 200],
      ],
    );
  });

  it("answers with an end_turn saying so once the cassette is exhausted", async () => {
    const client = createReplayClientFor({ turns: [] }, "empty.yaml");
    const exit = await replay(client, new FakeWorkerServices(checkout));
    expect(exit).toMatchObject({
      exitCode: 0,
      description: "the model ended its turn without an accepted claim",
      outputTail: "The replay cassette empty.yaml has no more turns: all 0 were played.",
    });
  });

  it("refuses a request that leaves a tool call unanswered, naming the invariant", async () => {
    const client = createReplayClient(cassettePath);
    const request = client.messages.create({
      model: "claude-sonnet-5-5",
      max_tokens: 100,
      tools: [{ name: "bash", input_schema: { type: "object" } }],
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: [{ type: "tool_use", id: "toolu_9", name: "bash", input: {} }] },
        { role: "user", content: [{ type: "text", text: "what now?" }] },
      ],
    });
    await expect(request).rejects.toBeInstanceOf(BadRequestError);
    await expect(request).rejects.toMatchObject({
      status: 400,
      apiMessage:
        'request invariant "tool-use-answered" violated: tool_use toolu_9 (bash) of messages[1] has no tool_result in messages[2]',
    });
  });

  it("refuses a request without tools, and a turn calling a tool the request does not offer", async () => {
    const client = createReplayClient(cassettePath);
    const base = {
      model: "claude-sonnet-5-5",
      max_tokens: 100,
      messages: [{ role: "user" as const, content: "go" }],
    };
    await expect(client.messages.create(base)).rejects.toMatchObject({
      apiMessage:
        'request invariant "tools-offered" violated: the request offers no tools, so the model cannot act',
    });
    await expect(
      client.messages.create({ ...base, tools: [{ name: "read_file", input_schema: { type: "object" } }] }),
    ).rejects.toMatchObject({
      apiMessage:
        'request invariant "replayed-tool-offered" violated: turn 1 of claim-after-write.yaml calls the tool bash, which the request does not offer',
    });
  });

  it("rejects a cassette that does not match the format, naming the field", async () => {
    const file = join(checkout, "bad.yaml");
    await writeFile(file, "turns:\n  - content:\n      - { type: tool_use, input: {} }\n");
    expect(() => loadCassette(file)).toThrow(CassetteError);
    expect(() => loadCassette(file)).toThrow(`${file}: turns.0.content.0.name:`);
  });
});
