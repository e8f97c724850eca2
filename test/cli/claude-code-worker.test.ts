/**
 * The real Claude Code CLI (npm `@anthropic-ai/claude-code@2`, its native binary) as a worker under
 * bwrap, with `agent: { provider: claude-code }`: it authenticates at the run's model gateway with
 * a workstream token, the gateway adds the supervisor's key upstream, and the usage it reports is
 * what the fake Messages API served. The model is a loopback fake in the API's shapes, scripted:
 * a Bash tool call that makes the fix, then the supervise claim_done tool through MCP.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { honestScript, startFakeMessagesApi } from "../fakes/claude-code-upstream.ts";
import { findProgram, runAgentPreset } from "../fakes/cli-agent-run.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

const realKey = "sk-ant-api03-supervisor-only-key-7f3a9c";

/** A stub writer: sets the wrong value, claims, then reports what the claim's tool result said. */
const stubScript = (step: number): object => {
  if (step === 0) {
    return {
      type: "tool_use",
      id: "toolu_stub",
      name: "Bash",
      input: { command: "echo 3 > src/value.txt && git commit -qam 'value is 3'", description: "Commit" },
    };
  }
  if (step === 1) {
    return {
      type: "tool_use",
      id: "toolu_claim",
      name: "mcp__supervise__claim_done",
      input: { summary: "implementation complete" },
    };
  }
  return { type: "text", text: "Stopping here." };
};

let workspace: Workspace;
let fake: Awaited<ReturnType<typeof startFakeMessagesApi>>;
beforeEach(async () => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
  fake = await startFakeMessagesApi(honestScript);
});
afterEach(async () => {
  fake.server.closeAllConnections();
  await new Promise((resolve) => fake.server.close(resolve));
  workspace.cleanup();
});

describe.skipIf(findProgram("claude") === null && !process.env.CI)(
  "the real Claude Code CLI as a worker",
  () => {
    it("works through the model gateway with no key in its sandbox, and its usage is counted", async () => {
      const { result, runDirectory, bundle } = await runAgentPreset(workspace, "claude-code", {
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: realKey,
      });
      expect(bundle.verdict, result.stdout + result.stderr).toBe("accepted");
      expect(result.exitCode).toBe(0);

      // Upstream saw the supervisor's key on every model request, never a worker's token.
      const modelRequests = fake.requests.filter((request) => request.method === "POST");
      expect(modelRequests.length).toBeGreaterThanOrEqual(3);
      expect(new Set(modelRequests.map((request) => request.apiKey))).toEqual(new Set([realKey]));
      expect(modelRequests.map((request) => request.authorization).filter(Boolean)).toEqual([]);

      // The usage in the bundle is what the fake served: every completed response, cache included.
      const served = modelRequests.filter((request) => !request.url.includes("count_tokens")).length;
      expect(bundle.usage).toMatchObject({
        turns: served,
        input_tokens: 100 * served,
        output_tokens: 20 * served,
        cache_read_tokens: 40 * served,
        cache_write_tokens: 10 * served,
      });
      expect(bundle.usage.cost_usd).toBeGreaterThan(0);

      // The worker saw a gateway token and the bridge's address, never the key.
      const checkout = join(workspace.directory, ".supervise", "checkouts", "fix");
      const workerEnvironment = readFileSync(join(checkout, ".git", "worker-env.txt"), "utf8");
      expect(workerEnvironment).toContain("ANTHROPIC_BASE_URL=http://127.0.0.1:3129/anthropic");
      expect(workerEnvironment).not.toContain(realKey);
      // Nor is it in any process's environment in the sandbox, or anywhere in the worker's HOME.
      const visible = readFileSync(join(checkout, ".git", "visible.txt"), "utf8");
      expect(visible).toContain("ANTHROPIC_API_KEY=");
      expect(visible).not.toContain(realKey);
      for (const file of ["transcripts/fix.jsonl", "journal.jsonl", "evidence/fix/bundle.json"]) {
        expect(readFileSync(join(runDirectory, file), "utf8")).not.toContain(realKey);
      }
    });

    it("hears its rejected claim as the MCP tool's result: a stub writer is not accepted", async () => {
      fake.server.closeAllConnections();
      await new Promise((resolve) => fake.server.close(resolve));
      fake = await startFakeMessagesApi(stubScript);
      const { result, bundle } = await runAgentPreset(workspace, "claude-code", {
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_API_KEY: realKey,
      });
      expect(result.exitCode, result.stdout + result.stderr).not.toBe(0);
      expect(bundle.verdict).not.toBe("accepted");
      const toolResults = fake.requests.flatMap((request) =>
        JSON.stringify(request.body.messages ?? []).includes("toolu_claim")
          ? [JSON.stringify(request.body)]
          : [],
      );
      expect(toolResults.join("\n")).toMatch(/rejected[\s\S]*local_check/);
    });
  },
);
