// Owns: the worker's side of the bridge, what `supervise tool` and `supervise mcp` load inside a command worker: one tool call over the supervisor's socket, or the same tools served over MCP; an entry of its own so that a tool call starts without the run, the SDKs or the tool definitions.
// Must never: hold more than the one workstream's bridge token it was started with, or load the MCP server before `supervise mcp` asks for it.
export { type BridgeAddress, callSupervisorTool } from "./tool-client.ts";

/**
 * `supervise mcp`'s server, loaded only when asked: the MCP SDK, zod and every tool definition are
 * not needed by `supervise tool`, which runs once per tool call inside a worker and must start fast.
 */
export async function loadMcpServer(): Promise<typeof import("./mcp-server.ts")["serveToolsOverMcp"]> {
  return (await import("./mcp-server.ts")).serveToolsOverMcp;
}
