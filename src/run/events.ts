/**
 * Every journal event: its type and the data it carries, one zod schema each. A journal line is
 * parsed into an event once, where its bytes are read (./journal.ts), and an event is checked
 * against the same schema before it is written; everything after (the fold, bundles, the report,
 * the CLI) reads typed data and never coerces a field.
 *
 * Field names are the journal's on-disk contract and never change. A field added after an event
 * type was first written is lenient: a default here (or optional where nobody reads it), so a
 * journal written before it still resumes.
 */
import { z } from "zod";
import { type CommandObservation, type GateStatus, gateEventVerbs } from "../evidence/index.ts";
import type { SandboxFacts } from "../sandbox/index.ts";
import type { UsageRecord } from "../usage.ts";

const count = z.number().int().nonnegative();
const sha = z.string();

const commandObservation = z.object({
  command: z.string(),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  isTimedOut: z.boolean(),
  durationMs: z.number(),
  log: z.string(),
  outputTail: z.string(),
  ledger: z.string().optional(),
  /** Absent in journals written before failed commands' first errors were recorded. */
  excerpt: z.string().optional(),
}) satisfies z.ZodType<CommandObservation>;

const sandboxFacts = z.object({
  isolation: z.string(),
  network: z.union([z.string(), z.object({ allow: z.array(z.string()) })]),
  max_processes: z.number().optional(),
  process_limit: z
    .object({
      kind: z.enum(["cgroup-v2", "cgroup-v1", "rlimit", "none"]),
      max_processes: z.number().nullable(),
      detail: z.string(),
    })
    .optional(),
}) satisfies z.ZodType<SandboxFacts>;

const usageRecord = {
  turns: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_read_tokens: z.number(),
  cache_write_tokens: z.number(),
  cost_usd: z.number(),
} satisfies Record<keyof UsageRecord, z.ZodNumber>;

const pullRequestFacts = {
  number: count,
  url: z.string(),
  /** Absent in journals written before the branch and state were recorded. */
  head: z.string().optional(),
  head_sha: sha,
  base: z.string(),
  state: z.enum(["open", "closed"]).optional(),
  merged: z.boolean(),
  merge_commit: sha.nullable(),
  merged_at: z.string().nullable().optional(),
};

const issueClosedBy = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("pull_request"), pullRequest: count, commitSha: sha }),
    z.object({ kind: z.literal("manual") }),
  ])
  .nullable();

const gateData = {
  claim: count,
  /** A built-in gate's id, or the name of a gate the plan defines. */
  gate: z.string(),
  /** One line a person reads first: what the supervisor saw. */
  detail: z.string(),
  observed: z.record(z.string(), z.unknown()),
  command: commandObservation.optional(),
  /** A plan gate's `fix_hint`, as the worker was shown it; absent for built-in gates and older journals. */
  fix_hint: z.string().optional(),
};

const reason = { reason: z.string() };

/** A pull request the supervisor opened itself, as the landing events record it. */
const openedPullRequest = z.object({ number: count, url: z.string(), head: z.string(), head_sha: sha });

/** One phase gate's result on the integrated base. */
const phaseGateResult = z.object({
  gate: z.string(),
  status: z.enum(["pass", "fail", "error", "skipped"]),
  detail: z.string(),
  command: commandObservation.optional(),
});

/** A phase's gates, run once on the integrated base: where they ran and what each gave. */
const phaseCheck = {
  phase: z.string(),
  /** The base commit the gates ran on: the forge's base once every workstream of the phase was accepted. */
  base_sha: sha,
  gates: z.array(phaseGateResult),
};

/** Who asked a human: a worker's ask_human, the monitor, a spent budget, or a change on the base no gate passed. */
export const escalationSources = ["worker", "monitor", "budget", "landing"] as const;

/**
 * The data of each event type, by type. Events of the run (`run.*`) carry `workstream: null`; every
 * other event belongs to one workstream.
 */
const eventData = {
  "run.started": {
    run: z.string(),
    plan: z.string(),
    workstreams: z.array(z.string()),
    only: z.array(z.string()).nullable(),
    concurrency: count,
    /** Null in journals written before isolation was recorded. */
    sandbox: sandboxFacts.nullable().default(null),
    forge: z.string().optional(),
    /** The plan's repository; empty in journals written before it was recorded. */
    repo: z.string().default(""),
    /** The plan's phases in order, for status and the report; absent when it has none. */
    phases: z
      .array(z.object({ name: z.string(), workstreams: z.array(z.string()), gates: z.array(z.string()) }))
      .optional(),
  },
  "run.resumed": { run: z.string() },
  "run.stopped": {
    reason: z.enum(["error", "interrupted", "waiting_on_human", "only"]),
    error: z.string().optional(),
    pending_escalations: z.array(z.string()).optional(),
    verdicts: z.record(z.string(), z.string()).optional(),
  },
  "run.finished": { verdicts: z.record(z.string(), z.string()) },

  /** Phase events, like run events, carry `workstream: null`. */
  "phase.passed": phaseCheck,
  /** A red phase gate: escalated to a human at once, the next phase waits on the decision. */
  "phase.failed": { ...phaseCheck, escalation: z.string() },
  /** approve: the next phase starts, the failure waived; deny: later phases are blocked; reply: the gates run again. */
  "phase.decided": {
    phase: z.string(),
    escalation: z.string(),
    decision: z.enum(["approve", "deny", "reply"]),
    decided_by: z.string().nullable(),
    note: z.string().nullable(),
    text: z.string().nullable(),
  },

  /** The workstream waits in the hosts' queue (`hosts:` in the plan) for a host with its labels. */
  "host.placed": { queue: z.string(), job: z.string() },
  /** A worker host holds the workstream's checkout: the first time, or again after a host or the supervisor was lost. */
  "host.attached": { host: z.string(), path: z.string(), head: sha, resumed: z.boolean() },
  /** The host holding the workstream went silent or away; its commands ended, and another host (or it) takes over. */
  "host.lost": { host: z.string(), reason: z.string() },
  /** A host could not do its part (reach the forge, make the checkout): not the worker's doing. */
  "host.problem": { host: z.string(), message: z.string() },

  /**
   * The base's CI at its tip once a workstream's pull request landed (`base_green`). Red: merges
   * are held and a human is asked at once (`escalation`), naming the landings since the last green.
   */
  "base.observed": {
    landed_by: z.string(),
    pull_request: count,
    landed_commit: sha,
    base_sha: sha,
    state: z.enum(["success", "pending", "failure", "none"]),
    details: z.string().nullable(),
    summary: z.string().nullable(),
    /** The landings since the base was last seen green, this one last. */
    landings_since_green: z.array(z.object({ workstream: z.string(), pull_request: count, commit: sha })),
    escalation: z.string().optional(),
  },
  /** approve: merges resume; deny: merges stay held for the rest of the run; reply: the base is observed again. */
  "base.decided": {
    escalation: z.string(),
    decision: z.enum(["approve", "deny", "reply"]),
    decided_by: z.string().nullable(),
    note: z.string().nullable(),
    text: z.string().nullable(),
  },

  "workstream.started": { goal: z.string() },
  "workstream.accepted": { claim: count, commit: sha.nullable(), waived: z.literal(true).optional() },
  "workstream.rejected": reason,
  "workstream.blocked": reason,
  "workstream.aborted": reason,
  "checkout.created": {
    path: z.string(),
    branch: z.string(),
    /** The commit the checkout was made from; diff_scope compares claims with it. */
    base_sha: sha.nullable().default(null),
  },

  "worker.started": { attempt: count, provider: z.string() },
  "worker.exited": {
    attempt: count,
    exit_code: z.number().nullable(),
    /** Absent for a worker lost with a crashed supervisor. */
    signal: z.string().nullable().optional(),
    description: z.string(),
    duration_ms: z.number().optional(),
  },
  "worker.usage": { attempt: count, model: z.string(), ...usageRecord },

  "claim.made": {
    claim: count,
    summary: z.string(),
    /** HEAD when it names what the gates can check; null when the checkout had uncommitted changes. */
    commit: sha.nullable(),
    head: sha,
    /** What kept the claim from naming a commit: `git status` lines and changes status cannot show. */
    uncommitted_changes: z.array(z.string()).default([]),
  },
  "claim.reverifying": { claim: count.nullable() },
  "claim.accepted": { claim: count, commit: sha.nullable(), forge_requests: count.optional() },
  "claim.rejected": {
    claim: count,
    forge_requests: count.optional(),
    failed_gates: z.array(z.string()),
    /** False when a gate could not run for a reason of the sandbox: not counted against the worker (absent: true). */
    charged: z.boolean().optional(),
  },
  /** A human approved the last rejected claim, waiving the gates that failed. */
  "claim.accepted_with_waiver": {
    claim: count,
    commit: sha.nullable(),
    waived: z.array(z.string()),
    decided_by: z.string(),
    escalation: z.string(),
  },
  "gate.passed": gateData,
  "gate.failed": gateData,
  "gate.errored": gateData,
  "gate.skipped": gateData,
  "gate.waived": gateData,

  "signal.detected": {
    signal: z.string(),
    summary: z.string(),
    failing_gates: z.array(z.string()),
    /** The last lines a stopped worker printed, redacted. */
    last_output: z.string().optional(),
  },
  "intervention.applied": {
    playbook: z.string(),
    signal: z.string(),
    delivery: z.string(),
    attempt: count,
    max_attempts: count,
  },
  "playbook.exhausted": { playbook: z.string(), signal: z.string() },
  "escalation.opened": {
    escalation: z.string(),
    question: z.string(),
    source: z.enum(escalationSources).default("worker"),
  },
  "escalation.decided": {
    escalation: z.string(),
    /** The OS user; null in journals written before it was recorded. */
    decided_by: z.string().nullable().default(null),
    decision: z.string(),
    note: z.string().nullable(),
    text: z.string().nullable(),
    /** Gates an approval waives; empty in journals written before waivers existed. */
    waive: z.array(z.string()).default([]),
  },
  "budget.extended": { escalation: z.string() },
  "notification.delivered": { escalation: z.string(), attempts: count, error: z.string().optional() },
  "notification.failed": { escalation: z.string(), attempts: count, error: z.string().optional() },
  "comment.posted": {
    pr: count,
    url: z.string(),
    action: z.enum(["created", "updated", "unchanged"]),
    escalation: z.string().optional(),
  },
  "comment.failed": { pr: count.optional(), escalation: z.string().optional(), error: z.string() },

  "push.intended": { sha, branch: z.string() },
  "push.completed": { sha, branch: z.string() },
  "pull_request.intended": { head: z.string(), base: z.string(), sha },
  "pull_request.opened": pullRequestFacts,
  "pull_request.updated": pullRequestFacts,
  "merge.intended": { number: count, expected_head: sha, method: z.enum(["squash", "merge", "rebase"]) },
  "merge.completed": { number: count, merge_commit: sha.nullable() },
  "merge.refused": { number: count, reason: z.string(), message: z.string() },
  /** The merge waits: the base is red and a human decides (`escalation`) before anything more lands. */
  "merge.held": { number: count, escalation: z.string() },
  "issue.close_intended": { number: count },
  /**
   * A rejected claim's change is on the base already, landed another way than the supervisor's
   * gated merge (by hand, another bot, a push): what landed, the gates that failed, and the pull
   * request that would undo it, opened (never merged) before a human is asked.
   */
  "landing.unverified": {
    claim: count,
    /** The workstream's merged pull request; null when the claimed commit reached the base without one. */
    pr: count.nullable(),
    pr_url: z.string().nullable(),
    /** The commit on the base that carries the change: the merge commit, or the claimed commit. */
    merge_commit: sha,
    /** The head the merge took; the claimed commit when it reached the base itself. */
    landed_head: sha.nullable(),
    failed_gates: z.array(z.string()),
    revert_pr: openedPullRequest.nullable(),
    /** The commit whose tree the revert restores. */
    restores: sha.nullable(),
    /** Why no revert pull request could be opened, when none was. */
    revert_error: z.string().nullable(),
  },
  /** What a human's decision on an unverified landing did on the forge. */
  "landing.resolved": {
    escalation: z.string(),
    decision: z.enum(["approve", "deny", "reply"]),
    /**
     * kept: the change stays and the revert PR is closed; reverted: the revert PR is merged; left:
     * the change stays on the base and the revert PR (if any) open, for a human to handle.
     */
    outcome: z.enum(["kept", "reverted", "left"]),
    revert_pr: count.nullable(),
    revert_merge_commit: sha.nullable(),
    detail: z.string(),
  },
  "issue.closed": { number: count, closed_by: issueClosedBy },
} satisfies Record<string, z.ZodRawShape>;

type EventData = typeof eventData;
export type JournalEventType = keyof EventData;

/** Run, phase and base events carry no workstream; every other event names one. */
type WorkstreamFieldOf<Type extends JournalEventType> = Type extends
  | `run.${string}`
  | `phase.${string}`
  | `base.${string}`
  ? null
  : string;

/** Events of the run or of a phase, which belong to no workstream. */
export function isRunLevelEventType(type: string): boolean {
  return type.startsWith("run.") || type.startsWith("phase.") || type.startsWith("base.");
}

type EventOfType<Type extends JournalEventType> = {
  seq: number;
  ts: string;
  type: Type;
  workstream: WorkstreamFieldOf<Type>;
} & z.output<z.ZodObject<EventData[Type]>>;

/** One event as the journal holds it: seq, ts, type, workstream, then its data. */
export type JournalEvent = { [Type in JournalEventType]: EventOfType<Type> }[JournalEventType];

export type JournalEventOf<Type extends JournalEventType> = Extract<JournalEvent, { type: Type }>;

/** What the writer of an event passes: its data without seq, ts, type and workstream. */
export type JournalEventData<Type extends JournalEventType> = z.output<z.ZodObject<EventData[Type]>>;

export type GateEventType = `gate.${(typeof gateEventVerbs)[GateStatus]}`;
export type GateEvent = JournalEventOf<GateEventType>;

/** The event that records a gate of this status: `fail` → `gate.failed`. */
export function gateEventTypeOf(status: GateStatus): GateEventType {
  return `gate.${gateEventVerbs[status]}`;
}

const gateStatusByEventType = new Map(
  (Object.entries(gateEventVerbs) as [GateStatus, string][]).map(([status, verb]) => [
    `gate.${verb}`,
    status,
  ]),
);

/** The gate status an event records: `gate.failed` → `fail`. */
export function gateStatusOf(type: GateEventType): GateStatus {
  return gateStatusByEventType.get(type)!;
}

export function isGateEvent(event: JournalEvent): event is GateEvent {
  return gateStatusByEventType.has(event.type);
}

const dataSchemas = new Map<string, z.ZodObject>(
  Object.entries(eventData).map(([type, shape]) => [type, z.object(shape)]),
);

export type ParsedEvent = { event: JournalEvent } | { problem: string };

/**
 * Pure: checks one parsed journal line (or an event about to be written) and returns it typed,
 * with the defaults an older journal lacks filled in; or says what is wrong with it.
 */
export function parseJournalEvent(value: unknown): ParsedEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { problem: "it is not a JSON object" };
  }
  const fields = value as Record<string, unknown>;
  const { seq, ts, type, workstream } = fields;
  if (!Number.isInteger(seq)) return { problem: "its seq is not an integer" };
  if (typeof ts !== "string") return { problem: "its ts is not a string" };
  if (typeof type !== "string" || type === "") return { problem: "its type is not a non-empty string" };
  if (workstream !== null && typeof workstream !== "string") {
    return { problem: "its workstream is neither a string nor null" };
  }
  const schema = dataSchemas.get(type);
  if (schema === undefined)
    return { problem: `its type "${type}" is not an event this version of supervise knows` };
  const isRunEvent = isRunLevelEventType(type);
  if (isRunEvent && workstream !== null) return { problem: `the run event ${type} names a workstream` };
  if (!isRunEvent && workstream === null) return { problem: `the event ${type} names no workstream` };
  const fast = type === "worker.usage" ? usageData(fields) : null;
  if (fast !== null) return { event: { seq, ts, type, workstream, ...fast } as JournalEvent };
  const data = schema.safeParse(fields);
  if (!data.success) return { problem: `its data does not fit ${type}: ${describeIssues(data.error)}` };
  return { event: { seq, ts, type, workstream, ...data.data } as JournalEvent };
}

const usageFieldNames = ["attempt", "model", ...(Object.keys(usageRecord) as (keyof typeof usageRecord)[])];

/**
 * `worker.usage`, most of a long run's journal, checked by hand to the same rules as its schema
 * (a resume reads thousands of them; zod would double its time); null sends anything unusual
 * to the schema, which says what is wrong.
 */
function usageData(fields: Record<string, unknown>): Record<string, unknown> | null {
  const { attempt, model } = fields;
  if (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 0) return null;
  if (typeof model !== "string") return null;
  const data: Record<string, unknown> = {};
  for (const name of usageFieldNames) {
    const value = fields[name];
    if (name !== "model" && (typeof value !== "number" || Number.isNaN(value))) return null;
    data[name] = value;
  }
  return data;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join(".")}: ${issue.message}` : issue.message))
    .join("; ");
}
