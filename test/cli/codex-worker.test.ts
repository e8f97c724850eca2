/**
 * The real Codex CLI (npm `@openai/codex`, its native binary) as a worker under bwrap, with
 * `agent: { provider: codex }`: it reaches the Responses API through the run's model gateway with a
 * workstream token, and the usage it reports is what the fake served. The model is a loopback fake
 * in the Responses API's shapes.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findProgram, runAgentPreset } from "../fakes/cli-agent-run.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

const realKey = "sk-proj-supervisor-only-openai-key-51c2";

interface ResponsesRequest {
  model?: string;
  tools?: { type: string; name?: string }[];
  input?: { type?: string }[];
}

function startFakeResponsesApi(): Promise<{
  server: Server;
  url: string;
  requests: { authorization?: string; body: ResponsesRequest }[];
}> {
  const requests: { authorization?: string; body: ResponsesRequest }[] = [];
  const server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      if (request.method !== "POST") return response.writeHead(200).end("{}");
      const body = JSON.parse(text || "{}") as ResponsesRequest;

      requests.push({ authorization: request.headers.authorization, body });
      const names = (body.tools ?? []).flatMap((tool) => (tool.name ? [tool.name] : []));
      const shell = names.find((name) =>
        ["shell", "exec_command", "local_shell", "shell_command"].includes(name),
      );
      const claim = names.find((name) => name.endsWith("claim_done"));
      const step = (body.input ?? []).filter((item) => item.type === "function_call_output").length;
      const id = `resp_${requests.length}`;
      let item: object;
      if (step === 0 && shell) {
        const command = "echo 2 > src/value.txt && git commit -qam 'value is 2'";
        const input =
          shell === "exec_command"
            ? { cmd: command }
            : shell === "shell_command"
              ? { command }
              : { command: ["bash", "-lc", command] };
        item = {
          type: "function_call",
          id: "fc_1",
          call_id: "call_1",
          name: shell,
          arguments: JSON.stringify(input),
          status: "completed",
        };
      } else if (step === 1 && claim) {
        item = {
          type: "function_call",
          id: "fc_2",
          call_id: "call_2",
          name: claim,
          arguments: JSON.stringify({ summary: "value set to 2" }),
          status: "completed",
        };
      } else {
        item = {
          type: "message",
          id: `msg_${requests.length}`,
          role: "assistant",
          status: "completed",
          content: [
            {
              type: "output_text",
              text: `tools: ${names.join(",")} keys: ${Object.keys(body).join(",")} first: ${JSON.stringify((body.tools ?? [])[0] ?? null).slice(0, 200)}`,
              annotations: [],
            },
          ],
        };
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      const send = (data: { type: string }) =>
        response.write(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);
      send({
        type: "response.created",
        response: { id, object: "response", status: "in_progress", output: [] },
      } as { type: string });
      send({ type: "response.output_item.done", output_index: 0, item } as { type: string });
      send({
        type: "response.completed",
        response: {
          id,
          object: "response",
          status: "completed",
          output: [item],
          usage: {
            input_tokens: 100,
            input_tokens_details: { cached_tokens: 40 },
            output_tokens: 20,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: 120,
          },
        },
      } as { type: string });
      response.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests }),
    ),
  );
}

let workspace: Workspace;
let fake: Awaited<ReturnType<typeof startFakeResponsesApi>>;
beforeEach(async () => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
  fake = await startFakeResponsesApi();
});
afterEach(async () => {
  fake.server.closeAllConnections();
  await new Promise((resolve) => fake.server.close(resolve));
  workspace.cleanup();
});

describe.skipIf(findProgram("codex") === null && !process.env.CI)("the real Codex CLI as a worker", () => {
  it("reaches its model through the gateway with no key in its sandbox, and its usage is counted", async () => {
    const { result, runDirectory, bundle } = await runAgentPreset(workspace, "codex", {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: realKey,
    });
    // Codex 0.171 offers the model no MCP tool from `supervise mcp` (its tools list has none), so it
    // cannot claim: the worker stops without a claim. What is checked here is the model path.
    expect(result.exitCode, result.stdout + result.stderr).toBe(1);
    expect(fake.requests.length).toBeGreaterThanOrEqual(1);
    expect(new Set(fake.requests.map((request) => request.authorization))).toEqual(
      new Set([`Bearer ${realKey}`]),
    );
    expect(bundle.usage).toMatchObject({
      turns: fake.requests.length,
      input_tokens: 60 * fake.requests.length,
      output_tokens: 20 * fake.requests.length,
      cache_read_tokens: 40 * fake.requests.length,
    });
    for (const file of ["transcripts/fix.jsonl", "journal.jsonl", "evidence/fix/bundle.json"]) {
      expect(readFileSync(join(runDirectory, file), "utf8")).not.toContain(realKey);
    }
  });
});
