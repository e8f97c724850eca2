/**
 * The campaign report as data: what `supervise report --format json` prints and what the Markdown
 * and HTML renderers draw. Field names follow the journal and bundle.json (snake_case, units in names).
 */
import type { GateStatus, ModuleTally, TestTally } from "../evidence/index.ts";
import type { WorkstreamStatus } from "../run/index.ts";
import type { UsageRecord } from "../usage.ts";
import type { PhaseRow } from "./phase-rows.ts";

export const reportSchemaId = "supervise.report/v1";

export interface CampaignReport {
  schema: typeof reportSchemaId;
  run: {
    id: string;
    /** Absolute; every other path in the report is relative to it. */
    directory: string;
    started_at: string | null;
    /** The last run.finished or run.stopped event, when the journal ends with one. */
    ended_at: string | null;
    is_finished: boolean;
    duration_ms: number | null;
    generated_at: string;
  };
  totals: ReportTotals;
  workstreams: WorkstreamReport[];
  /** The plan's phases and their gates on the integrated base; empty for a plan without phases. */
  phases: PhaseRow[];
  retrospective: Retrospective;
  timeline: TimelineEntry[];
}

export interface ReportTotals {
  workstreams: number;
  accepted: number;
  /** Rejected, blocked or aborted: ended without acceptance. */
  not_accepted: number;
  /** Not ended yet. */
  open: number;
  statuses: Partial<Record<WorkstreamStatus, number>>;
  attempts: number;
  claims: number;
  rejected_claims: number;
  interventions: number;
  escalations: number;
  usage: UsageRecord;
  /** Of usage.cost_usd, what replayed turns account for: simulated, not spent. */
  simulated_cost_usd: number;
  /** Added up from each workstream's latest local_check log. */
  tests: TestSummary | null;
  /** Added up from each workstream's latest CI log. */
  ci_tests: TestSummary | null;
}

export interface TestSummary extends TestTally {
  /** passed / (passed + failed), counting only tallies that know their passes. */
  pass_rate: number | null;
  /** How many workstreams the numbers come from. */
  workstreams: number;
}

/** One gate of a claim as the report shows it; a command gate's run and a failure's first errors. */
export interface GateReport {
  id: string;
  status: GateStatus;
  detail: string;
  /** How long its command ran; null for a gate that ran none. */
  duration_ms: number | null;
  /** Its command's log, relative to the run directory; null for a gate that ran none. */
  log: string | null;
  /** A plan gate's fix_hint; null for built-in gates. */
  fix_hint: string | null;
  /** A failed command's first error lines; null when it passed, ran none, or none read as an error. */
  first_errors: string | null;
}

export interface WorkstreamReport {
  workstream: string;
  status: WorkstreamStatus;
  verdict: "accepted" | "rejected" | "pending";
  reason: string | null;
  started_at: string | null;
  ended_at: string | null;
  duration_ms: number | null;
  /** Time worker processes ran, from their exits. */
  worker_ms: number;
  /** Of duration_ms, the time spent waiting on a human decision (shown apart, never as work). */
  human_wait_ms: number;
  /** Of usage.cost_usd, what turns replayed from a cassette account for: simulated, not spent. */
  simulated_cost_usd: number;
  attempts: number;
  /** The gates of the last claim. */
  gates: GateReport[];
  claims: ClaimReport[];
  interventions: { playbook: string; signal: string; delivery: string; at: string }[];
  escalations: EscalationReport[];
  signals: number;
  usage: UsageRecord;
  tests: {
    local_check: TestEvidence | null;
    ci: TestEvidence | null;
    /** Failing at the base, passing at the last claim (diff_scope's comparison); absent when none. */
    fixed?: { name: string; base: string; claim: string; count: number }[];
  };
  /** The base's CI after each landing of its pull request (`base_green`); absent when nothing landed. */
  base_green?: {
    pull_request: number;
    landed_commit: string;
    base_sha: string;
    state: "success" | "pending" | "failure" | "none";
    escalation: string | null;
    landings_since_green: number[];
  }[];
  bundle: { markdown: string; json: string; is_present: boolean };
}

export interface ClaimReport {
  id: number;
  attempt: number;
  commit: string | null;
  verdict: "pending" | "accepted" | "rejected";
  summary: string;
  made_at: string | null;
  failed_gates: string[];
}

export interface EscalationReport {
  id: string;
  workstream: string;
  source: string;
  question: string;
  opened_at: string;
  decided_at: string | null;
  decision: string | null;
  note: string | null;
  /** Until the decision, or until the report for one still open. */
  waited_ms: number;
  is_open: boolean;
}

/** Where a workstream's test counts came from: one gate of one claim. */
export interface TestEvidence {
  claim: number;
  gate: string;
  /** The log as the journal names it: relative to the run directory, or the CI's own path or URL. */
  log: string | null;
  /** `log` when the full log was read; otherwise the output the journal kept. */
  read_from: "log" | "output_tail" | "ci_summary";
  /** Null when no test runner's summary was found in the output. */
  tally: TestTally | null;
  pass_rate: number | null;
  /**
   * The tests per module (cargo's `parser::tests`, a test file), when the full log names its tests;
   * absent when it does not, or only a tail of the output was kept (a partial list would undercount).
   */
  modules?: ModuleTally[];
}

export interface Retrospective {
  rejections_by_gate: { gate: string; rejections: number; workstreams: string[]; last_detail: string }[];
  playbooks: {
    playbook: string;
    signals: string[];
    applied: number;
    workstreams: string[];
    /** Interventions after which the workstream was accepted with no other intervention between. */
    followed_by_acceptance: number;
  }[];
  stalls: {
    lost_ms: number;
    by_signal: { signal: string; count: number; lost_ms: number }[];
    intervals: StallInterval[];
  };
  cost: {
    total_usd: number;
    accepted_workstreams: number;
    per_accepted_workstream_usd: number | null;
    /** Spent on workstreams that did not end accepted. */
    not_accepted_usd: number;
  };
  escalations: { count: number; open: number; waited_ms: number; items: EscalationReport[] };
}

/**
 * From a signal to the workstream's next claim or end; signals before that point join the same
 * interval, so overlapping signals are not counted twice.
 */
export interface StallInterval {
  workstream: string;
  signals: string[];
  from: string;
  to: string;
  ended_by: "claim" | "workstream_end" | "run_end" | "report";
  lost_ms: number;
}

export interface TimelineEntry {
  at: string;
  /** Since the run started. */
  offset_ms: number;
  workstream: string | null;
  /** The journal event type, e.g. `claim.rejected`. */
  type: string;
  label: string;
}
