/**
 * Running a real CLI agent preset (Claude Code, Codex) as a worker through the CLI: the one-
 * workstream plan the agent tests share, and where to find what the run left.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Workspace } from "./cli-harness.ts";

/** The program's path on this PATH, or null: the tests that need it are skipped outside CI. */
export function findProgram(name: string): string | null {
  try {
    return execFileSync("bash", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

/** The one-workstream plan the agent tests share (`fix`: set src/value.txt to 2), with more top-level lines. */
export function agentPresetPlan(
  provider: "claude-code" | "codex" | "anthropic",
  moreLines: string[] = [],
): string {
  return [
    "repo: ./repo",
    `agent: { provider: ${provider} }`,
    ...moreLines,
    "defaults:",
    "  done: [local_check]",
    '  commands: { check: "test \\"$(cat src/value.txt)\\" = 2" }',
    "  stall: { max_restarts: 0, max_rejections: 1 }",
    "workstreams:",
    "  - { id: fix, goal: set the value to 2 }",
  ].join("\n");
}

/** Runs the shared one-workstream plan with the agent preset. */
export async function runAgentPreset(
  workspace: Workspace,
  provider: "claude-code" | "codex",
  environment: Record<string, string>,
) {
  workspace.writePlan("plan.yaml", agentPresetPlan(provider));
  const result = await workspace.supervise(["plan.yaml"], { env: environment });
  const runs = join(workspace.directory, ".supervise", "runs");
  const runDirectory = join(runs, readdirSync(runs)[0]!);
  const bundle = JSON.parse(readFileSync(join(runDirectory, "evidence", "fix", "bundle.json"), "utf8"));
  return { result, runDirectory, bundle };
}
