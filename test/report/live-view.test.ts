import { describe, expect, it } from "vitest";
import type { Output } from "../../src/cli/output.ts";
import { createLiveView } from "../../src/report/live-view.ts";
import type { JournalEvent } from "../../src/run/events.ts";
import type { RunInfo } from "../../src/run/run-store.ts";
import { initialRunState } from "../../src/run/workstream-state.ts";
import { journalEvent } from "../fakes/journal-events.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";

function fakeOutput(isTty: boolean): Output & { text: () => string } {
  const chunks: string[] = [];
  return {
    out: (text) => chunks.push(text),
    err: (text) => chunks.push(text),
    isTty,
    useColor: false,
    columns: 120,
    text: () => chunks.join(""),
  };
}

let seq = 0;
const event = (type: string, workstream: string | null, data: Record<string, unknown> = {}): JournalEvent => {
  seq += 1;
  return journalEvent(seq, `2026-01-01T00:00:${String(seq).padStart(2, "0")}.000Z`, type, workstream, data);
};

const plan = testPlan([testWorkstream("alpha"), testWorkstream("beta")]);
const run: RunInfo = {
  id: "r1",
  dir: "/state/runs/r1",
  journalFile: "/state/runs/r1/journal.jsonl",
  isFinished: false,
  startedAt: null,
};

describe("the live view", () => {
  it("draws a table on a TTY with activity, pending escalations and a progress line, and rings on an escalation", () => {
    const output = fakeOutput(true);
    const view = createLiveView({ plan, runId: "r1", output, json: false, redact: (text) => text });
    view.onEvent(
      event("run.started", null, {
        run: "r1",
        plan: "plan.yaml",
        workstreams: ["alpha", "beta"],
        only: null,
        concurrency: 2,
      }),
    );
    view.onEvent(event("workstream.started", "alpha", { goal: "alpha" }));
    view.onEvent(event("worker.started", "alpha", { attempt: 1, provider: "command" }));
    view.onEvent(event("escalation.opened", "alpha", { escalation: "alpha-1", question: "Which API?" }));
    const state = initialRunState(["alpha", "beta"]);
    view.finish(state, "/state", run);
    const text = output.text().replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    expect(output.text()).toContain("\x07");
    expect(text).toMatch(/WORKSTREAM\s+STATE\s+GATES/);
    expect(text).toMatch(/alpha\s+escalated/);
    expect(text).toContain("! alpha-1 waits on you: supervise approve|deny alpha-1");
    expect(text).toMatch(/0\/2 ended · 0 running · 0 accepted · \d+s/);
  });

  it("prints one plain line per event when not a TTY, and JSON lines with --json", () => {
    const plain = fakeOutput(false);
    const view = createLiveView({
      plan,
      runId: "r1",
      output: plain,
      json: false,
      redact: (text) => text.replaceAll("s3cret", "[REDACTED]"),
    });
    view.onEvent(
      event("claim.made", "beta", {
        claim: 1,
        commit: "abcdef1234567890",
        head: "abcdef1234567890",
        summary: "done with s3cret",
      }),
    );
    expect(plain.text()).toMatch(
      /^\d\d:\d\d:\d\d beta claim\.made claim 1 at abcdef123456: done with \[REDACTED\]\n$/,
    );
    const json = fakeOutput(false);
    createLiveView({ plan, runId: "r1", output: json, json: true, redact: (text) => text }).onEvent(
      event("run.finished", null, { verdicts: {} }),
    );
    expect(JSON.parse(json.text())).toMatchObject({ type: "run.finished", workstream: null });
  });
});
