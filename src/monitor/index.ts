// Owns: stall signals, budgets, playbooks and their matching, interventions, and escalations (their store on disk and webhook notices).
// Must never: change a workstream's state or write the journal: it returns decisions, which the run journals and applies.
export { remainingBudget, remainingBudgetMs } from "./budget.ts";
export {
  createEscalationStore,
  type DecisionKind,
  EscalationAlreadyDecidedError,
  EscalationBeingDecidedError,
  type EscalationContext,
  EscalationNotFoundError,
  type EscalationRecord,
  type EscalationStore,
} from "./escalation-store.ts";
export { type Delivery, lastOutputLines, type SignalMonitorDecision } from "./monitor-decision.ts";
export {
  loadPlanPlaybooks,
  loadPlaybooks,
  type Playbook,
  playbookDirectoriesFor,
  playbookGatesFor,
} from "./playbook.ts";
export type { Signal } from "./playbook-matcher.ts";
export { StallMonitor } from "./stall-monitor.ts";
export { type EscalationNotice, postEscalationNotice } from "./webhook.ts";
