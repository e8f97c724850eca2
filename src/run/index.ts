// Owns: the run: the scheduler, the per-workstream state machine folded from the journal (append-only, checksummed events) and resume, and the supervisor that starts workers, verifies claims through the gates, carries out forge actions and applies the monitor's decisions.
// Must never: change a workstream's state except by journaling an event first, or act while folding: resume replays the journal without side effects.
export { isGateEvent, type JournalEvent, type JournalEventOf, type JournalEventType } from "./events.ts";
export { Journal, readJournal } from "./journal.ts";
export { createJournalTail, type JournalTail } from "./journal-tail.ts";
export type { PhaseGateResult, PhaseState, PhaseStatus } from "./phase-state.ts";
export { planFolderName, planStateDirectory, stateDirectoriesUnder } from "./plan-state.ts";
export { revertBranchOf } from "./revert-pull-request-text.ts";
export { createRun, latestRun, listRuns, newRunId, type RunInfo } from "./run-store.ts";
export { dependencyWaves } from "./scheduler.ts";
export { acquireStateLock } from "./state-lock.ts";
export { type RunOutcome, runSupervisor, type SupervisorDependencies } from "./supervisor.ts";
export { type CheckoutPort, CheckoutUnavailableError } from "./supervisor-dependencies.ts";
export {
  applyEvent,
  type ClaimSummary,
  foldEvents,
  type GateSummary,
  initialRunState,
  type RunState,
  terminalStatuses,
  type WorkstreamState,
  type WorkstreamStatus,
} from "./workstream-state.ts";
