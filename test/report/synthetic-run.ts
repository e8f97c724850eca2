/**
 * A synthetic run written through the real journal: one workstream accepted after a rejection and
 * a playbook, one rejected after an idle stall and a human's decision, one never started. Journal
 * text carries HTML and Markdown that the reports must escape.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "../../src/clock.ts";
import type { JournalEvent, JournalEventData, JournalEventType } from "../../src/run/events.ts";
import { Journal, readJournal } from "../../src/run/journal.ts";
import { createRun, type RunInfo } from "../../src/run/run-store.ts";
import { foldEvents, type RunState } from "../../src/run/workstream-state.ts";

export const runStartMs = Date.UTC(2026, 0, 1, 9, 0, 0);
export const runId = "20260101-090000-abcd";
export const workstreamIds = ["ws-accepted", "ws-rejected", "ws-pending"];
export const scriptSummary = '<script>alert("summary")</script> done';
export const imageQuestion = "The worker keeps stalling.\n</td><img src=x onerror=alert(1)> continue?";
export const rejectionReason = "2 claims rejected (limit 2) <b>bold</b> | pipe";

export const firstCheckLog = [
  " ❯ test/widget.test.ts (13 tests | 2 failed)",
  "",
  " Test Files  1 failed (1)",
  "      Tests  2 failed | 10 passed | 1 skipped (13)",
  "",
].join("\n");
export const secondCheckLog = [
  " ✓ test/widget.test.ts (13 tests | 1 skipped)",
  "",
  " Test Files  1 passed (1)",
  "      Tests  12 passed | 1 skipped (13)",
  "   Duration  1.20s",
  "",
].join("\n");
export const ciLog = ["npm ci", "added 12 packages", "      Tests  12 passed | 1 skipped (13)", ""].join(
  "\n",
);
/** ws-rejected's check log is never written: the report must read the journal's tail instead. */
export const pytestTail = "FAILED tests/test_words.py::test_tabs\n==== 2 failed, 3 passed in 0.51s ====\n";

export interface SyntheticRun {
  stateDirectory: string;
  run: RunInfo;
  events: JournalEvent[];
  state: RunState;
  ciLogFile: string;
  cleanup(): Promise<void>;
}

export async function writeSyntheticRun(): Promise<SyntheticRun> {
  const stateDirectory = await mkdtemp(join(tmpdir(), "supervise-report-"));
  const run = await createRun(stateDirectory, runId);
  const clock = new ManualClock(runStartMs);
  const { journal } = await Journal.open(run.journalFile, { clock });
  const at = (seconds: number) => clock.advance(runStartMs + seconds * 1000 - clock.now());
  const append = <Type extends JournalEventType>(
    seconds: number,
    type: Type,
    workstream: string | null,
    data: JournalEventData<Type>,
  ) => {
    at(seconds);
    return journal.append(type, workstream, data);
  };
  const ciLogFile = join(stateDirectory, "forge", "ci", "b".repeat(40), "log.txt");
  const checkLog = (workstream: string, claim: number) =>
    `evidence/${workstream}/logs/claim-${claim}-local_check.log`;
  const command = (workstream: string, claim: number, exitCode: number, outputTail: string) => ({
    command: "npm test",
    exitCode,
    signal: null,
    isTimedOut: false,
    durationMs: 1500,
    log: checkLog(workstream, claim),
    outputTail,
  });

  await append(0, "run.started", null, {
    run: runId,
    plan: "plan.yaml",
    workstreams: workstreamIds,
    only: null,
    concurrency: 2,
    sandbox: null,
    repo: "../widget",
  });
  await append(0, "workstream.started", "ws-accepted", { goal: "Fix the widget." });
  await append(0, "workstream.started", "ws-rejected", { goal: "Count words." });
  await append(1, "worker.started", "ws-accepted", { attempt: 1, provider: "command" });
  await append(1, "worker.started", "ws-rejected", { attempt: 1, provider: "command" });

  await append(10, "claim.made", "ws-accepted", {
    claim: 1,
    summary: scriptSummary,
    commit: "a".repeat(40),
    head: "a".repeat(40),
    uncommitted_changes: [],
  });
  await append(12, "gate.failed", "ws-accepted", {
    claim: 1,
    gate: "local_check",
    detail: "`npm test` exited 1",
    observed: { exit_code: 1 },
    command: command("ws-accepted", 1, 1, firstCheckLog),
  });
  await append(12, "claim.rejected", "ws-accepted", { claim: 1, failed_gates: ["local_check"] });
  await append(12, "signal.detected", "ws-accepted", {
    signal: "claim_rejected",
    summary: "local_check failed",
    failing_gates: ["local_check"],
  });
  await append(12, "intervention.applied", "ws-accepted", {
    playbook: "failing-tests",
    signal: "claim_rejected",
    delivery: "tool_result",
    attempt: 1,
    max_attempts: 3,
  });
  await append(20, "worker.usage", "ws-accepted", {
    attempt: 1,
    model: "claude-sonnet-5-5",
    turns: 5,
    input_tokens: 1000,
    output_tokens: 200,
    cache_read_tokens: 300,
    cache_write_tokens: 50,
    cost_usd: 0.25,
  });
  await append(30, "claim.made", "ws-accepted", {
    claim: 2,
    summary: "fixed for real",
    commit: "b".repeat(40),
    head: "b".repeat(40),
    uncommitted_changes: [],
  });
  await append(32, "gate.passed", "ws-accepted", {
    claim: 2,
    gate: "local_check",
    detail: "`npm test` exited 0",
    observed: { exit_code: 0 },
    command: command("ws-accepted", 2, 0, secondCheckLog),
  });
  await append(33, "gate.passed", "ws-accepted", {
    claim: 2,
    gate: "ci_green",
    detail: `CI green on bbbbbbbbbbbb: ci`,
    observed: {
      ci_state: "success",
      checks: [{ name: "ci", status: "completed", conclusion: "success", details: ciLogFile }],
    },
  });
  await append(33, "claim.accepted", "ws-accepted", { claim: 2, commit: "b".repeat(40) });
  await append(34, "worker.exited", "ws-accepted", {
    attempt: 1,
    exit_code: 0,
    signal: null,
    description: "exited 0",
    duration_ms: 33_000,
  });

  await append(40, "worker.usage", "ws-rejected", {
    attempt: 1,
    model: "claude-sonnet-5-5",
    turns: 8,
    input_tokens: 2000,
    output_tokens: 400,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd: 0.5,
  });
  await append(60, "worker.exited", "ws-rejected", {
    attempt: 1,
    exit_code: null,
    signal: null,
    description: "stopped after 30 s without activity",
    duration_ms: 59_000,
  });
  await append(60, "signal.detected", "ws-rejected", {
    signal: "idle",
    summary: "no activity",
    failing_gates: [],
  });
  await append(60, "playbook.exhausted", "ws-rejected", { playbook: "idle", signal: "idle" });
  await append(60, "escalation.opened", "ws-rejected", {
    escalation: "ws-rejected-1",
    question: imageQuestion,
    source: "monitor",
  });
  await append(180, "escalation.decided", "ws-rejected", {
    escalation: "ws-rejected-1",
    decided_by: "ann",
    decision: "approve",
    note: "go on",
    text: null,
    waive: [],
  });
  await append(181, "worker.started", "ws-rejected", { attempt: 2, provider: "command" });
  await append(190, "claim.made", "ws-rejected", {
    claim: 1,
    summary: "words counted",
    commit: "c".repeat(40),
    head: "c".repeat(40),
    uncommitted_changes: [],
  });
  await append(192, "gate.failed", "ws-rejected", {
    claim: 1,
    gate: "local_check",
    detail: "`npm test` exited 1",
    observed: { exit_code: 1 },
    command: command("ws-rejected", 1, 1, pytestTail),
  });
  await append(192, "claim.rejected", "ws-rejected", { claim: 1, failed_gates: ["local_check"] });
  await append(192, "signal.detected", "ws-rejected", {
    signal: "claim_rejected",
    summary: "local_check failed",
    failing_gates: ["local_check"],
  });
  await append(200, "claim.made", "ws-rejected", {
    claim: 2,
    summary: "committed now",
    commit: null,
    head: "c".repeat(40),
    uncommitted_changes: ["?? src/words.ts"],
  });
  await append(200, "gate.failed", "ws-rejected", {
    claim: 2,
    gate: "local_check",
    detail: "the claim names no commit: uncommitted changes in src/words.ts",
    observed: {},
  });
  await append(200, "claim.rejected", "ws-rejected", { claim: 2, failed_gates: ["local_check"] });
  await append(200, "workstream.rejected", "ws-rejected", { reason: rejectionReason });
  await append(201, "worker.exited", "ws-rejected", {
    attempt: 2,
    exit_code: 0,
    signal: null,
    description: "exited 0",
    duration_ms: 20_000,
  });
  await append(202, "run.finished", null, {
    verdicts: { "ws-accepted": "accepted", "ws-rejected": "rejected" },
  });
  await journal.close();

  await writeText(join(run.dir, checkLog("ws-accepted", 1)), `> npm test\n${firstCheckLog}`);
  await writeText(join(run.dir, checkLog("ws-accepted", 2)), `> npm test\n${secondCheckLog}`);
  await writeText(join(run.dir, "evidence", "ws-accepted", "bundle.md"), "# Evidence: ws-accepted\n");
  await writeText(ciLogFile, ciLog);

  const { events } = await readJournal(run.journalFile);
  return {
    stateDirectory,
    run: { ...run, isFinished: true, startedAt: events[0]!.ts },
    events,
    state: foldEvents(workstreamIds, events),
    ciLogFile,
    cleanup: () => rm(stateDirectory, { recursive: true, force: true }),
  };
}

async function writeText(file: string, text: string): Promise<void> {
  await mkdir(join(file, ".."), { recursive: true });
  await writeFile(file, text);
}
