/**
 * `supervise mcp`: the worker tools as an MCP server over stdio, so `claude -p --mcp-config …`
 * or `codex exec` reach them with no glue. Each call is forwarded to the supervisor's socket.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { z } from "zod";
import { toolDescription } from "../tools/tool-definition.ts";
import { workerTools } from "../tools/tool-registry.ts";
import { type BridgeAddress, callSupervisorTool } from "./tool-client.ts";

export async function serveToolsOverMcp(address: BridgeAddress): Promise<void> {
  const server = new McpServer({ name: "supervise", version: "0.1.0" });
  for (const tool of workerTools) {
    server.registerTool(
      tool.name,
      { description: toolDescription(tool.name), inputSchema: tool.inputSchema as z.ZodObject },
      async (input: unknown) => {
        const result = await callSupervisorTool(address, tool.name, input);
        return { content: [{ type: "text" as const, text: result.text }], isError: result.isError };
      },
    );
  }
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  await server.connect(transport);
  await closed;
}
