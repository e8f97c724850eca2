/**
 * The real Claude Code CLI (npm `@anthropic-ai/claude-code@2`, its native binary) as a worker under
 * bwrap, with `agent: { provider: claude-code }`: it authenticates at the run's model gateway with
 * a workstream token, the gateway adds the supervisor's key upstream, and the usage it reports is
 * what the fake Messages API served. The model is a loopback fake in the API's shapes, scripted:
 * a Bash tool call that makes the fix, then the supervise claim_done tool through MCP.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findProgram, runAgentPreset } from "../fakes/cli-agent-run.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

const realKey = "sk-ant-api03-supervisor-only-key-7f3a9c";

interface Recorded {
  method: string;
  url: string;
  apiKey: string | undefined;
  authorization: string | undefined;
  body: { model?: string; stream?: boolean; tools?: { name: string }[]; messages?: { role: string }[] };
}

/** The Messages API, in its shapes: SSE for streams, every usage field, tool_use blocks. */
function startFakeMessagesApi(
  script: (step: number) => object,
): Promise<{ server: Server; url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      const body = text ? JSON.parse(text) : {};
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        apiKey: request.headers["x-api-key"] as string | undefined,
        authorization: request.headers.authorization,
        body,
      });
      if (request.method !== "POST") return response.writeHead(200).end();
      if (request.url?.includes("count_tokens")) {
        return response.writeHead(200, { "content-type": "application/json" }).end('{"input_tokens":12}');
      }
      const isConversation = (body.tools ?? []).some((tool: { name: string }) => tool.name === "Bash");
      const step = (body.messages ?? []).filter(
        (message: { role: string }) => message.role === "assistant",
      ).length;
      const block = isConversation ? script(step) : { type: "text", text: "ok" };
      const message = {
        id: `msg_${requests.length}`,
        type: "message",
        role: "assistant",
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 100,
          output_tokens: 1,
          cache_read_input_tokens: 40,
          cache_creation_input_tokens: 10,
        },
      };
      const stopReason = "name" in block ? "tool_use" : "end_turn";
      if (!body.stream) {
        return response.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            ...message,
            content: [block],
            stop_reason: stopReason,
            usage: { ...message.usage, output_tokens: 20 },
          }),
        );
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      const send = (type: string, data: object) =>
        response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      send("message_start", { message });
      if ("name" in block) {
        send("content_block_start", { index: 0, content_block: { ...block, input: {} } });
        send("content_block_delta", {
          index: 0,
          delta: {
            type: "input_json_delta",
            partial_json: JSON.stringify((block as unknown as { input: object }).input),
          },
        });
      } else {
        send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
        send("content_block_delta", {
          index: 0,
          delta: { type: "text_delta", text: (block as { text: string }).text },
        });
      }
      send("content_block_stop", { index: 0 });
      send("message_delta", {
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: 20 },
      });
      send("message_stop", {});
      response.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }),
    ),
  );
}

const honestScript = (step: number): object => {
  if (step === 0) {
    return {
      type: "tool_use",
      id: "toolu_fix",
      name: "Bash",
      input: {
        command:
          "env > .git/worker-env.txt; (cat /proc/[0-9]*/environ | tr '\\0' '\\n'; find \"$HOME\" -type f -size -1M -print0 | xargs -0 cat) 2>/dev/null | head -c 20000000 > .git/visible.txt; echo 2 > src/value.txt && git commit -qam 'value is 2'",
        description: "Fix the value and commit",
      },
    };
  }
  if (step === 1) {
    return {
      type: "tool_use",
      id: "toolu_claim",
      name: "mcp__supervise__claim_done",
      input: { summary: "value set to 2 and committed" },
    };
  }
  return { type: "text", text: "Done: the claim was accepted." };
};

/** A stub writer: sets the wrong value, claims, then reports what the claim's tool result said. */
const stubScript = (step: number): object => {
  if (step === 0) {
    return {
      type: "tool_use",
      id: "toolu_stub",
      name: "Bash",
      input: { command: "echo 3 > src/value.txt && git commit -qam 'value is 3'", description: "Commit" },
    };
  }
  if (step === 1) {
    return {
      type: "tool_use",
      id: "toolu_claim",
      name: "mcp__supervise__claim_done",
      input: { summary: "implementation complete" },
    };
  }
  return { type: "text", text: "Stopping here." };
};

let workspace: Workspace;
let fake: Awaited<ReturnType<typeof startFakeMessagesApi>>;
beforeEach(async () => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
  fake = await startFakeMessagesApi(honestScript);
});
afterEach(async () => {
  fake.server.closeAllConnections();
  await new Promise((resolve) => fake.server.close(resolve));
  workspace.cleanup();
});

describe.skipIf(findProgram("claude") === null && !process.env.CI)(
  "the real Claude Code CLI as a worker",
  () => {
    it("works through the model gateway with no key in its sandbox, and its usage is counted", async () => {
      const { result, runDirectory, bundle } = await runAgentPreset(workspace, "claude-code", {
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: realKey,
      });
      expect(bundle.verdict, result.stdout + result.stderr).toBe("accepted");
      expect(result.exitCode).toBe(0);

      // Upstream saw the supervisor's key on every model request, never a worker's token.
      const modelRequests = fake.requests.filter((request) => request.method === "POST");
      expect(modelRequests.length).toBeGreaterThanOrEqual(3);
      expect(new Set(modelRequests.map((request) => request.apiKey))).toEqual(new Set([realKey]));
      expect(modelRequests.map((request) => request.authorization).filter(Boolean)).toEqual([]);

      // The usage in the bundle is what the fake served: every completed response, cache included.
      const served = modelRequests.filter((request) => !request.url.includes("count_tokens")).length;
      expect(bundle.usage).toMatchObject({
        turns: served,
        input_tokens: 100 * served,
        output_tokens: 20 * served,
        cache_read_tokens: 40 * served,
        cache_write_tokens: 10 * served,
      });
      expect(bundle.usage.cost_usd).toBeGreaterThan(0);

      // The worker saw a gateway token and the bridge's address, never the key.
      const checkout = join(workspace.directory, ".supervise", "checkouts", "fix");
      const workerEnvironment = readFileSync(join(checkout, ".git", "worker-env.txt"), "utf8");
      expect(workerEnvironment).toContain("ANTHROPIC_BASE_URL=http://127.0.0.1:3129/anthropic");
      expect(workerEnvironment).not.toContain(realKey);
      // Nor is it in any process's environment in the sandbox, or anywhere in the worker's HOME.
      const visible = readFileSync(join(checkout, ".git", "visible.txt"), "utf8");
      expect(visible).toContain("ANTHROPIC_API_KEY=");
      expect(visible).not.toContain(realKey);
      for (const file of ["transcripts/fix.jsonl", "journal.jsonl", "evidence/fix/bundle.json"]) {
        expect(readFileSync(join(runDirectory, file), "utf8")).not.toContain(realKey);
      }
    });

    it("hears its rejected claim as the MCP tool's result: a stub writer is not accepted", async () => {
      fake.server.closeAllConnections();
      await new Promise((resolve) => fake.server.close(resolve));
      fake = await startFakeMessagesApi(stubScript);
      const { result, bundle } = await runAgentPreset(workspace, "claude-code", {
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: realKey,
      });
      expect(result.exitCode, result.stdout + result.stderr).not.toBe(0);
      expect(bundle.verdict).not.toBe("accepted");
      const toolResults = fake.requests.flatMap((request) =>
        JSON.stringify(request.body.messages ?? []).includes("toolu_claim")
          ? [JSON.stringify(request.body)]
          : [],
      );
      expect(toolResults.join("\n")).toMatch(/rejected[\s\S]*local_check/);
    });
  },
);
