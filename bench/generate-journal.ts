/**
 * A synthetic journal of a finished campaign, for timing a resume: 100 model workstreams, each
 * started, checked out, many model turns, pushed, a PR merged, a claim with four passing gates,
 * accepted. Lines are encoded by the journal's own encoder, so checksums and seq are real.
 */
import { writeFileSync } from "node:fs";
import { encodeJournalLine } from "../src/run/journal.ts";

export interface GeneratedJournal {
  file: string;
  workstreamIds: string[];
  eventCount: number;
}

interface PendingEvent {
  type: string;
  workstream: string | null;
  data: Record<string, unknown>;
}

const sha = (seed: number) => seed.toString(16).padStart(8, "0").repeat(5);

function eventsOfWorkstream(id: string, index: number, usageEvents: number): PendingEvent[] {
  const commit = sha(index + 1);
  const gate = (name: string) => ({
    type: "gate.passed",
    workstream: id,
    data: {
      claim: 1,
      gate: name,
      detail: "`npm test` exited 0",
      observed: { exit_code: 0 },
      command: {
        command: "npm test",
        exitCode: 0,
        signal: null,
        isTimedOut: false,
        durationMs: 5123,
        log: `evidence/${id}/logs/claim-1-${name}.log`,
        outputTail: "ok 1 - parses\nok 2 - renders\n# tests 2\n# pass 2\n",
      },
    },
  });
  const events: PendingEvent[] = [
    { type: "workstream.started", workstream: id, data: { goal: `make ${id} work` } },
    {
      type: "checkout.created",
      workstream: id,
      data: { path: `/state/checkouts/${id}`, branch: `supervise/${id}`, base_sha: sha(0) },
    },
    { type: "worker.started", workstream: id, data: { attempt: 1, provider: "anthropic" } },
  ];
  for (let turn = 0; turn < usageEvents; turn++) {
    events.push({
      type: "worker.usage",
      workstream: id,
      data: {
        attempt: 1,
        model: "claude-sonnet-5-5",
        turns: 1,
        input_tokens: 1200 + turn,
        output_tokens: 180,
        cache_read_tokens: 20_000 + 400 * turn,
        cache_write_tokens: 400,
        cost_usd: 0.0123,
      },
    });
  }
  events.push(
    { type: "push.intended", workstream: id, data: { sha: commit, branch: `supervise/${id}` } },
    { type: "push.completed", workstream: id, data: { sha: commit, branch: `supervise/${id}` } },
    {
      type: "pull_request.intended",
      workstream: id,
      data: { head: `supervise/${id}`, base: "main", sha: commit },
    },
    {
      type: "merge.intended",
      workstream: id,
      data: { number: index + 101, expected_head: commit, method: "squash" },
    },
    {
      type: "merge.completed",
      workstream: id,
      data: { number: index + 101, merge_commit: sha(index + 7) },
    },
    {
      type: "claim.made",
      workstream: id,
      data: { claim: 1, summary: "done, tests pass", commit, head: commit, uncommitted_changes: [] },
    },
    gate("local_check"),
    gate("release_build"),
    gate("ci_green"),
    gate("pr_merged"),
    { type: "claim.accepted", workstream: id, data: { claim: 1, commit, forge_requests: 4 } },
    {
      type: "worker.exited",
      workstream: id,
      data: { attempt: 1, exit_code: 0, signal: null, description: "exited 0", duration_ms: 600_000 },
    },
  );
  return events;
}

/** Fixed events per workstream besides the model turns (see eventsOfWorkstream). */
const fixedEventsPerWorkstream = 15;

export function generateJournal(
  file: string,
  options: { events: number; workstreams: number },
): GeneratedJournal {
  const workstreamIds = Array.from({ length: options.workstreams }, (_, index) => `ws-${index + 1}`);
  const usageTotal = options.events - 2 - options.workstreams * fixedEventsPerWorkstream;
  const pending: PendingEvent[] = [
    {
      type: "run.started",
      workstream: null,
      data: {
        run: "bench",
        plan: "bench.yaml",
        workstreams: workstreamIds,
        only: null,
        concurrency: 4,
        sandbox: { isolation: "none", network: "host" },
        forge: "local",
        repo: ".",
      },
    },
  ];
  workstreamIds.forEach((id, index) => {
    const share =
      Math.floor(usageTotal / options.workstreams) + (index < usageTotal % options.workstreams ? 1 : 0);
    pending.push(...eventsOfWorkstream(id, index, share));
  });
  pending.push({
    type: "run.finished",
    workstream: null,
    data: { verdicts: Object.fromEntries(workstreamIds.map((id) => [id, "accepted"])) },
  });
  const startMs = Date.parse("2026-11-24T08:00:00.000Z");
  const lines = pending.map(
    (event, index) =>
      encodeJournalLine(
        index + 1,
        new Date(startMs + index * 250).toISOString(),
        event.type,
        event.workstream,
        JSON.stringify(event.data),
      ).line,
  );
  writeFileSync(file, lines.join(""));
  return { file, workstreamIds, eventCount: lines.length };
}
