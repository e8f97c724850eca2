// Owns: the plan: its zod schema, YAML loading with file:line:column problems, rules, resolution and JSON Schema.
// Must never: act on a plan it has not fully validated, or touch the repository beyond read-only git queries.
export { closestMatch, didYouMean, editDistance } from "../closest-match.ts";
export {
  type BuiltInGate,
  type BuiltInGateId,
  builtInGate,
  builtInGates,
  type GateKind,
  gateIds,
  gateNamePattern,
  isBuiltInGate,
} from "./built-in-gates.ts";
export { checkRepository } from "./check-repository.ts";
export { planJsonSchema, planJsonSchemaId } from "./json-schema.ts";
export { type LoadPlanOptions, loadPlan, type PlanValidation, validatePlanSource } from "./load-plan.ts";
export { type ParsedPlan, parsePlan, sortProblems } from "./parse-plan.ts";
export {
  createPlanLocator,
  formatPlanPath,
  type PlanLocator,
  type PlanPath,
  problemAt,
  type SourcePosition,
} from "./plan-locator.ts";
export {
  acyclicDependencies,
  branchSafeWorkstreamIds,
  caseDistinctWorkstreamIds,
  checkPlanRules,
  dependenciesInEarlierPhases,
  gateCommandsPresent,
  issueForIssueClosed,
  knownDependencies,
  knownGatesInDone,
  knownPhaseGates,
  knownPhases,
  type PlanRule,
  planGateNamesFree,
  planRules,
  uniqueWorkstreamIds,
} from "./plan-rules.ts";
export { phaseOrder, resolvePlan } from "./resolve-plan.ts";
export {
  type AgentConfig,
  type BudgetConfig,
  builtInDefaults,
  type CliAgentConfig,
  type CommandsConfig,
  defaultModel,
  defaultMutation,
  type ForgeConfig,
  isCliAgent,
  type MutationConfig,
  type Phase,
  type PhaseGate,
  type Plan,
  type PlanDocument,
  type PlanGate,
  planSchema,
  type StallConfig,
  type Workstream,
  workstreamIdPattern,
  workstreamSchema,
} from "./schema.ts";
export { detectCommands, type RepositoryFacts, starterPlan } from "./starter-plan.ts";
