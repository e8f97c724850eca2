/**
 * The evidence bundle of one workstream: built from the journal's record of what the supervisor
 * observed (never from anything the worker wrote), written as bundle.json and bundle.md.
 */

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";
import type { Workstream } from "../plan/index.ts";
import { describeSandbox, type SandboxFacts } from "../sandbox/index.ts";
import { markdownInline, printable } from "../text.ts";
import { type Usage, type UsageRecord, usageRecordOf } from "../usage.ts";
import { gateDefinition } from "./gate-registry.ts";
import type { CommandObservation, GateStatus } from "./gate-result.ts";

export const bundleSchemaId = "supervise.bundle/v1";

export interface Bundle {
  schema: typeof bundleSchemaId;
  run: string;
  workstream: string;
  goal: string;
  /** The workstream's status when the bundle was written (a status of run/'s state machine). */
  status: string;
  verdict: "accepted" | "rejected" | "pending";
  reason: string | null;
  commit: string | null;
  done: string[];
  /** The gates of the last claim. */
  gates: (BundleGate | BundleCommandGate)[];
  pr: Record<string, unknown> | null;
  issue: Record<string, unknown> | null;
  claims: {
    id: number;
    attempt: number;
    summary: string;
    commit: string | null;
    verdict: BundleClaimState["verdict"];
    failed_gates: string[];
    /** What each gate found on this claim, so the findings of a rejected claim outlive the next one. Absent in bundles written before. */
    gates?: BundleClaimGate[];
  }[];
  interventions: BundleIntervention[];
  escalations: BundleEscalation[];
  /** What the monitor saw, latest last; a stopped worker's carry the last lines it printed. */
  signals: BundleSignal[];
  /**
   * A rejected claim's change found on the base, landed without passing the gates: what landed,
   * the pull request that would undo it, and what the human decided; null when none was found.
   */
  landing: BundleLanding | null;
  /**
   * Tests that failed when the check ran at the base and pass at the last claim's commit, as
   * diff_scope compared them by name (its `test_runs.fixed_tests`); absent when none were.
   */
  fixed_tests?: BundleFixedTest[];
  /**
   * `base_green`: the base's CI at its tip after each landing of this workstream's pull request,
   * as the supervisor observed it; absent when nothing of it landed.
   */
  base_green?: BundleBaseObservation[];
  usage: UsageRecord & {
    /** The effective date of the price table cost_usd was estimated with; null when not known. */
    prices_effective: string | null;
  };
  attempts: number;
  sandbox: SandboxFacts;
  started_at: string | null;
  ended_at: string | null;
}

/** The base's CI after one landing. */
export interface BundleBaseObservation {
  pull_request: number;
  landed_commit: string;
  base_sha: string;
  state: "success" | "pending" | "failure" | "none";
  details: string | null;
  /** The landings since the base was last green, this one last. */
  landings_since_green: { workstream: string; pull_request: number; commit: string }[];
  /** The escalation a red base opened. */
  escalation: string | null;
  observed_at: string;
}

/** One gate of the last claim, as bundle.json holds it. */
export interface BundleGate {
  /** A built-in gate's id, or the name of a gate the plan defines. */
  id: string;
  status: GateStatus;
  detail: string;
  observed: Record<string, unknown>;
  /** What the gate checks, as the worker was told it (prompts/gates/). */
  explanation: string;
  /** A plan gate's `fix_hint`; null for built-in gates. */
  fix_hint: string | null;
}

/** One gate's finding on one claim, as the claim's section of bundle.json holds it. */
export interface BundleClaimGate {
  id: string;
  status: GateStatus;
  detail: string;
  fix_hint: string | null;
  /** A failed command's first error lines; null otherwise. */
  first_errors: string | null;
  /** The command's log, absolute; null for a gate that ran no command. */
  log: string | null;
}

/** A command gate's observation in the bundle's words: the command, exit code, duration and log path. */
export interface BundleCommandGate extends BundleGate {
  command: string;
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  duration_ms: number;
  /** Absolute. */
  log: string;
  output_tail: string;
  /** A failed command's first error lines from its log; null when it passed or none read as an error. */
  first_errors: string | null;
}

/** A test the last claim made pass: its name, its outcome at the base and at the claimed commit. */
export interface BundleFixedTest {
  name: string;
  base: string;
  claim: string;
  /** More than one when several tests share the name. */
  count: number;
}

export interface BundleIntervention {
  playbook: string;
  signal: string;
  delivery: string;
  ts: string;
}

/** A signal the monitor recorded; a stopped worker's carries the last lines it printed. */
export interface BundleSignal {
  signal: string;
  summary: string;
  ts: string;
  last_output?: string;
}

export interface BundleEscalation {
  id: string;
  question: string;
  /** Who opened it: the worker, the monitor or the budget. */
  source: string;
  opened_at: string;
  decision: string | null;
  note: string | null;
  text: string | null;
  decided_at: string | null;
}

export interface BundleLanding {
  claim: number;
  /** The merged pull request; null when the claimed commit reached the base without one. */
  pr: number | null;
  pr_url: string | null;
  /** The commit on the base that carries the change. */
  merge_commit: string;
  landed_head: string | null;
  failed_gates: string[];
  revert_pr: { number: number; url: string; head: string; head_sha: string } | null;
  /** The commit whose tree the revert restores. */
  restores: string | null;
  revert_error: string | null;
  detected_at: string;
  escalation: string | null;
  /** approve, deny or reply; null while no human has decided. */
  decision: string | null;
  /** kept, reverted or left; null while no human has decided. */
  outcome: string | null;
  revert_merge_commit: string | null;
  detail: string | null;
}

/** What the run's state holds of an unverified landing. */
export interface BundleLandingState {
  claim: number;
  pr: number | null;
  prUrl: string | null;
  mergeCommit: string;
  landedHead: string | null;
  failedGates: readonly string[];
  revertPr: { number: number; url: string; head: string; headSha: string } | null;
  restores: string | null;
  revertError: string | null;
  detectedAt: string;
  escalation: string | null;
  resolution: {
    decision: string;
    outcome: string;
    revert_merge_commit: string | null;
    detail: string;
  } | null;
}

/** One gate of a claim as the journal recorded what the supervisor observed. */
export interface RecordedGate {
  gate: string;
  status: GateStatus;
  detail: string;
  observed: Record<string, unknown>;
  command: CommandObservation | null;
  /** Absent in what older journals recorded. */
  fixHint?: string | null;
}

export interface BundleClaimState {
  id: number;
  attempt: number;
  summary: string;
  commit: string | null;
  verdict: "pending" | "accepted" | "rejected";
  gates: readonly RecordedGate[];
}

/**
 * What a bundle reads of a workstream's state as the journal folded it. The run's WorkstreamState
 * satisfies it; naming only these fields keeps the evidence from depending on the run.
 */
export interface BundleState extends Usage {
  status: string;
  reason: string | null;
  /** Worker starts so far. */
  attempt: number;
  claims: readonly BundleClaimState[];
  interventions: readonly BundleIntervention[];
  escalations: readonly BundleEscalation[];
  signals: readonly BundleSignal[];
  landing: BundleLandingState | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface BundleInput {
  runId: string;
  /** Log paths in the journal are relative to it; the bundle gives them absolute. */
  runDirectory: string;
  workstream: Workstream;
  state: BundleState;
  pr?: Record<string, unknown> | null;
  issue?: Record<string, unknown> | null;
  /** How the worker's commands were isolated: a reviewer must see when they were not. */
  sandbox: SandboxFacts;
  /** The effective date of the price table the run estimates cost with (prices/anthropic.yaml). */
  pricesEffective?: string | null;
  /** The base's CI after each landing of this workstream's pull request. */
  baseObservations?: readonly BundleBaseObservation[];
}

export function verdictOf(status: string): Bundle["verdict"] {
  if (status === "accepted") return "accepted";
  if (status === "rejected" || status === "blocked" || status === "aborted") return "rejected";
  return "pending";
}

export function buildBundle(input: BundleInput): Bundle {
  const { state, workstream } = input;
  const lastClaim = state.claims.at(-1);
  return {
    schema: bundleSchemaId,
    run: input.runId,
    workstream: workstream.id,
    goal: workstream.goal,
    status: state.status,
    verdict: verdictOf(state.status),
    reason: state.reason,
    commit: lastClaim?.commit ?? null,
    done: [...workstream.done],
    gates: (lastClaim?.gates ?? []).map((gate) => bundleGate(gate, workstream, input.runDirectory)),
    pr: input.pr ?? null,
    issue: input.issue ?? null,
    claims: state.claims.map((claim) => ({
      id: claim.id,
      attempt: claim.attempt,
      summary: claim.summary,
      commit: claim.commit,
      verdict: claim.verdict,
      failed_gates: claim.gates
        .filter((gate) => gate.status === "fail" || gate.status === "error")
        .map((gate) => gate.gate),
      gates: claim.gates.map((gate) => claimGate(gate, input.runDirectory)),
    })),
    interventions: state.interventions.map((intervention) => ({ ...intervention })),
    escalations: state.escalations.map((escalation) => ({ ...escalation })),
    signals: state.signals.map((signal) => ({ ...signal })),
    landing: state.landing === null ? null : bundleLanding(state.landing),
    ...fixedTestsOf(lastClaim?.gates ?? []),
    ...(input.baseObservations && input.baseObservations.length > 0
      ? { base_green: input.baseObservations.map((observation) => ({ ...observation })) }
      : {}),
    usage: {
      ...usageRecordOf(state),
      cost_usd: Number(state.costUsd.toFixed(6)),
      prices_effective: input.pricesEffective ?? null,
    },
    attempts: state.attempt,
    sandbox: { ...input.sandbox },
    started_at: state.startedAt,
    ended_at: state.endedAt,
  };
}

function bundleLanding(landing: BundleLandingState): BundleLanding {
  return {
    claim: landing.claim,
    pr: landing.pr,
    pr_url: landing.prUrl,
    merge_commit: landing.mergeCommit,
    landed_head: landing.landedHead,
    failed_gates: [...landing.failedGates],
    revert_pr: landing.revertPr && {
      number: landing.revertPr.number,
      url: landing.revertPr.url,
      head: landing.revertPr.head,
      head_sha: landing.revertPr.headSha,
    },
    restores: landing.restores,
    revert_error: landing.revertError,
    detected_at: landing.detectedAt,
    escalation: landing.escalation,
    decision: landing.resolution?.decision ?? null,
    outcome: landing.resolution?.outcome ?? null,
    revert_merge_commit: landing.resolution?.revert_merge_commit ?? null,
    detail: landing.resolution?.detail ?? null,
  };
}

const fixedTestSchema = z.array(
  z.object({ name: z.string(), base: z.string(), claim: z.string(), count: z.number().int().positive() }),
);

/** diff_scope's fixed tests in a claim's gates, read back from what the journal recorded it observed. */
export function fixedTestsObserved(
  gates: readonly Pick<RecordedGate, "gate" | "observed">[],
): BundleFixedTest[] {
  const observed = gates.findLast((gate) => gate.gate === "diff_scope")?.observed.test_runs;
  const fixed = fixedTestSchema.safeParse((observed as { fixed_tests?: unknown } | undefined)?.fixed_tests);
  return fixed.success ? fixed.data : [];
}

function fixedTestsOf(gates: readonly RecordedGate[]): { fixed_tests?: BundleFixedTest[] } {
  const fixed = fixedTestsObserved(gates);
  return fixed.length > 0 ? { fixed_tests: fixed } : {};
}

function claimGate(gate: RecordedGate, runDirectory: string): BundleClaimGate {
  const hasFailed = gate.status === "fail" || gate.status === "error";
  return {
    id: gate.gate,
    status: gate.status,
    detail: gate.detail,
    fix_hint: gate.fixHint ?? null,
    first_errors: hasFailed ? gate.command?.excerpt || null : null,
    log: gate.command === null ? null : join(runDirectory, gate.command.log),
  };
}

function bundleGate(
  gate: RecordedGate,
  workstream: Workstream,
  runDirectory: string,
): BundleGate | BundleCommandGate {
  const judged = {
    id: gate.gate,
    status: gate.status,
    detail: gate.detail,
    observed: gate.observed,
    explanation: gateDefinition(workstream, gate.gate).explain(workstream),
    fix_hint: gate.fixHint ?? null,
  };
  const command = gate.command;
  if (command === null) return judged;
  return {
    ...judged,
    command: command.command,
    exit_code: command.exitCode,
    signal: command.signal,
    timed_out: command.isTimedOut,
    duration_ms: command.durationMs,
    log: join(runDirectory, command.log),
    output_tail: command.outputTail,
    first_errors: command.excerpt || null,
  };
}

export function renderBundleMarkdown(bundle: Bundle): string {
  const lines = [
    `# Evidence: ${bundle.workstream}`,
    "",
    `**Verdict: ${bundle.verdict}**${bundle.status === bundle.verdict ? "" : ` (${bundle.status})`}${bundle.reason ? ` — ${markdownInline(bundle.reason)}` : ""}`,
    "",
    `Goal: ${markdownInline(bundle.goal)}`,
    `Run: ${bundle.run} · commit: ${bundle.commit ?? "none"} · attempts: ${bundle.attempts} · isolation: ${describeSandbox(bundle.sandbox)}`,
    "",
    "## Gates (last claim)",
    "",
    "| gate | status | duration | observed |",
    "| --- | --- | --- | --- |",
    ...bundle.gates.map(
      (gate) =>
        `| ${gate.id} | ${gate.status} | ${"duration_ms" in gate ? formatDuration(gate.duration_ms) : "—"} | ${escapeCell(gate.detail)} |`,
    ),
  ];
  if (bundle.gates.length === 0) lines.push("| — | — | — | no claim verified yet |");
  const firstFailure = bundle.gates.find((gate) => gate.status === "fail" || gate.status === "error");
  if (firstFailure) lines.push("", ...firstFailureLines(firstFailure));
  lines.push("", "## Claims");
  for (const claim of bundle.claims) lines.push("", ...claimLines(claim));
  if (bundle.claims.length === 0) lines.push("", "- none");
  if (bundle.landing) lines.push("", ...landingLines(bundle.landing));
  if (bundle.fixed_tests) {
    lines.push("", "## Fixed tests", "", "Failing at the base, passing at the last claim's commit:", "");
    for (const test of bundle.fixed_tests) {
      const times = test.count > 1 ? ` ×${test.count}` : "";
      lines.push(
        `- ${markdownInline(test.name)}${times}: ${test.base} at the base, ${test.claim} at the claim`,
      );
    }
  }
  lines.push(...mergeLines(bundle));
  if (bundle.signals.length > 0) {
    lines.push("", "## Signals", "");
    for (const signal of bundle.signals) {
      lines.push(`- ${signal.ts} ${signal.signal}: ${markdownInline(signal.summary)}`);
      if (signal.last_output) lines.push(...fenced(signal.last_output, "  "));
    }
  }
  const usage = bundle.usage;
  lines.push(
    "",
    "## Usage",
    "",
    `${usage.turns} turns · ${usage.input_tokens} input + ${usage.output_tokens} output tokens · cache ${usage.cache_read_tokens} read / ${usage.cache_write_tokens} written · $${usage.cost_usd.toFixed(4)}${usage.prices_effective ? ` (estimated at the prices of ${usage.prices_effective})` : ""}`,
    "",
    "Logs of every gate command are under `logs/` beside this file.",
    "",
  );
  return printable(lines.join("\n"));
}

/** How the pull request landed (what CI tested before the base moved) and the base's CI after. */
function mergeLines(bundle: Bundle): string[] {
  const landing = bundle.pr?.landing as
    | { via: string; tested_commit: string; ci: string; ci_details: string | null; batch: number[] }
    | null
    | undefined;
  if (landing === undefined && !bundle.base_green) return [];
  const lines = ["", "## Landing", ""];
  if (landing === null) lines.push("- landed with no CI on its merge result");
  else if (landing) {
    const others = landing.batch.filter((number) => number !== bundle.pr?.number);
    lines.push(
      `- merge result ${landing.tested_commit.slice(0, 12)} (${landing.via.replace("_", " ")}): CI ${landing.ci}${others.length > 0 ? `, tested with ${others.map((number) => `#${number}`).join(", ")}` : ""}${landing.ci_details ? ` · log: ${landing.ci_details}` : ""}`,
    );
  }
  for (const observation of bundle.base_green ?? []) {
    lines.push(
      `- base_green after #${observation.pull_request}: CI ${observation.state} at ${observation.base_sha.slice(0, 12)}${observation.escalation ? ` · escalated as ${observation.escalation}, landings since green: ${observation.landings_since_green.map((landing) => `#${landing.pull_request}`).join(", ")}` : ""}`,
    );
  }
  return lines;
}

/** One claim of the bundle on its own: `supervise evidence WS --claim N`. */
export function renderClaimMarkdown(bundle: Bundle, claimId: number): string | null {
  const claim = bundle.claims.find((candidate) => candidate.id === claimId);
  if (claim === undefined) return null;
  return printable(
    [
      `# Evidence: ${bundle.workstream}, claim ${claim.id}`,
      "",
      `Run: ${bundle.run}`,
      "",
      ...claimLines(claim),
      "",
    ].join("\n"),
  );
}

/** A claim, its verdict and what every gate found on it; a failed gate with its fix and first errors. */
function claimLines(claim: Bundle["claims"][number]): string[] {
  const failed = claim.failed_gates.length > 0 ? ` (failed: ${claim.failed_gates.join(", ")})` : "";
  const lines = [
    `### Claim ${claim.id}: **${claim.verdict}**${failed}`,
    "",
    `Attempt ${claim.attempt} · commit ${claim.commit ?? "none"} · "${markdownInline(claim.summary)}"`,
  ];
  const gates = claim.gates ?? [];
  if (gates.length > 0) lines.push("");
  for (const gate of gates) {
    lines.push(`- ${gate.id}: **${gate.status}** — ${markdownInline(gate.detail)}`);
    if (gate.status !== "fail" && gate.status !== "error") continue;
    if (gate.fix_hint) lines.push(`  How to fix it: ${markdownInline(gate.fix_hint)}`);
    if (gate.first_errors) lines.push(...fenced(gate.first_errors, "  "));
    if (gate.log) lines.push(`  Log: \`${gate.log}\``);
  }
  return lines;
}

/** What a reviewer reads first of a rejection: the first failing gate, how to fix it, its first errors. */
function firstFailureLines(gate: BundleGate | BundleCommandGate): string[] {
  const lines = [`## First failure: ${gate.id}`, "", markdownInline(gate.detail)];
  if (gate.fix_hint) lines.push("", `How to fix it: ${markdownInline(gate.fix_hint)}`);
  if ("command" in gate) {
    const errors = gate.first_errors ?? gate.output_tail.slice(-1500);
    if (errors.trim() !== "") {
      lines.push(
        "",
        gate.first_errors ? "First errors in its log:" : "Output (tail):",
        "",
        ...fenced(errors, ""),
      );
    }
    lines.push("", `Full log: \`${gate.log}\` (${gate.duration_ms} ms)`);
  }
  return lines;
}

function landingLines(landing: BundleLanding): string[] {
  const landed =
    landing.pr === null
      ? `commit ${landing.merge_commit} reached the base without a merged pull request`
      : `pull request #${landing.pr} was merged as ${landing.merge_commit}${landing.pr_url ? ` (${markdownInline(landing.pr_url)})` : ""}`;
  const revert = landing.revert_pr
    ? `revert pull request #${landing.revert_pr.number} (${markdownInline(landing.revert_pr.url)}), head ${landing.revert_pr.head_sha}, restoring ${landing.restores ?? "?"}`
    : `no revert pull request: ${markdownInline(landing.revert_error ?? "none was opened")}`;
  const decided =
    landing.outcome === null
      ? `waiting on a human${landing.escalation ? ` (escalation ${landing.escalation})` : ""}`
      : `${landing.decision} (escalation ${landing.escalation ?? "?"}): **${landing.outcome}** — ${markdownInline(landing.detail ?? "")}`;
  return [
    "## Unverified landing",
    "",
    `- **Landed without passing the gates:** ${landed}; claim ${landing.claim} failed ${landing.failed_gates.join(", ")}`,
    `- ${revert}`,
    `- Decision: ${decided}`,
  ];
}

/** A code block that no backtick run inside `text` can close early. */
function fenced(text: string, indent: string): string[] {
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return [`${indent}${fence}`, ...text.split("\n").map((line) => `${indent}${line}`), `${indent}${fence}`];
}

function formatDuration(milliseconds: number): string {
  return milliseconds < 1000 ? `${milliseconds} ms` : `${(milliseconds / 1000).toFixed(1)} s`;
}

function escapeCell(text: string): string {
  return markdownInline(text);
}

export function bundleDirectory(runDirectory: string, workstreamId: string): string {
  return join(runDirectory, "evidence", workstreamId);
}

export async function writeBundle(runDirectory: string, bundle: Bundle): Promise<void> {
  const directory = bundleDirectory(runDirectory, bundle.workstream);
  await mkdir(directory, { recursive: true });
  await writeFileAtomic(join(directory, "bundle.json"), `${JSON.stringify(bundle, null, 2)}\n`);
  await writeFileAtomic(join(directory, "bundle.md"), renderBundleMarkdown(bundle));
}
