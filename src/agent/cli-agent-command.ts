/**
 * The command line of a CLI agent: the plan's own for `provider: command`, built here for the
 * presets, so nobody hand-writes a 400-character command. The presets reach the worker tools
 * through `supervise mcp` (every tool of the registry allowed by name, `push` and `close_issue`
 * included) and their model through the run's gateway (the environment the command worker adds).
 */
import type { CliAgentConfig } from "../plan/index.ts";
import { workerTools } from "./tools/tool-registry.ts";

/** Claude Code's own tools a worker edits and tests with; the sandbox, not a prompt, is the boundary. */
const claudeCodeTools = [
  "Bash",
  "Read",
  "Edit",
  "MultiEdit",
  "Write",
  "Glob",
  "Grep",
  "NotebookEdit",
  "TodoWrite",
];

/** What `supervise mcp` needs to reach the workstream's supervisor; Codex hands an MCP server only what it is told to. */
const bridgeVariables = [
  "SUPERVISE_TOOL_SOCKET",
  "SUPERVISE_TOOL_TOKEN",
  "SUPERVISE_WORKSTREAM",
  "SUPERVISE_ISSUE",
  "SUPERVISE_ATTEMPT",
  "PATH",
  "HOME",
];

export function cliAgentCommand(agent: CliAgentConfig): string {
  switch (agent.provider) {
    case "command":
      return agent.command;
    case "claude-code": {
      const mcpConfig = JSON.stringify({
        mcpServers: { supervise: { command: "supervise", args: ["mcp"] } },
      });
      const allowed = [...claudeCodeTools, ...workerTools.map((tool) => `mcp__supervise__${tool.name}`)];
      return [
        quote(agent.path ?? "claude"),
        "-p",
        // supervise's sandbox is the boundary, and nobody is there to answer a permission prompt.
        "--permission-mode",
        "bypassPermissions",
        "--mcp-config",
        quote(mcpConfig),
        "--allowedTools",
        quote(allowed.join(",")),
        ...(agent.model ? ["--model", quote(agent.model)] : []),
        ...agent.args.map(quote),
      ].join(" ");
    }
    case "codex":
      return [
        quote(agent.path ?? "codex"),
        "exec",
        // supervise's sandbox is the boundary; Codex's own cannot start inside it.
        "--dangerously-bypass-approvals-and-sandbox",
        "--skip-git-repo-check",
        // A provider of its own, at the run's gateway (OPENAI_BASE_URL, expanded by the shell that
        // runs this line): Codex's built-in one tries a WebSocket to api.openai.com first.
        "-c",
        "model_provider=supervise",
        "-c",
        quote('model_providers.supervise.name="supervise"'),
        "-c",
        '"model_providers.supervise.base_url=\\"$OPENAI_BASE_URL\\""',
        "-c",
        quote('model_providers.supervise.env_key="OPENAI_API_KEY"'),
        "-c",
        quote('model_providers.supervise.wire_api="responses"'),
        "-c",
        quote('mcp_servers.supervise.command="supervise"'),
        "-c",
        quote('mcp_servers.supervise.args=["mcp"]'),
        "-c",
        quote(`mcp_servers.supervise.env_vars=${JSON.stringify(bridgeVariables)}`),
        ...(agent.model ? ["-m", quote(agent.model)] : []),
        ...agent.args.map(quote),
        // The prompt comes on stdin.
        "-",
      ].join(" ");
  }
}

/** One shell word, whatever it holds. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
