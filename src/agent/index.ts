// Owns: the workers: the worker interface, the command worker that runs a CLI agent, the worker tools (defined once for the Messages API, `supervise tool` and MCP) and the supervisor's side of the bridge that serves them; the model worker (agent/model/index.ts) and the worker's side of the bridge (agent/bridge/index.ts) are entries of their own.
// Must never: decide that a claim is done (claim_done hands it to the gates), or let a worker tool reach outside its workstream's checkout.
export { startToolServer, type ToolServer } from "./bridge/tool-server.ts";
export { writeSuperviseShim } from "./bridge/worker-shim.ts";
export { cliAgentCommand } from "./cli-agent-command.ts";
export { type CommandWorkerModelAccess, createCommandWorkerLauncher } from "./command-worker.ts";
export { createGatewayDispatch, type GatewayDispatch } from "./model-access.ts";
export type { ToolResult, WorkerServices } from "./tools/tool-definition.ts";
export { callCheckoutFileTool } from "./tools/tool-registry.ts";
export type { WorkerExit, WorkerLauncher } from "./worker.ts";
