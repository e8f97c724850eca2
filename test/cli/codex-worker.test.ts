/**
 * The real Codex CLI (npm `@openai/codex`, its native binary) as a worker under bwrap, with
 * `agent: { provider: codex }`: it reaches the Responses API through the run's model gateway with a
 * workstream token, claims through `supervise mcp` (Codex 0.171 defers MCP tools behind its `exec`
 * tool), hears the verdict as that tool's output, and the usage it reports is what the fake served.
 * The model is a loopback fake in the Responses API's shapes, as Codex 0.171 sends them.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findProgram, runAgentPreset } from "../fakes/cli-agent-run.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

const realKey = "sk-proj-supervisor-only-openai-key-51c2";

interface ResponsesTool {
  type: string;
  name?: string;
  tools?: ResponsesTool[];
}

interface ResponsesRequest {
  model?: string;
  tools?: ResponsesTool[];
  input?: { type?: string; tools?: ResponsesTool[]; output?: unknown }[];
}

/**
 * Every tool the request offers: Codex 0.171 sends them as namespaces in an `additional_tools`
 * input item, and its MCP servers' tools are deferred behind the `exec` tool (JavaScript that
 * calls `tools.<name>(…)`); older versions list functions in `tools`.
 */
function offeredTools(body: ResponsesRequest): string[] {
  const flatten = (tools: readonly ResponsesTool[]): string[] =>
    tools.flatMap((tool) => (tool.tools ? flatten(tool.tools) : tool.name ? [tool.name] : []));
  const additional = (body.input ?? []).flatMap((item) =>
    item.type === "additional_tools" ? (item.tools ?? []) : [],
  );
  return flatten([...(body.tools ?? []), ...additional]);
}

/**
 * What a model writes for Codex's `exec` tool: a change through the shell, then a claim through
 * MCP. Codex starts MCP servers beside the first turn, so a model that finds the claim tool not
 * there yet looks again, as a real one would (bounded by the fake's turn limit).
 */
function claimingScript(value: number): string {
  const change = `echo ${value} > src/value.txt && git commit -qam 'value is ${value}'`;
  return [
    'if (!ALL_TOOLS.some((tool) => tool.name.includes("claim_done"))) { text("no claim tool yet"); exit(); }',
    `await tools.exec_command({ cmd: ${JSON.stringify(`git log --oneline | grep -q 'value is ${value}' || (${change})`)} });`,
    `const claim = await tools.mcp__supervise__claim_done({ summary: "value set to ${value}" });`,
    "text(JSON.stringify(claim));",
  ].join("\n");
}
const maxExecTurns = 20;

function startFakeResponsesApi(value: number): Promise<{
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
      const names = offeredTools(body);
      const outputs = (body.input ?? []).filter((item) => item.type === "custom_tool_call_output");
      const lastOutput = JSON.stringify(outputs.at(-1)?.output ?? "");
      const isClaimed = /accepted|rejected/.test(lastOutput);
      const id = `resp_${requests.length}`;
      const item =
        !isClaimed && outputs.length < maxExecTurns && names.includes("exec")
          ? {
              type: "custom_tool_call",
              id: `ctc_${outputs.length + 1}`,
              call_id: `call_${outputs.length + 1}`,
              name: "exec",
              input: claimingScript(value),
              status: "completed",
            }
          : {
              type: "message",
              id: `msg_${requests.length}`,
              role: "assistant",
              status: "completed",
              content: [
                { type: "output_text", text: `done; tools offered: ${names.join(",")}`, annotations: [] },
              ],
            };
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
  fake = await startFakeResponsesApi(2);
});
afterEach(async () => {
  fake.server.closeAllConnections();
  await new Promise((resolve) => fake.server.close(resolve));
  workspace.cleanup();
});

describe.skipIf(findProgram("codex") === null && !process.env.CI)("the real Codex CLI as a worker", () => {
  it("claims through `supervise mcp` from its exec tool, reaches its model through the gateway with no key in its sandbox, and its usage is counted", async () => {
    const { result, runDirectory, bundle } = await runAgentPreset(workspace, "codex", {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: realKey,
    });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(bundle.verdict).toBe("accepted");
    // The claim's answer reached the model as the exec tool's output.
    const outputs = fake.requests.flatMap((request) =>
      (request.body.input ?? []).filter((item) => item.type === "custom_tool_call_output"),
    );
    expect(JSON.stringify(outputs)).toContain("accepted");
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

  it("hears a rejected claim as its exec tool's output: a wrong value is not accepted", async () => {
    fake.server.closeAllConnections();
    await new Promise((resolve) => fake.server.close(resolve));
    fake = await startFakeResponsesApi(3);
    const { result, bundle } = await runAgentPreset(workspace, "codex", {
      OPENAI_BASE_URL: fake.url,
      OPENAI_API_KEY: realKey,
    });
    expect(result.exitCode, result.stdout + result.stderr).not.toBe(0);
    expect(bundle.verdict).not.toBe("accepted");
    const outputs = fake.requests.flatMap((request) =>
      (request.body.input ?? []).filter((item) => item.type === "custom_tool_call_output"),
    );
    expect(JSON.stringify(outputs)).toMatch(/rejected[\s\S]*local_check/);
  });
});
