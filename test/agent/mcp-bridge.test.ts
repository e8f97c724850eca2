import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startToolServer, type ToolServer } from "../../src/agent/bridge/tool-server.ts";
import { workerTools } from "../../src/agent/tools/tool-registry.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

const repositoryRoot = new URL("../..", import.meta.url).pathname;

let directory: string;
let toolServer: ToolServer;
let client: Client;
let services: FakeWorkerServices;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-mcp-"));
  toolServer = await startToolServer(join(directory, "tools.sock"));
  services = new FakeWorkerServices(directory);
  const token = toolServer.grant("ws1", services);
  client = new Client({ name: "supervise-test", version: "0.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ["src/cli.ts", "mcp"],
      cwd: repositoryRoot,
      env: {
        ...getDefaultEnvironment(),
        SUPERVISE_TOOL_SOCKET: toolServer.socketPath,
        SUPERVISE_TOOL_TOKEN: token,
      },
      stderr: "pipe",
    }),
  );
});
afterEach(async () => {
  await client.close();
  await toolServer.close();
  await rm(directory, { recursive: true, force: true });
});

describe("supervise mcp", () => {
  it("lists every worker tool with its description and input schema", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual([
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
    expect(tools).toHaveLength(workerTools.length);
    const edit = tools.find((tool) => tool.name === "edit_file");
    expect(edit?.description).toMatch(/^Replace one exact piece of text/);
    expect(edit?.inputSchema.required).toEqual(["path", "old_string", "new_string"]);
  });

  it("forwards a call through the supervisor's socket to the workstream's services", async () => {
    const pushed = await client.callTool({ name: "push", arguments: {} });
    expect(pushed).toEqual({
      content: [{ type: "text", text: "Pushed abc123 to ws/branch." }],
      isError: false,
    });
    const merged = await client.callTool({ name: "merge_pull_request", arguments: { method: "rebase" } });
    expect(merged.isError).toBe(false);
    expect(services.calls).toEqual([
      { service: "push", input: {} },
      { service: "mergePullRequest", input: { method: "rebase" } },
    ]);
  });
});
