/** What the humans are told when an escalation opens (webhook), with the commands that answer it. */
import type { EscalationNotice } from "../monitor/index.ts";

export function escalationNotice(options: {
  runId: string;
  /** A workstream's id, or who stands for the run: `phase NAME`, `base BRANCH`. */
  workstream: string;
  escalation: string;
  question: string;
}): EscalationNotice {
  const { escalation } = options;
  return {
    type: "escalation.opened",
    run: options.runId,
    workstream: options.workstream,
    escalation,
    question: options.question,
    commands: {
      approve: `supervise approve ${escalation} --note "…"`,
      deny: `supervise deny ${escalation} --note "…"`,
      reply: `supervise reply ${escalation} "…"`,
    },
  };
}
