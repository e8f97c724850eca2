/**
 * Picks the playbook for a signal: the most specific one whose triggers match (signal, failing
 * gate, log pattern, or a failing plan gate that names it) and that has attempts left. Pure; the
 * run counts attempts in the journal.
 */
import type { Playbook, SignalKind } from "./playbook.ts";

export interface Signal {
  kind: SignalKind;
  /** Gates that failed, for claim_rejected and ci_red. */
  failingGates: string[];
  /** The text log patterns are matched against: gate details and output tails, the worker's last output. */
  logText: string;
  /** The evidence handed to the worker inside the playbook. */
  evidence: string;
}

export type PlaybookChoice =
  | { kind: "intervene"; playbook: Playbook; attempt: number }
  | { kind: "exhausted"; playbook: Playbook }
  | { kind: "none" };

export function matchesSignal(playbook: Playbook, signal: Signal): boolean {
  if (!playbook.signals.includes(signal.kind)) return false;
  if (isNamedByFailingGate(playbook, signal)) return true;
  // Gate triggers narrow the signals that carry failing gates (a rejection, red CI); others have none to match.
  const carriesGates = signal.failingGates.length > 0;
  if (
    carriesGates &&
    playbook.gates.length > 0 &&
    !playbook.gates.some((gate) => signal.failingGates.includes(gate))
  )
    return false;
  if (
    playbook.logPatterns.length > 0 &&
    !playbook.logPatterns.some((pattern) => pattern.test(signal.logText))
  )
    return false;
  return true;
}

/** A gate the plan defines names the playbook it wants when it fails (`playbooks:`). */
function isNamedByFailingGate(playbook: Playbook, signal: Signal): boolean {
  return playbook.namedByGates.some((gate) => signal.failingGates.includes(gate));
}

/** A gate's own choice of playbook is the most specific trigger there is. */
function specificity(playbook: Playbook, signal: Signal): number {
  if (isNamedByFailingGate(playbook, signal)) return 4;
  return (playbook.gates.length > 0 ? 1 : 0) + (playbook.logPatterns.length > 0 ? 2 : 0);
}

/** The gates a playbook answers to: its own gate triggers, and the plan gates that name it. */
function triggerGates(playbook: Playbook): string[] {
  return [...playbook.gates, ...playbook.namedByGates];
}

/**
 * Where a signal carries failing gates (in verification order), the playbook for the first one
 * wins: a stub implementation that also has no merged PR is first of all a stub implementation.
 */
function firstGateRank(playbook: Playbook, signal: Signal): number {
  const gates = triggerGates(playbook);
  if (gates.length === 0) return signal.failingGates.length;
  const index = signal.failingGates.findIndex((gate) => gates.includes(gate));
  return index === -1 ? signal.failingGates.length : index;
}

export function choosePlaybook(
  signal: Signal,
  playbooks: readonly Playbook[],
  attemptsUsed: ReadonlyMap<string, number>,
): PlaybookChoice {
  const candidates = playbooks
    .map((playbook, order) => ({ playbook, order }))
    .filter(({ playbook }) => matchesSignal(playbook, signal))
    .sort(
      (a, b) =>
        firstGateRank(a.playbook, signal) - firstGateRank(b.playbook, signal) ||
        specificity(b.playbook, signal) - specificity(a.playbook, signal) ||
        a.order - b.order,
    )
    .map(({ playbook }) => playbook);
  for (const playbook of candidates) {
    const used = attemptsUsed.get(playbook.id) ?? 0;
    if (used < playbook.maxAttempts) return { kind: "intervene", playbook, attempt: used + 1 };
  }
  return candidates[0] ? { kind: "exhausted", playbook: candidates[0] } : { kind: "none" };
}
