import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { anthropicToolDefinitions } from "../../src/agent/tools/anthropic-tools.ts";
import { callWorkerTool, workerTools } from "../../src/agent/tools/tool-registry.ts";
import { promptsDirectory, renderPrompt, templateVariables } from "../../src/prompts/prompt-templates.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

describe("worker tools", () => {
  it("keep the contract's names and input fields", () => {
    const fields = Object.fromEntries(
      anthropicToolDefinitions().map((tool) => [
        tool.name,
        {
          properties: Object.keys(tool.input_schema.properties ?? {}),
          required: tool.input_schema.required ?? [],
        },
      ]),
    );
    expect(fields).toEqual({
      bash: { properties: ["command", "timeout_seconds"], required: ["command"] },
      read_file: { properties: ["path"], required: ["path"] },
      write_file: { properties: ["path", "content"], required: ["path", "content"] },
      edit_file: {
        properties: ["path", "old_string", "new_string"],
        required: ["path", "old_string", "new_string"],
      },
      push: { properties: [], required: [] },
      open_pull_request: { properties: ["title", "body"], required: ["title", "body"] },
      ci_status: { properties: [], required: [] },
      merge_pull_request: { properties: ["method"], required: [] },
      close_issue: { properties: ["comment"], required: [] },
      ask_human: { properties: ["question"], required: ["question"] },
      claim_done: { properties: ["summary"], required: ["summary"] },
    });
  });

  it("each have a description file, sent as the tool's description", () => {
    for (const tool of anthropicToolDefinitions()) {
      expect(tool.description, tool.name).toBe(renderPrompt(`tools/${tool.name}`, {}));
      expect(tool.input_schema).toMatchObject({ type: "object", additionalProperties: false });
    }
    const files = readdirSync(`${promptsDirectory}tools`).map((file) => file.replace(/\.md$/, ""));
    expect(files.sort()).toEqual(workerTools.map((tool) => tool.name).sort());
  });
});

describe("prompt templates", () => {
  it("all render when given every variable they name", () => {
    const names = readdirSync(promptsDirectory, { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".md"))
      .map((file) => file.replace(/\.md$/, ""));
    for (const name of names) {
      const variables = Object.fromEntries(
        templateVariables(name).map((variable) => [variable, `<${variable}>`]),
      );
      expect(renderPrompt(name, variables), name).not.toMatch(/\{\{/);
    }
  });
});

describe("forge and human tools", () => {
  it("forward their input to the supervisor's services and return its answer", async () => {
    const services = new FakeWorkerServices("/checkout");
    expect(
      await callWorkerTool("open_pull_request", { title: "Fix it", body: "Fixes #3" }, services),
    ).toEqual({
      isError: false,
      text: "Opened pull request #7.",
    });
    await callWorkerTool("ci_status", {}, services);
    await callWorkerTool("merge_pull_request", {}, services);
    await callWorkerTool("close_issue", { comment: "Done in #7" }, services);
    await callWorkerTool("ask_human", { question: "Drop Node 18 support?" }, services);
    expect(services.calls).toEqual([
      { service: "openPullRequest", input: { title: "Fix it", body: "Fixes #3" } },
      { service: "ciStatus", input: {} },
      { service: "mergePullRequest", input: { method: undefined } },
      { service: "closeIssue", input: { comment: "Done in #7" } },
      { service: "askHuman", input: "Drop Node 18 support?" },
    ]);
  });

  it("refuse unknown fields and bad merge methods with the expected input", async () => {
    const services = new FakeWorkerServices("/checkout");
    const result = await callWorkerTool("merge_pull_request", { method: "octopus" }, services);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^Invalid input for merge_pull_request: method: /);
    expect((await callWorkerTool("push", { force: true }, services)).isError).toBe(true);
    expect(services.calls).toEqual([]);
  });
});
