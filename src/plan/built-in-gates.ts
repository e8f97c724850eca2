/**
 * The built-in gates as a plan names them: each one's id, what it checks (the schema's description
 * of it), where it observes, and the prompt file that tells the worker. How each is observed and
 * judged is evidence/'s gate registry, keyed by these ids; a gate added here without an observer
 * there does not compile.
 */

/**
 * Where a gate observes, which decides when it runs: the checkout alone (before anything lands,
 * and before any forge gate), the forge, or a reviewer who judges the others' evidence, last.
 */
export type GateKind = "checkout" | "forge" | "review";

export interface BuiltInGate {
  id: string;
  kind: GateKind;
  description: string;
  /** The prompt (under prompts/) with the line the worker reads about this gate. */
  explanation: string;
}

export const builtInGates = [
  {
    id: "local_check",
    kind: "checkout",
    description: "commands.check passes, run by the supervisor in the checkout at the claimed commit.",
    explanation: "gates/local_check",
  },
  {
    id: "release_build",
    kind: "checkout",
    description: "commands.build passes at the claimed commit.",
    explanation: "gates/release_build",
  },
  {
    id: "ci_green",
    kind: "forge",
    description: "Every check on the pull request's head passes, and that head is the claimed commit.",
    explanation: "gates/ci_green",
  },
  {
    id: "pr_merged",
    kind: "forge",
    description: "The pull request is merged into the base, and the merge contains the claimed change.",
    explanation: "gates/pr_merged",
  },
  {
    id: "issue_closed",
    kind: "forge",
    description: "The workstream's issue is closed by the pull request or after its merge.",
    explanation: "gates/issue_closed",
  },
  {
    id: "diff_scope",
    kind: "checkout",
    description:
      "The change touches real source, not only tests or docs; no test is deleted, skipped or weakened against the base.",
    explanation: "gates/diff_scope",
  },
  {
    id: "tests_prove_change",
    kind: "checkout",
    description:
      "The claim's tests test its change: laid over the base's code they fail (or do not run), and pass at the claim. For `kind: refactor`, they pass on both and no outcome changes.",
    explanation: "gates/tests_prove_change",
  },
  {
    id: "mutation",
    kind: "checkout",
    description:
      "Mutants of the source lines the claim changed (an operator flipped, a constant moved) make the check fail, at the rate `mutation.min_killed` asks, within `mutation.max_minutes`.",
    explanation: "gates/mutation",
  },
  {
    id: "review",
    kind: "review",
    description: "A separate reviewer model judges the diff against the goal, once every other gate passed.",
    explanation: "gates/review",
  },
] as const satisfies readonly BuiltInGate[];

export type BuiltInGateId = (typeof builtInGates)[number]["id"];

export const gateIds: readonly BuiltInGateId[] = builtInGates.map((gate) => gate.id);

/** A gate a plan defines under `gates:` is named like a built-in one, and never the same. */
export const gateNamePattern = /^[a-z][a-z0-9_-]*$/;

export function isBuiltInGate(name: string): name is BuiltInGateId {
  return (gateIds as readonly string[]).includes(name);
}

export function builtInGate(id: BuiltInGateId): BuiltInGate {
  return builtInGates.find((gate) => gate.id === id)!;
}
