// Owns: the gates (local_check, release_build, ci_green, pr_merged, issue_closed, diff_scope, review), each an observation and a pure judgement of it; the test-output parsers the report shares; evidence bundles (bundle.json, bundle.md).
// Must never: trust a file the worker wrote or read what the worker said (nothing of agent/): a gate judges only what the supervisor observed itself.
export {
  type Bundle,
  buildBundle,
  bundleDirectory,
  renderBundleMarkdown,
  verdictOf,
  writeBundle,
} from "./bundle.ts";
export { type CommandObservation, type GateResult, type GateStatus, gateEventVerbs } from "./gate-result.ts";
export { addTallies, parseTestOutput, passRate, type TestTally } from "./test-results.ts";
export { checkoutGates, type GateServices, type Reviewer, verifyClaim } from "./verify-claim.ts";
