/**
 * Every gate a workstream can name, defined once: the built-in ones (their id, kind and explanation
 * come from plan/'s catalog; how each observes is here) and the command gates a plan defines. The
 * verification, the merge check, the worker's definition of done and the bundle all read gates
 * from here, so a gate is never known to one of them and not the others.
 */
import {
  type BuiltInGateId,
  builtInGate,
  defaultMutation,
  type GateKind,
  isBuiltInGate,
  type PlanGate,
  type Workstream,
} from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import {
  observeChangeProofGate,
  observeCheckoutCommand,
  observeDiffScopeGate,
  observeMutationGate,
} from "./checkout-gates.ts";
import { ciWaitMsFor, observeCiGreen, observeIssueClosed, observePrMerged } from "./forge-gates.ts";
import type { GateRun } from "./gate-context.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import { observeMetricGate } from "./metric-gate.ts";
import { observeReviewGate, reviewSkipReason } from "./review-gate-run.ts";

export interface GateDefinition {
  id: string;
  kind: GateKind;
  /** Gates whose results this one reads: where the workstream names them, it runs after them. */
  runsAfter: readonly string[];
  /** Why this gate is not run after what ran before it; undefined to run it. */
  skipReason(run: GateRun): string | undefined;
  observe(run: GateRun): Promise<GateResult>;
  /** The line the worker reads about this gate in its definition of done. */
  explain(workstream: Workstream): string;
}

/** How a built-in gate observes; its id, kind and explanation are plan/'s catalog (built-in-gates.ts). */
interface BuiltInBehaviour {
  runsAfter?: readonly string[];
  skipReason?(run: GateRun): string | undefined;
  observe(run: GateRun): Promise<GateResult>;
}

/**
 * A fast failure in the checkout reaches its verdict without the slow commands after it: once a
 * checkout gate failed, the claim is rejected whatever they would say.
 */
function afterCheckoutFailure(run: GateRun): string | undefined {
  return run.failedCheckoutGates.length > 0
    ? `not run: an earlier gate failed (${run.failedCheckoutGates.join(", ")})`
    : undefined;
}

const budgetMs = (run: GateRun) => run.claim.workstream.budget.minutes * 60_000;

const forgeContext = ({ claim, services }: GateRun) => ({
  forge: services.forge,
  plan: services.plan,
  workstream: claim.workstream,
  commit: claim.commit,
  ciWaitMs: ciWaitMsFor(claim.workstream, services.ciWaitMs),
  lastMergeRefusal: services.lastMergeRefusalOf?.(claim.workstream.id) ?? null,
});

const builtInBehaviours: { [Id in BuiltInGateId]: BuiltInBehaviour } = {
  local_check: {
    skipReason: afterCheckoutFailure,
    observe: (run) =>
      observeCheckoutCommand(run, {
        gate: "local_check",
        command: run.claim.workstream.commands.check,
        timeoutMs: budgetMs(run),
        recordsTestLedger: true,
      }),
  },
  release_build: {
    skipReason: afterCheckoutFailure,
    observe: (run) =>
      observeCheckoutCommand(run, {
        gate: "release_build",
        command: run.claim.workstream.commands.build,
        timeoutMs: budgetMs(run),
      }),
  },
  diff_scope: {
    runsAfter: ["local_check"],
    // With local_check's run at the claim, diff_scope adds only the base's (as it always did, so a
    // failing check still hears about deleted tests); without it, it would run the slow check itself.
    skipReason: (run) =>
      run.earlier.some((result) => result.id === "local_check" && result.command !== undefined)
        ? undefined
        : afterCheckoutFailure(run),
    observe: observeDiffScopeGate,
  },
  tests_prove_change: {
    runsAfter: ["local_check"],
    skipReason: afterCheckoutFailure,
    observe: observeChangeProofGate,
  },
  mutation: {
    runsAfter: ["local_check"],
    skipReason: afterCheckoutFailure,
    observe: observeMutationGate,
  },
  ci_green: { observe: (run) => observeCiGreen(forgeContext(run)) },
  pr_merged: { observe: (run) => observePrMerged(forgeContext(run)) },
  issue_closed: { observe: (run) => observeIssueClosed(forgeContext(run)) },
  review: { skipReason: reviewSkipReason, observe: observeReviewGate },
};

function builtInDefinition(id: BuiltInGateId): GateDefinition {
  const { kind, explanation } = builtInGate(id);
  const behaviour = builtInBehaviours[id];
  return {
    id,
    kind,
    runsAfter: behaviour.runsAfter ?? [],
    skipReason: behaviour.skipReason ?? (() => undefined),
    observe: behaviour.observe,
    explain: (workstream) =>
      renderPrompt(explanation, {
        check: workstream.commands.check ?? "",
        build: workstream.commands.build ?? "",
        issue: workstream.issue ?? "",
        change: workstream.kind === "change" ? "yes" : "",
        min_killed: `${Math.round((workstream.mutation ?? defaultMutation).minKilled * 100)} %`,
        refactor: workstream.kind === "refactor" ? "yes" : "",
      }),
  };
}

/**
 * A plan's own gate: a command run like local_check, in the same checkout, sandbox and environment;
 * with a metric, run at the base too and compared.
 */
function planGateDefinition(gate: PlanGate): GateDefinition {
  const command = (run: GateRun) => ({
    gate: gate.name,
    command: gate.run,
    timeoutMs: gate.timeoutMinutes === undefined ? budgetMs(run) : gate.timeoutMinutes * 60_000,
    ...(gate.fixHint === undefined ? {} : { fixHint: gate.fixHint }),
  });
  const metric = gate.metric;
  const explained = { name: gate.name, run: gate.run, fix_hint: gate.fixHint ?? "" };
  return {
    id: gate.name,
    kind: "checkout",
    runsAfter: [],
    skipReason: afterCheckoutFailure,
    observe: (run) =>
      metric === undefined
        ? observeCheckoutCommand(run, command(run))
        : observeMetricGate(run, {
            ...command(run),
            pattern: metric.pattern,
            maxRegressionPercent: metric.maxRegressionPercent,
          }),
    explain: () =>
      metric === undefined
        ? renderPrompt("gates/command", explained)
        : renderPrompt("gates/metric", {
            ...explained,
            metric: metric.pattern,
            max_regression: metric.maxRegressionPercent,
          }),
  };
}

/** A name the plan's validation would have refused; kept as an error result, never a crash mid-run. */
function undefinedGate(name: string): GateDefinition {
  return {
    id: name,
    kind: "checkout",
    runsAfter: [],
    skipReason: () => undefined,
    observe: async () => gateResult(name, "error", `the gate ${name} is not defined by the plan`),
    explain: () => name,
  };
}

export function gateDefinition(workstream: Workstream, name: string): GateDefinition {
  if (isBuiltInGate(name)) return builtInDefinition(name);
  const planGate = workstream.commandGates[name];
  return planGate === undefined ? undefinedGate(name) : planGateDefinition(planGate);
}

const kindOrder: Record<GateKind, number> = { checkout: 0, forge: 1, review: 2 };

/**
 * The workstream's gates in the order they run: its done list's order, except that gates in the
 * checkout come before gates on the forge (nothing should land that the checkout fails), the
 * reviewer comes last (it judges the others' evidence), and a gate comes after the gates it reads.
 */
export function gatesInRunOrder(workstream: Workstream): GateDefinition[] {
  // A gate named twice runs once: its log and its verdict are one.
  const byKind = [...new Set(workstream.done)]
    .map((name, position) => ({ gate: gateDefinition(workstream, name), position }))
    .sort(
      (left, right) =>
        kindOrder[left.gate.kind] - kindOrder[right.gate.kind] || left.position - right.position,
    )
    .map(({ gate }) => gate);
  return afterWhatTheyRead(byKind);
}

/** Moves a gate listed before a gate it reads to just after that gate. */
function afterWhatTheyRead(gates: readonly GateDefinition[]): GateDefinition[] {
  const ordered = [...gates];
  for (const gate of gates) {
    const lastRead = Math.max(...gate.runsAfter.map((id) => ordered.findIndex((each) => each.id === id)));
    const position = ordered.indexOf(gate);
    if (lastRead > position) {
      ordered.splice(position, 1);
      ordered.splice(lastRead, 0, gate);
    }
  }
  return ordered;
}

/** The workstream's gates observed in the checkout alone, with no forge: what must pass before anything lands. */
export function checkoutGatesOf(workstream: Workstream): string[] {
  return gatesInRunOrder(workstream)
    .filter((gate) => gate.kind === "checkout")
    .map((gate) => gate.id);
}

export function isCheckoutGate(workstream: Workstream, name: string): boolean {
  return gateDefinition(workstream, name).kind === "checkout";
}

/** The workstream's definition of done as the worker reads it: one line per gate, in run order. */
export function explainGates(workstream: Workstream): string[] {
  return gatesInRunOrder(workstream).map((gate) => gate.explain(workstream));
}
