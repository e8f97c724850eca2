/**
 * Drives the real model worker (createModelWorkerLauncher) through a generated 50-turn session
 * served by the replay fetch, and returns every request body it sent. The turns read files, run
 * commands, write files and finally claim, in a real checkout, so tool results have real sizes.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { createModelWorkerLauncher } from "../src/agent/model/model-worker.ts";
import type { ToolResult, WorkerServices } from "../src/agent/tools/tool-definition.ts";
import { systemClock } from "../src/clock.ts";
import { type Cassette, parseCassette } from "../src/model/cassette.ts";
import { createReplayFetch } from "../src/model/client/replay.ts";
import { builtInDefaults, defaultModel, defaultReviewer, type Workstream } from "../src/plan/schema.ts";
import { renderPrompt } from "../src/prompts/prompt-templates.ts";
import { buildCommandEnvironment, createCommandRunner } from "../src/sandbox/index.ts";
import { benchGitIdentity } from "./generate-repository.ts";
import type { CacheableRequest } from "./prompt-cache-model.ts";

const sourceFiles = 10;

function sourceText(index: number): string {
  const lines = Array.from(
    { length: 40 },
    (_, line) => `export function step${index}_${line}(input) { return input * ${line} + ${index}; }`,
  );
  return `${lines.join("\n")}\n`;
}

function turnOf(index: number, totalTurns: number): Cassette["turns"][number]["content"] {
  const file = `src/module-${index % sourceFiles}.js`;
  const say = (text: string) => ({ type: "text" as const, text });
  if (index === totalTurns - 2) {
    return [say("Everything is committed; claiming."), tool("claim_done", { summary: "added the helpers" })];
  }
  if (index === totalTurns - 1) return [say("The claim was accepted.")];
  switch (index % 5) {
    case 0:
      return [say(`Reading ${file} to see how steps are written.`), tool("read_file", { path: file })];
    case 1:
      return [
        say("Looking for the callers."),
        tool("bash", { command: `grep -n "return" ${file} | head -15` }),
      ];
    case 2:
      return [
        say("Adding a helper beside it."),
        tool("write_file", { path: `src/helper-${index}.js`, content: sourceText(index).slice(0, 600) }),
      ];
    case 3:
      return [
        say("Checking what changed."),
        tool("bash", { command: "git status --short && git diff --stat" }),
      ];
    default:
      return [
        say("Committing this step."),
        tool("bash", {
          command: `git add -A && git ${benchGitIdentity.join(" ")} commit -qm "step ${index}"`,
        }),
      ];
  }
}

function tool(name: string, input: Record<string, unknown>) {
  return { type: "tool_use" as const, name, input };
}

export function generatedCassette(turns: number): Cassette {
  return parseCassette(
    { turns: Array.from({ length: turns }, (_, index) => ({ content: turnOf(index, turns) })) },
    "generated",
  );
}

function services(checkoutPath: string): WorkerServices {
  const runner = createCommandRunner();
  const environment = buildCommandEnvironment({ parent: process.env });
  const notUsed = async (): Promise<ToolResult> => ({ isError: true, text: "not used by the bench" });
  return {
    checkoutPath,
    runCommand: (command, timeoutMs) =>
      runner.run({ command, cwd: checkoutPath, env: environment, timeoutMs }),
    claimDone: async () => ({ isError: false, text: "Your claim was accepted." }),
    push: notUsed,
    openPullRequest: notUsed,
    ciStatus: notUsed,
    mergePullRequest: notUsed,
    closeIssue: notUsed,
    askHuman: notUsed,
    takeSupervisorMessages: () => [],
  };
}

export async function recordModelWorkerRequests(
  turns: number,
  workstreamId: string,
): Promise<CacheableRequest[]> {
  const checkoutPath = mkdtempSync(join(tmpdir(), "supervise-bench-model-"));
  try {
    mkdirSync(join(checkoutPath, "src"));
    for (let index = 0; index < sourceFiles; index++) {
      writeFileSync(join(checkoutPath, "src", `module-${index}.js`), sourceText(index));
    }
    const git = (...args: string[]) =>
      execFileSync("git", [...benchGitIdentity, ...args], { cwd: checkoutPath });
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-qm", "initial");

    const requests: CacheableRequest[] = [];
    const replay = createReplayFetch(generatedCassette(turns), "generated");
    const client = new Anthropic({
      apiKey: "bench-needs-no-key",
      baseURL: "http://replay.invalid",
      maxRetries: 0,
      logLevel: "off",
      fetch: async (input, init) => {
        requests.push(JSON.parse(String(init?.body)) as CacheableRequest);
        return replay(input, init);
      },
    });
    const workstream: Workstream = {
      id: workstreamId,
      branch: `supervise/${workstreamId}`,
      issue: undefined,
      goal: "Add a helper beside every step module.",
      brief: undefined,
      hostLabels: [],
      phase: undefined,
      dependsOn: [],
      kind: "change",
      agent: { provider: "replay", cassette: "generated", model: defaultModel },
      commands: { check: "true" },
      commandGates: {},
      budget: { ...builtInDefaults.budget, turns: turns + 10 },
      stall: { ...builtInDefaults.stall },
      done: ["local_check"],
      reviewer: { ...defaultReviewer },
    };
    const launcher = createModelWorkerLauncher({
      client,
      model: defaultModel,
      maxTokens: 16_000,
      transcriptFor: () => ({ write() {} }),
      clock: systemClock,
    });
    const exit = await launcher.start({
      workstream,
      attempt: 1,
      prompt: renderPrompt("worker-task", {
        campaign: "bench",
        workstream: workstream.id,
        goal: workstream.goal,
        issue: "",
        brief: "",
        branch: workstream.branch,
        base: "main",
        done_list: "- local_check: `true` passes in your checkout at the claimed commit",
        tool_usage: launcher.toolUsagePrompt,
      }),
      checkoutPath,
      services: services(checkoutPath),
      signal: new AbortController().signal,
      timeoutMs: 10 * 60_000,
      onActivity() {},
      async onUsage() {},
    });
    if (exit.exitCode !== 0) throw new Error(`the bench's model worker ended badly: ${exit.description}`);
    return requests;
  } finally {
    rmSync(checkoutPath, { recursive: true, force: true });
  }
}
