/**
 * What the monitor decides, as data the run applies: the run journals the signal first, then
 * hands the worker a playbook, asks a human, stops the worker, or only keeps the record. The
 * monitor never writes run state; `decideOnSignal` is pure.
 */

import type { Workstream } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import { type Playbook, renderPlaybook } from "./playbook.ts";
import { choosePlaybook, type Signal } from "./playbook-matcher.ts";

/** Where an intervention's text (or a human's answer) reaches the worker. */
export type Delivery = "tool_result" | "restart_prompt";

/** Who is asked about a signal, and about what. */
export type Escalation =
  /** May the worker go on? The playbooks for a stall are spent, or (title null) none could help. */
  | { source: "monitor"; playbookTitle: string | null }
  /** Grant the plan's budget once more? `spent` says which line ran out. */
  | { source: "budget"; spent: string };

/** A signal as the journal records it: `summary` is its one line in `signal.detected`. */
interface SignalDecision {
  signal: Signal;
  summary: string;
  delivery: Delivery;
}

export type MonitorDecision =
  /** A playbook for the worker: `text` arrives by `delivery`. */
  | (SignalDecision & { kind: "intervene"; playbook: Playbook; attempt: number; text: string })
  /** A human decides. `exhausted` is the playbook whose attempts are spent, when one led here. */
  | (SignalDecision & { kind: "escalate"; escalation: Escalation; exhausted: Playbook | null })
  /** Only the record: no playbook matches, or the one that does is spent and does not escalate. */
  | (SignalDecision & { kind: "record"; exhausted: Playbook | null })
  /** Stop the worker now; the workstream starts it again, and that start carries the playbook. */
  | { kind: "restart"; reason: "idle" };

export type SignalMonitorDecision = Exclude<MonitorDecision, { kind: "restart" }>;

/** What a playbook's text is filled with, besides the signal. */
export interface PlaybookContext {
  workstream: Workstream;
  /** The plan's base branch. */
  base: string;
  /** The workstream's definition of done, as the worker's prompt explains it. */
  gates: string;
  /** How many times each playbook was applied to this workstream already. */
  attemptsUsed: ReadonlyMap<string, number>;
}

/**
 * What `signal.detected` says in one line: the evidence's first line, and for a worker that
 * stopped, the last line it printed (the reason people look for: "Not logged in", "command not
 * found"), which the first line only announces.
 */
export function summarizeSignal(signal: Signal): string {
  const first = signal.evidence.split("\n")[0] ?? "";
  const lastLine = first.endsWith("its last output:") ? lastOutputLines(signal, 1) : "";
  return (lastLine ? `${first} ${lastLine.trim()}` : first).slice(0, 300);
}

/** The last `count` non-blank lines a stopped worker printed, from its signal's evidence; "" for none. */
export function lastOutputLines(signal: Signal, count: number): string {
  const marker = signal.evidence.indexOf("its last output:\n");
  if (marker < 0) return "";
  const output = signal.evidence.slice(marker + "its last output:\n".length);
  return output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .slice(-count)
    .join("\n");
}

/**
 * The monitor's one path from a signal: the matching playbook with attempts left, rendered for
 * the worker; once the matching playbooks are spent, a human if the playbook says so.
 */
export function decideOnSignal(
  signal: Signal,
  playbooks: readonly Playbook[],
  context: PlaybookContext,
  delivery: Delivery,
): SignalMonitorDecision {
  const summary = summarizeSignal(signal);
  const choice = choosePlaybook(signal, playbooks, context.attemptsUsed);
  if (choice.kind === "intervene") {
    const { workstream } = context;
    const guidance = renderPlaybook(choice.playbook, {
      workstream: workstream.id,
      goal: workstream.goal,
      signal: signal.kind,
      evidence: signal.evidence,
      gates: context.gates,
      attempt: choice.attempt,
      max_attempts: choice.playbook.maxAttempts,
      base: context.base,
      branch: workstream.branch,
    });
    return {
      kind: "intervene",
      signal,
      summary,
      delivery,
      playbook: choice.playbook,
      attempt: choice.attempt,
      text: renderPrompt("intervention", { title: choice.playbook.title, guidance }),
    };
  }
  if (choice.kind === "exhausted" && choice.playbook.onExhausted === "escalate") {
    return {
      kind: "escalate",
      signal,
      summary,
      delivery,
      escalation: { source: "monitor", playbookTitle: choice.playbook.title },
      exhausted: choice.playbook,
    };
  }
  return {
    kind: "record",
    signal,
    summary,
    delivery,
    exhausted: choice.kind === "exhausted" ? choice.playbook : null,
  };
}
