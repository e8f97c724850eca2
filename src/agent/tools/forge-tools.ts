/**
 * The forge tools: the worker holds no credentials, so each one asks the supervisor, which pushes,
 * opens, merges and closes on the worker's behalf and journals what it did.
 */
import { z } from "zod";
import { defineTool } from "./tool-definition.ts";

export const pushTool = defineTool({
  name: "push",
  inputSchema: z.strictObject({}),
  handle: (_input, services) => services.push(),
});

export const openPullRequestTool = defineTool({
  name: "open_pull_request",
  inputSchema: z.strictObject({
    title: z.string().min(1).describe("Title of the pull request."),
    body: z.string().describe("Body in Markdown: what changed, why, and how it was checked."),
  }),
  handle: (input, services) => services.openPullRequest({ title: input.title, body: input.body }),
});

export const ciStatusTool = defineTool({
  name: "ci_status",
  inputSchema: z.strictObject({}),
  handle: (_input, services) => services.ciStatus(),
});

export const mergePullRequestTool = defineTool({
  name: "merge_pull_request",
  inputSchema: z.strictObject({
    method: z.enum(["squash", "merge", "rebase"]).optional().describe("How to merge; default squash."),
  }),
  handle: (input, services) => services.mergePullRequest({ method: input.method }),
});

export const closeIssueTool = defineTool({
  name: "close_issue",
  inputSchema: z.strictObject({
    comment: z.string().min(1).optional().describe("A closing comment for the issue."),
  }),
  handle: (input, services) => services.closeIssue({ comment: input.comment }),
});
