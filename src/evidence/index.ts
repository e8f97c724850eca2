// Owns: the gates (the built-in ones and the command gates a plan defines, all in gate-registry.ts), each an observation and a pure judgement of it; the test ledger (node:test outcomes recorded where tests cannot write) and the test-output parsers the report shares; evidence bundles (bundle.json, bundle.md).
// Must never: trust a file the worker wrote or read what the worker said (nothing of agent/): a gate judges only what the supervisor observed itself.
export {
  type Bundle,
  buildBundle,
  bundleDirectory,
  renderBundleMarkdown,
  renderClaimMarkdown,
  verdictOf,
  writeBundle,
} from "./bundle.ts";
export { firstErrorLines } from "./error-excerpt.ts";
export type { GateServices, Reviewer } from "./gate-context.ts";
export { checkoutGatesOf, explainGates, gatesInRunOrder, isCheckoutGate } from "./gate-registry.ts";
export { type CommandObservation, type GateResult, type GateStatus, gateEventVerbs } from "./gate-result.ts";
export { addTallies, parseTestOutput, passRate, type TestTally } from "./test-results.ts";
export { verifyClaim } from "./verify-claim.ts";
