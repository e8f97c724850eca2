/**
 * The texts a worker reads about its task: the first prompt, the prompt of a restart (what went
 * wrong, the human's decision, the playbook), and how each gate of its definition of done is checked.
 */

import type { WorkerExit } from "../agent/index.ts";
import type { CommandObservation, GateStatus } from "../evidence/index.ts";
import type { Plan, Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { indentLines } from "../text.ts";
import type { WorkstreamState } from "./workstream-state.ts";

export interface WorkerPromptInput {
  plan: Plan;
  workstream: Workstream;
  state: WorkstreamState;
  attempt: number;
  maxAttempts: number;
  toolUsage: string;
  lastExit: WorkerExit | null;
  intervention: string;
}

export function workerPrompt(input: WorkerPromptInput): string {
  const { plan, workstream, state, attempt } = input;
  const task = renderPrompt("worker-task", {
    campaign: plan.name,
    workstream: workstream.id,
    goal: workstream.goal,
    issue: workstream.issue === undefined ? "" : String(workstream.issue),
    brief: workstream.brief ?? "",
    branch: workstream.branch,
    base: plan.base,
    done_list: definitionOfDone(workstream),
    tool_usage: input.toolUsage,
  });
  if (attempt === 1) return task;
  const lastClaim = state.claims.at(-1);
  const decision = state.lastDecision;
  return renderPrompt("restart-without-claim", {
    workstream: workstream.id,
    previous_attempt: attempt - 1,
    exit_description: input.lastExit?.description ?? "the supervisor restarted",
    last_rejection: lastClaim?.verdict === "rejected" ? describeFailures(lastClaim.gates) : "",
    human_decision: decision
      ? `${decision.escalation} ("${decision.question}"): ${decision.decision}${decision.note ? ` — ${decision.note}` : ""}${decision.text ? ` — ${decision.text}` : ""}`
      : "",
    intervention: input.intervention,
    attempt,
    max_attempts: input.maxAttempts,
    task,
  });
}

/** The gates of a workstream, one line each (prompts/gates/), as the worker and the playbooks show them. */
export function definitionOfDone(workstream: Workstream): string {
  const commands = { check: workstream.commands.check ?? "", build: workstream.commands.build ?? "" };
  return workstream.done
    .map((gate) => `- ${renderPrompt(`gates/${gate}`, { ...commands, issue: workstream.issue ?? "" })}`)
    .join("\n");
}

export function describeFailures(
  gates: { gate: string; status: GateStatus; detail: string; command: CommandObservation | null }[],
): string {
  return gates
    .filter((gate) => gate.status === "fail" || gate.status === "error")
    .map((gate) => {
      const command = gate.command;
      const tail = command?.outputTail
        ? `\n  Output (tail):\n${indentLines(command.outputTail.slice(-1500), "    ")}`
        : "";
      const log = command?.log ? `\n  Full log: ${command.log}` : "";
      return `- ${gate.gate}: ${gate.status} — ${gate.detail}${tail}${log}`;
    })
    .join("\n");
}
