/**
 * A worker tool is defined once: a zod input schema, a description file in `prompts/tools/`, and
 * a handler. The Messages API schemas, `supervise tool` and `supervise mcp` all derive from it.
 */
import { z } from "zod";
import { readPromptTemplate } from "../../prompts/index.ts";
import type { CommandResult } from "../../sandbox/index.ts";

export interface ToolResult {
  isError: boolean;
  /** What the worker reads: a verdict, an output, or what was wrong and how to call it right. */
  text: string;
  /** The call itself was malformed (an unknown tool, input that fails the schema): `supervise tool` exits 2. */
  isBadInput?: boolean;
}

/** What a tool may ask of the supervisor for its workstream; implemented by the run. */
export interface WorkerServices {
  /** The worker's checkout: file tools resolve paths inside it and never outside. */
  readonly checkoutPath: string;
  /** Runs a shell command in the checkout, sandboxed like every worker command. */
  runCommand(command: string, timeoutMs: number): Promise<CommandResult>;
  /**
   * Set when the checkout is on another machine (a worker host): the tools that act on its files
   * directly are run there, by the same definitions, and their result comes back.
   */
  checkoutFilesElsewhere?(toolName: string, input: unknown): Promise<ToolResult>;
  claimDone(summary: string): Promise<ToolResult>;
  push(): Promise<ToolResult>;
  openPullRequest(input: { title: string; body: string }): Promise<ToolResult>;
  ciStatus(): Promise<ToolResult>;
  mergePullRequest(input: { method?: "squash" | "merge" | "rebase" | undefined }): Promise<ToolResult>;
  closeIssue(input: { comment?: string | undefined }): Promise<ToolResult>;
  /** Opens an escalation and resolves with the human's decision. */
  askHuman(question: string): Promise<ToolResult>;
  /**
   * Supervisor messages (playbook interventions) waiting for the worker; each tool result carries
   * the ones pending when it returns, so a running worker reads them at its next step.
   */
  takeSupervisorMessages(): string[];
}

export interface ToolDefinition<Input extends z.ZodType = z.ZodType> {
  name: string;
  inputSchema: Input;
  /** It opens the checkout's files itself (read, write, edit): it runs where the checkout is. */
  actsOnCheckoutFiles?: boolean;
  handle(input: z.infer<Input>, services: WorkerServices): Promise<ToolResult>;
}

export function defineTool<Input extends z.ZodType>(
  definition: ToolDefinition<Input>,
): ToolDefinition<Input> {
  return definition;
}

export function toolDescription(name: string): string {
  return readPromptTemplate(`tools/${name}`).trim();
}

export function toolInputJsonSchema(definition: ToolDefinition): Record<string, unknown> {
  const schema = z.toJSONSchema(definition.inputSchema, { io: "input" }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

export function toolError(text: string): ToolResult {
  return { isError: true, text };
}
