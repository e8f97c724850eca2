/**
 * The texts a worker reads about its task: the first prompt, the prompt of a restart (what went
 * wrong, the human's decision, the playbook), and how each gate of its definition of done is checked.
 */

import type { WorkerExit } from "../agent/index.ts";
import { type CommandObservation, explainGates, type GateStatus } from "../evidence/index.ts";
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
  return explainGates(workstream)
    .map((line) => `- ${line}`)
    .join("\n");
}

export interface FailedGate {
  gate: string;
  status: GateStatus;
  detail: string;
  command: CommandObservation | null;
  /** Absent in what older journals recorded. */
  fixHint?: string | null;
}

/**
 * The failed gates as the worker and the human read them (prompts/gate-failure.md): each command's
 * first error lines from its log, where the cause is, and the tail only when no line read as one.
 */
export function describeFailures(gates: readonly FailedGate[]): string {
  return gates
    .filter((gate) => gate.status === "fail" || gate.status === "error")
    .map((gate) => {
      const command = gate.command;
      const excerpt = command?.excerpt ?? "";
      return renderPrompt("gate-failure", {
        gate: gate.gate,
        status: gate.status,
        detail: gate.detail,
        fix_hint: gate.fixHint ?? "",
        excerpt: excerpt === "" ? "" : indentLines(excerpt, "    "),
        tail:
          excerpt === "" && command?.outputTail ? indentLines(command.outputTail.slice(-1500), "    ") : "",
        log: command?.log ?? "",
      });
    })
    .join("\n");
}
