/**
 * Runs the gates a workstream's `done` names against one claim, in the registry's run order. Every
 * gate observes for itself (commands it runs, the forge it asks); nothing the worker said or wrote
 * is read as evidence.
 */
import { summarizeChanges } from "./checkout-gates.ts";
import type { ClaimUnderVerification, GateServices } from "./gate-context.ts";
import { type GateDefinition, gatesInRunOrder } from "./gate-registry.ts";
import { type GateResult, gateResult } from "./gate-result.ts";

export async function verifyClaim(
  claim: ClaimUnderVerification,
  services: GateServices,
  onGateResult: (result: GateResult) => Promise<void>,
): Promise<GateResult[]> {
  const results: GateResult[] = [];
  const failedCheckoutGates: string[] = [];
  const gates = gatesInRunOrder(claim.workstream);
  // Asked once, before any gate: no gate speaks for a commit the supervisor refuses to read.
  const refusal =
    claim.commit === null || gates.length === 0
      ? null
      : ((await services.workerCommitRefusal?.(claim.workstream.id, claim.commit)) ?? null);
  const observedElsewhere = await checkoutGatesObservedElsewhere(claim, gates, services, refusal === null);
  for (const gate of gates) {
    const elsewhere = gate.kind === "checkout" ? observedElsewhere : null;
    const result =
      refusal !== null
        ? gateResult(gate.id, "fail", refusal.problem, { worker_commit_limits: refusal.observed })
        : elsewhere !== null
          ? (elsewhere.get(gate.id) ??
            gateResult(gate.id, "error", "the worker host that holds the checkout did not observe this gate"))
          : await runGate(gate, claim, services, results, failedCheckoutGates);
    results.push(result);
    if (gate.kind === "checkout" && (result.status === "fail" || result.status === "error")) {
      failedCheckoutGates.push(gate.id);
    }
    await onGateResult(result);
  }
  return results;
}

/** The checkout gates' results, by id, when the checkout is on a worker host that observes them; else null. */
async function checkoutGatesObservedElsewhere(
  claim: ClaimUnderVerification,
  gates: readonly GateDefinition[],
  services: GateServices,
  isReadable: boolean,
): Promise<Map<string, GateResult> | null> {
  const checkoutGates = gates.filter((gate) => gate.kind === "checkout").map((gate) => gate.id);
  if (!isReadable || claim.commit === null || checkoutGates.length === 0) return null;
  const observing = services.checkoutGatesElsewhere?.({ ...claim, commit: claim.commit }, checkoutGates);
  if (!observing) return null;
  return new Map((await observing).map((result) => [result.id, result]));
}

async function runGate(
  gate: GateDefinition,
  claim: ClaimUnderVerification,
  services: GateServices,
  earlier: readonly GateResult[],
  failedCheckoutGates: readonly string[],
): Promise<GateResult> {
  if (claim.commit === null) {
    return gateResult(
      gate.id,
      "fail",
      `the claim names no commit: uncommitted changes in ${summarizeChanges(claim.uncommittedChanges)}`,
      { uncommitted_changes: claim.uncommittedChanges },
    );
  }
  const run = { claim: { ...claim, commit: claim.commit }, services, earlier, failedCheckoutGates };
  const skipped = gate.skipReason(run);
  if (skipped !== undefined) return gateResult(gate.id, "skipped", skipped);
  return gate.observe(run);
}
