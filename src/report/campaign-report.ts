/**
 * The campaign report, built from the journal and the files it names: per workstream the verdict,
 * gates, time, attempts, claims, interventions, escalations, usage and test counts; totals; the
 * retrospective; the timeline. Pure: the caller reads the files and passes the clock's time.
 */
import {
  addTallies,
  type BundleFixedTest,
  fixedTestsObserved,
  passRate,
  verdictOf,
} from "../evidence/index.ts";
import type { JournalEvent, RunState, WorkstreamState } from "../run/index.ts";
import { addUsage, emptyUsage, type UsageRecord, usageOf, usageRecordOf } from "../usage.ts";
import { humanWaitMs } from "./human-wait.ts";
import { phaseRows } from "./phase-rows.ts";
import {
  type CampaignReport,
  type EscalationReport,
  type ReportTotals,
  reportSchemaId,
  type TestSummary,
  type WorkstreamReport,
} from "./report-model.ts";
import { buildRetrospective, roundUsd } from "./retrospective.ts";
import { buildTimeline } from "./timeline.ts";
import { ciTests, type LogTexts, localCheckTests } from "./workstream-tests.ts";

export interface CampaignReportInput {
  run: { id: string; directory: string };
  workstreamIds: readonly string[];
  events: readonly JournalEvent[];
  state: RunState;
  /** Log texts by the path the journal names them by (see `testLogReferences`). */
  logs: LogTexts;
  /** Workstreams whose evidence/<ws>/bundle.md exists. */
  bundlesPresent: ReadonlySet<string>;
  nowMs: number;
}

const runEndTypes = new Set(["run.finished", "run.stopped"]);

export function buildCampaignReport(input: CampaignReportInput): CampaignReport {
  const { events, state } = input;
  const lastEvent = events.at(-1);
  // A journal that ends on run.finished or run.stopped is a run nobody is working on: its open
  // intervals end there, not at the time someone happens to read the report.
  const runEnd = lastEvent && runEndTypes.has(lastEvent.type) ? lastEvent.ts : null;
  const endMs = runEnd === null ? input.nowMs : Date.parse(runEnd);
  const ids = [
    ...input.workstreamIds,
    ...[...state.workstreams.keys()].filter((id) => !input.workstreamIds.includes(id)),
  ];
  const workstreams = ids.map((id) =>
    workstreamReport(state.workstreams.get(id) ?? null, id, events, input, endMs),
  );
  const startedAt = state.startedAt ?? events[0]?.ts ?? null;
  return {
    schema: reportSchemaId,
    run: {
      id: input.run.id,
      directory: input.run.directory,
      started_at: startedAt,
      ended_at: runEnd,
      is_finished: state.isFinished,
      duration_ms: startedAt === null ? null : Math.max(0, endMs - Date.parse(startedAt)),
      generated_at: new Date(input.nowMs).toISOString(),
    },
    totals: totalsOf(workstreams),
    workstreams,
    phases: phaseRows(events, state),
    retrospective: buildRetrospective({
      events,
      state,
      workstreams,
      endMs,
      openEndedBy: runEnd === null ? "report" : "run_end",
    }),
    timeline: buildTimeline(events),
  };
}

function workstreamReport(
  state: WorkstreamState | null,
  id: string,
  events: readonly JournalEvent[],
  input: CampaignReportInput,
  endMs: number,
): WorkstreamReport {
  const own = events.filter((event) => event.workstream === id);
  const claimTimes = new Map(
    own.filter((event) => event.type === "claim.made").map((event) => [event.claim, event.ts]),
  );
  const startedMs = state?.startedAt ? Date.parse(state.startedAt) : null;
  const untilMs = state?.endedAt ? Date.parse(state.endedAt) : endMs;
  const lastClaim = state?.claims.at(-1);
  return {
    workstream: id,
    status: state?.status ?? "pending",
    verdict: verdictOf(state?.status ?? "pending"),
    reason: state?.reason ?? null,
    started_at: state?.startedAt ?? null,
    ended_at: state?.endedAt ?? null,
    duration_ms: startedMs === null ? null : Math.max(0, untilMs - startedMs),
    worker_ms: own
      .filter((event) => event.type === "worker.exited")
      .reduce((sum, event) => sum + (event.duration_ms ?? 0), 0),
    human_wait_ms: humanWaitMs(state?.escalations ?? [], untilMs),
    simulated_cost_usd: roundUsd(state?.simulatedCostUsd ?? 0),
    attempts: state?.attempt ?? 0,
    gates: (lastClaim?.gates ?? []).map((gate) => ({
      id: gate.gate,
      status: gate.status,
      detail: gate.detail,
      duration_ms: gate.command?.durationMs ?? null,
      log: gate.command?.log ?? null,
      fix_hint: gate.fixHint,
      first_errors: gate.command?.excerpt || null,
    })),
    claims: (state?.claims ?? []).map((claim) => ({
      id: claim.id,
      attempt: claim.attempt,
      commit: claim.commit,
      verdict: claim.verdict,
      summary: claim.summary,
      made_at: claimTimes.get(claim.id) ?? null,
      failed_gates: claim.gates
        .filter((gate) => gate.status === "fail" || gate.status === "error")
        .map((gate) => gate.gate),
    })),
    interventions: (state?.interventions ?? []).map((intervention) => ({
      playbook: intervention.playbook,
      signal: intervention.signal,
      delivery: intervention.delivery,
      at: intervention.ts,
    })),
    escalations: (state?.escalations ?? []).map(
      (escalation): EscalationReport => ({
        id: escalation.id,
        workstream: id,
        source: escalation.source,
        question: escalation.question,
        opened_at: escalation.opened_at,
        decided_at: escalation.decided_at,
        decision: escalation.decision,
        note: escalation.note,
        waited_ms: Math.max(
          0,
          (escalation.decided_at ? Date.parse(escalation.decided_at) : endMs) -
            Date.parse(escalation.opened_at),
        ),
        is_open: escalation.decided_at === null,
      }),
    ),
    signals: state?.signals.length ?? 0,
    usage: workstreamUsage(state),
    tests: {
      local_check: state ? localCheckTests(state, input.logs) : null,
      ci: state ? ciTests(state, input.logs) : null,
      ...fixedOf(lastClaim?.gates ?? []),
    },
    ...baseGreenOf(input.state, id),
    bundle: {
      markdown: `evidence/${id}/bundle.md`,
      json: `evidence/${id}/bundle.json`,
      is_present: input.bundlesPresent.has(id),
    },
  };
}

function workstreamUsage(state: WorkstreamState | null): UsageRecord {
  const usage = usageRecordOf(state ?? emptyUsage());
  return { ...usage, cost_usd: roundUsd(usage.cost_usd) };
}

function totalsOf(workstreams: readonly WorkstreamReport[]): ReportTotals {
  const count = (pick: (workstream: WorkstreamReport) => number) =>
    workstreams.reduce((sum, workstream) => sum + pick(workstream), 0);
  const statuses: ReportTotals["statuses"] = {};
  for (const workstream of workstreams) statuses[workstream.status] = (statuses[workstream.status] ?? 0) + 1;
  const accepted = workstreams.filter((workstream) => workstream.verdict === "accepted").length;
  const notAccepted = workstreams.filter((workstream) => workstream.verdict === "rejected").length;
  return {
    workstreams: workstreams.length,
    accepted,
    not_accepted: notAccepted,
    open: workstreams.length - accepted - notAccepted,
    statuses,
    attempts: count((workstream) => workstream.attempts),
    claims: count((workstream) => workstream.claims.length),
    rejected_claims: count(
      (workstream) => workstream.claims.filter((claim) => claim.verdict === "rejected").length,
    ),
    interventions: count((workstream) => workstream.interventions.length),
    escalations: count((workstream) => workstream.escalations.length),
    usage: totalUsage(workstreams),
    simulated_cost_usd: roundUsd(
      workstreams.reduce((sum, workstream) => sum + workstream.simulated_cost_usd, 0),
    ),
    tests: testSummary(workstreams.map((workstream) => workstream.tests.local_check)),
    ci_tests: testSummary(workstreams.map((workstream) => workstream.tests.ci)),
  };
}

function totalUsage(workstreams: readonly WorkstreamReport[]): UsageRecord {
  const total = emptyUsage();
  for (const workstream of workstreams) addUsage(total, usageOf(workstream.usage));
  const usage = usageRecordOf(total);
  return { ...usage, cost_usd: roundUsd(usage.cost_usd) };
}

function testSummary(
  evidence: readonly (WorkstreamReport["tests"]["local_check"] | null)[],
): TestSummary | null {
  const tallies = evidence.flatMap((each) => (each?.tally ? [each.tally] : []));
  if (tallies.length === 0) return null;
  const sum = addTallies(tallies);
  // Tallies without a pass count would drag the rate down by their failures alone.
  const known = tallies.filter((tally) => tally.passed !== null);
  return {
    ...sum,
    pass_rate: known.length === 0 ? null : passRate(addTallies(known)),
    workstreams: tallies.length,
  };
}

function fixedOf(gates: Parameters<typeof fixedTestsObserved>[0]): { fixed?: BundleFixedTest[] } {
  const fixed = fixedTestsObserved(gates);
  return fixed.length > 0 ? { fixed } : {};
}

function baseGreenOf(state: RunState, id: string): Pick<WorkstreamReport, "base_green"> {
  const observations = state.base.observations.filter((observation) => observation.landed_by === id);
  if (observations.length === 0) return {};
  return {
    base_green: observations.map((observation) => ({
      pull_request: observation.pull_request,
      landed_commit: observation.landed_commit,
      base_sha: observation.base_sha,
      state: observation.state,
      escalation: observation.escalation ?? null,
      landings_since_green: observation.landings_since_green.map((landing) => landing.pull_request),
    })),
  };
}
