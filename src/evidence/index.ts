// Owns: the gates (the built-in ones and the command gates a plan defines, all in gate-registry.ts), each an observation and a pure judgement of it; the test ledger (node:test, pytest, vitest and jest outcomes recorded where tests cannot write; go test's JSON events) and the check's run at the base before workers start and the test-output parsers the report shares; evidence bundles (bundle.json, bundle.md).
// Must never: trust a file the worker wrote or read what the worker said (nothing of agent/): a gate judges only what the supervisor observed itself.
export { type BaseCheckOutcome, checkTestsAtBase } from "./base-check-preflight.ts";
export {
  type Bundle,
  type BundleFixedTest,
  buildBundle,
  bundleDirectory,
  fixedTestsObserved,
  renderBundleMarkdown,
  renderClaimMarkdown,
  verdictOf,
  writeBundle,
} from "./bundle.ts";
export { firstErrorLines } from "./error-excerpt.ts";
export { ciWaitMsFor } from "./forge-gates.ts";
export type { ClaimUnderVerification, CommittedClaim, GateServices, Reviewer } from "./gate-context.ts";
export { checkoutGatesOf, explainGates, gatesInRunOrder, isCheckoutGate } from "./gate-registry.ts";
export { type CommandObservation, type GateResult, type GateStatus, gateEventVerbs } from "./gate-result.ts";
export {
  observePhaseGates,
  type PhaseGateCommand,
  type PhaseGateObservation,
  type PhaseGatesRequest,
} from "./phase-gates.ts";
export { type ModuleTally, tallyByModule } from "./test-modules.ts";
export { addTallies, parseTestOutput, passRate, type TestTally } from "./test-results.ts";
export { verifyClaim } from "./verify-claim.ts";
