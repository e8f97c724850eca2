/** The worker tools as the Messages API's `tools` array, derived from the one definition of each. */
import type { Tool } from "@anthropic-ai/sdk/resources/messages";
import { toolDescription, toolInputJsonSchema } from "./tool-definition.ts";
import { workerTools } from "./tool-registry.ts";

export function anthropicToolDefinitions(): Tool[] {
  return workerTools.map((tool) => ({
    name: tool.name,
    description: toolDescription(tool.name),
    input_schema: toolInputJsonSchema(tool) as Tool.InputSchema,
  }));
}
