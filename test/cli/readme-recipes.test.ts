/**
 * The README's recipe for Claude Code and Codex, read from the README itself and run exactly as
 * printed (the Codex line as its comment gives it), with the real CLIs under the sandbox against a
 * loopback fake of their model APIs: the plan validates, the agent starts, reaches its model only
 * through the run's gateway with the supervisor's key added upstream, and is offered every
 * supervise worker tool through `supervise mcp`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { workerTools } from "../../src/agent/tools/tool-registry.ts";
import { findProgram } from "../fakes/cli-agent-run.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";
import {
  type FakeModelUpstream,
  type RecordedUpstreamRequest,
  startFakeModelUpstream,
} from "../fakes/model-upstream.ts";

const readme = readFileSync(join(import.meta.dirname, "..", "..", "README.md"), "utf8");
const anthropicKey = "sk-ant-api03-readme-recipe-key-0c41";
const openaiKey = "sk-proj-readme-recipe-key-93d2";

/** The YAML block that follows the README's "Claude Code and Codex under supervise" paragraph. */
function printedRecipe(): string {
  const start = readme.indexOf("**Claude Code and Codex under supervise.**");
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(start));
  if (start < 0 || !block) throw new Error("the README has no Claude Code recipe");
  return block[1]!;
}

/** The recipe with its agent line replaced by what its comment offers (`# or { provider: codex … }`). */
function codexVariant(recipe: string): string {
  return recipe.replace(/^agent: \{[^}]*\}\s*# or (\{[^}]*\})\s*$/m, "agent: $1");
}

let workspace: Workspace;
let upstream: FakeModelUpstream;
beforeEach(async () => {
  // The recipe's default check is `npm test`, which runs once at the base before the agent starts.
  workspace = createWorkspace({
    "README.md": "# demo\n",
    "package.json": '{ "name": "demo", "scripts": { "test": "node --test" } }\n',
    "test/retry.test.ts": "// flaky\n",
  });
  upstream = await startFakeModelUpstream({ anthropicKey, openaiKey, forbidden: "supervise-gw-" });
});
afterEach(async () => {
  await upstream.close();
  workspace.cleanup();
});

/**
 * Validates the plan, runs it until the agent's first conversation reached the fake (the fake
 * only answers in text, so the agent would stop without a claim and the run would wait for a
 * human), then stops it with one Ctrl-C.
 */
async function runRecipe(yaml: string, isConversation: (request: RecordedUpstreamRequest) => boolean) {
  // `repo: .`: the plan sits in the repository it names.
  const plan = workspace.writePlan("repo/supervise.yaml", yaml);
  const validation = await workspace.supervise(["validate", plan]);
  const run = workspace.supervise([plan], {
    env: {
      ANTHROPIC_API_KEY: anthropicKey,
      ANTHROPIC_BASE_URL: upstream.url,
      OPENAI_API_KEY: openaiKey,
      OPENAI_BASE_URL: `${upstream.url}/v1`,
    },
  });
  let ended = false;
  void run.finally(() => {
    ended = true;
  });
  for (let polls = 0; polls < 1200 && !ended && !upstream.requests.some(isConversation); polls++) {
    await delay(100);
  }
  run.kill("SIGINT");
  const result = await run;
  return { validation, result, conversations: upstream.requests.filter(isConversation) };
}

describe("the README's recipe for CLI agents, as printed", () => {
  it("names a preset and a plan the parser accepts, for both agents", () => {
    const recipe = printedRecipe();
    expect(recipe).toMatch(/provider: claude-code/);
    expect(codexVariant(recipe)).toMatch(/^agent: \{ provider: codex, model: [\w.-]+ \}$/m);
  });

  it.skipIf(findProgram("claude") === null && !process.env.CI)(
    "starts Claude Code, which reaches its model through the gateway and is offered every worker tool",
    async () => {
      const { validation, result, conversations } = await runRecipe(
        printedRecipe(),
        (request) => request.path.startsWith("/v1/messages") && request.body.includes('"Bash"'),
      );
      expect(validation.exitCode, validation.stdout + validation.stderr).toBe(0);
      expect(conversations.length, result.stdout + result.stderr).toBeGreaterThan(0);
      expect(upstream.violations).toEqual([]);
      const offered = conversations[0]!.body;
      for (const tool of workerTools) expect(offered).toContain(`mcp__supervise__${tool.name}`);
    },
    180_000,
  );

  it.skipIf(findProgram("codex") === null && !process.env.CI)(
    "starts Codex, which reaches its model through the gateway and is offered supervise's MCP tools",
    async () => {
      const { validation, result, conversations } = await runRecipe(
        codexVariant(printedRecipe()),
        (request) => request.path === "/v1/responses",
      );
      expect(validation.exitCode, validation.stdout + validation.stderr).toBe(0);
      expect(conversations.length, result.stdout + result.stderr).toBeGreaterThan(0);
      expect(upstream.violations).toEqual([]);
      // Codex 0.171 defers MCP tools behind its exec tool and names their namespace to the model.
      expect(conversations[0]!.body).toContain("mcp__supervise");
    },
    180_000,
  );
});
