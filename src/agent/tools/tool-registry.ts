/**
 * The worker tools and the one way to call them: input validated against the tool's schema, and
 * every failure returned as an error result the worker can act on, never thrown at it.
 */
import type { z } from "zod";
import { errorMessage } from "../../errors.ts";
import { askHumanTool } from "./ask-human.ts";
import { bashTool } from "./bash.ts";
import { claimDoneTool } from "./claim-done.ts";
import { editFileTool } from "./edit-file.ts";
import {
  ciStatusTool,
  closeIssueTool,
  mergePullRequestTool,
  openPullRequestTool,
  pushTool,
} from "./forge-tools.ts";
import { readFileTool } from "./read-file.ts";
import {
  type ToolDefinition,
  type ToolResult,
  toolError,
  toolInputJsonSchema,
  type WorkerServices,
} from "./tool-definition.ts";
import { writeFileTool } from "./write-file.ts";

/**
 * A tool that acts on the checkout's files, called where the checkout is (a worker host) with no
 * other service: anything else the tool asked for would be the supervisor's, which is not here.
 */
export function callCheckoutFileTool(
  name: string,
  input: unknown,
  checkoutPath: string,
): Promise<ToolResult> {
  const tool = findTool(name);
  if (!tool?.actsOnCheckoutFiles)
    return Promise.resolve(toolError(`${name} does not act on the checkout's files.`));
  const elsewhere = (): never => {
    throw new Error(`${name} asked for a service of the supervisor on a worker host`);
  };
  return callWorkerTool(name, input, {
    checkoutPath,
    runCommand: elsewhere,
    claimDone: elsewhere,
    push: elsewhere,
    openPullRequest: elsewhere,
    ciStatus: elsewhere,
    mergePullRequest: elsewhere,
    closeIssue: elsewhere,
    askHuman: elsewhere,
    takeSupervisorMessages: () => [],
  });
}

/** In the order the model is told about them: work in the checkout, then the forge, then done. */
export const workerTools: readonly ToolDefinition[] = [
  bashTool,
  readFileTool,
  writeFileTool,
  editFileTool,
  pushTool,
  openPullRequestTool,
  ciStatusTool,
  mergePullRequestTool,
  closeIssueTool,
  askHumanTool,
  claimDoneTool,
] as ToolDefinition[];

export function findTool(name: string): ToolDefinition | undefined {
  return workerTools.find((tool) => tool.name === name);
}

export async function callWorkerTool(
  name: string,
  input: unknown,
  services: WorkerServices,
): Promise<ToolResult> {
  const tool = findTool(name);
  if (!tool) {
    return badInput(
      `There is no tool named "${name}". Available tools: ${workerTools.map((t) => t.name).join(", ")}.`,
    );
  }
  const parsed = tool.inputSchema.safeParse(input ?? {});
  if (!parsed.success) {
    return badInput(
      `Invalid input for ${name}: ${describeIssues(parsed.error.issues)}. ` +
        `Expected input: ${JSON.stringify(toolInputJsonSchema(tool))}`,
    );
  }
  let result: ToolResult;
  try {
    result =
      tool.actsOnCheckoutFiles && services.checkoutFilesElsewhere
        ? await services.checkoutFilesElsewhere(name, parsed.data)
        : await tool.handle(parsed.data, services);
  } catch (error) {
    // A failing handler is the supervisor's problem to record, but the worker still gets an answer.
    result = toolError(`The tool ${name} failed inside the supervisor: ${errorMessage(error)}`);
  }
  return withSupervisorMessages(result, services.takeSupervisorMessages());
}

function withSupervisorMessages(result: ToolResult, messages: string[]): ToolResult {
  if (messages.length === 0) return result;
  return { ...result, text: [result.text, ...messages].join("\n\n---\n\n") };
}

function badInput(text: string): ToolResult {
  return { ...toolError(text), isBadInput: true };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
