import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WorkerExit, WorkerLauncher, WorkerStart } from "../../src/agent/worker.ts";
import { ManualClock } from "../../src/clock.ts";
import type { Forge } from "../../src/forge/forge.ts";
import { createEscalationStore } from "../../src/monitor/escalation-store.ts";
import { builtInPlaybooksDirectory, loadPlaybooks } from "../../src/monitor/playbook.ts";
import type { Plan } from "../../src/plan/schema.ts";
import type { JournalEvent } from "../../src/run/events.ts";
import { Journal } from "../../src/run/journal.ts";
import { type CheckoutPort, runSupervisor } from "../../src/run/supervisor.ts";
import { foldEvents } from "../../src/run/workstream-state.ts";
import { WorkerCommitLimitError } from "../../src/workspace/index.ts";
import { FakeCommandRunner } from "../fakes/fake-command-runner.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";

/** Checkouts held in memory: each workstream's HEAD and uncommitted files. */
class FakeCheckouts implements CheckoutPort {
  readonly heads = new Map<string, string>();
  readonly dirty = new Map<string, string[]>();
  private readonly ensured = new Map<string, number>();
  private readonly ensureWaits: { id: string; times: number; resolve: () => void }[] = [];
  /** What `git status` cannot show (skip-worktree, assume-unchanged), by checkout path. */
  readonly hidden = new Map<string, string[]>();
  async ensureCheckout(workstream: { id: string; branch: string }) {
    const times = (this.ensured.get(workstream.id) ?? 0) + 1;
    this.ensured.set(workstream.id, times);
    for (const wait of this.ensureWaits.filter((candidate) => candidate.id === workstream.id)) {
      if (times >= wait.times) wait.resolve();
    }
    const isNew = !this.heads.has(`/checkouts/${workstream.id}`);
    if (isNew) this.heads.set(`/checkouts/${workstream.id}`, "base0");
    return { path: `/checkouts/${workstream.id}`, branch: workstream.branch, baseSha: "base0", isNew };
  }
  async readCheckout(path: string) {
    return { head: this.heads.get(path) ?? "base0", uncommittedChanges: this.dirty.get(path) ?? [] };
  }
  async hiddenChanges(path: string) {
    return this.hidden.get(path) ?? [];
  }
  readonly mirrorPath = "/mirror.git";
  async diffStat() {
    return " src/a.js | 2 +-";
  }
  /** Commits the supervisor refuses to take (past the limits), with the problem. */
  readonly refused = new Map<string, string>();
  async fetchIntoMirror(workstreamId: string, sha: string) {
    const refusal = await this.workerCommitRefusal(workstreamId, sha);
    if (refusal) throw new WorkerCommitLimitError(refusal.problem, refusal.observed);
    return { commits: [], owners: [] };
  }
  async workerCommitRefusal(_workstreamId: string, sha: string) {
    const problem = this.refused.get(sha);
    return problem === undefined ? null : { problem, observed: { commit: sha } };
  }
  /**
   * Resolves once the run has asked for the workstream's checkout `times` times. Each task that
   * drives the workstream asks first, so the second ask is the run taking it up again after its
   * worker stopped; what that task waits on it reaches before any I/O.
   */
  whenEnsured(id: string, times: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    if ((this.ensured.get(id) ?? 0) >= times) resolve();
    else this.ensureWaits.push({ id, times, resolve });
    return promise;
  }
}

/** The run's events as they are recorded, so a test waits on what happened instead of on time. */
class RecordedEvents {
  private readonly waits: { type: string; resolve: (event: JournalEvent) => void }[] = [];
  readonly onEvent = (event: JournalEvent) => {
    for (const wait of this.waits.filter((candidate) => candidate.type === event.type)) {
      this.waits.splice(this.waits.indexOf(wait), 1);
      wait.resolve(event);
    }
  };
  /** The next event of this type. */
  next<Type extends JournalEvent["type"]>(type: Type): Promise<Extract<JournalEvent, { type: Type }>> {
    const { promise, resolve } = Promise.withResolvers<Extract<JournalEvent, { type: Type }>>();
    this.waits.push({ type, resolve: resolve as (event: JournalEvent) => void });
    return promise;
  }
}

/** A human who answers the next escalation the run opens, once `until` has come. */
async function answerNextEscalation(
  recorded: RecordedEvents,
  decision: Parameters<ReturnType<typeof createEscalationStore>["decide"]>[1],
  until: Promise<void> = Promise.resolve(),
) {
  const opened = await recorded.next("escalation.opened");
  await until;
  return createEscalationStore(directory, new ManualClock()).decide(String(opened.escalation), decision);
}

/** A scripted worker: each start runs the script for (workstream, attempt). */
type Script = (start: WorkerStart, checkouts: FakeCheckouts) => Promise<void | Partial<WorkerExit>>;

function scriptedLauncher(
  scripts: Record<string, Script>,
  checkouts: FakeCheckouts,
  log: string[],
): WorkerLauncher {
  return {
    toolUsagePrompt: "Call claim_done.",
    async start(start): Promise<WorkerExit> {
      log.push(`start ${start.workstream.id}#${start.attempt}`);
      const overrides = await scripts[start.workstream.id]?.(start, checkouts);
      log.push(`exit ${start.workstream.id}#${start.attempt}`);
      return {
        exitCode: 0,
        signal: null,
        isTimedOut: false,
        isCanceled: false,
        durationMs: 1,
        description: "exited 0",
        outputTail: "",
        ...(overrides ?? {}),
      };
    },
  };
}

const commitAndClaim: Script = async (start, checkouts) => {
  checkouts.heads.set(start.checkoutPath, `${start.workstream.id}-commit-${start.attempt}`);
  await start.services.claimDone("done");
};

/** Worker commands starting with "fail" fail, unless a test has fixed them. */
const fixedCommands = new Set<string>();
const isFailing = (command: string) => command.startsWith("fail") && !fixedCommands.has(command);

/** These plans only use local gates; a forge call would be a bug in the test. */
const unusedForge = new Proxy({} as Forge, {
  get: (_target, property) => () => Promise.reject(new Error(`unexpected forge call ${String(property)}`)),
});

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-supervisor-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function runPlan(
  plan: Plan,
  scripts: Record<string, Script>,
  options: {
    runner?: FakeCommandRunner;
    concurrency?: number;
    noWait?: boolean;
    log?: string[];
    forge?: Forge;
    clock?: ManualClock;
    checkouts?: FakeCheckouts;
    recorded?: RecordedEvents;
  } = {},
) {
  const clock = options.clock ?? new ManualClock();
  const checkouts = options.checkouts ?? new FakeCheckouts();
  const log: string[] = options.log ?? [];
  const { journal, events } = await Journal.open(join(directory, "journal.jsonl"), { clock });
  const outcome = await runSupervisor({
    plan,
    runId: "run-1",
    runDirectory: directory,
    journal,
    recordedEvents: events,
    clock,
    checkouts,
    workerLauncherFor: () => scriptedLauncher(scripts, checkouts, log),
    gateServices: {
      runner: options.runner ?? new FakeCommandRunner(),
      environment: {},
      runDirectory: directory,
      ciWaitMs: 0,
      workerCommitRefusal: (workstreamId, sha) => checkouts.workerCommitRefusal(workstreamId, sha),
    },
    forge: options.forge ?? unusedForge,
    escalations: createEscalationStore(directory, clock, { pollMs: 5 }),
    playbooks: await loadPlaybooks([builtInPlaybooksDirectory]),
    redact: (text) => text,
    runWorkerCommand: async (_checkout, command) => ({
      exitCode: isFailing(command) ? 1 : 0,
      signal: null,
      isTimedOut: false,
      isCanceled: false,
      durationMs: 12,
      output: isFailing(command) ? `Error: it broke after ${Math.random()} ms\n` : "ok\n",
      outputBytes: 10,
      isOutputTruncated: false,
      error: null,
    }),
    onEvent: options.recorded?.onEvent ?? (() => {}),
    signal: new AbortController().signal,
    options: {
      only: undefined,
      concurrency: options.concurrency ?? plan.concurrency,
      noWait: options.noWait ?? false,
    },
    exitGraceMs: 0,
  });
  await journal.close();
  const { events: recorded } = await Journal.open(join(directory, "journal.jsonl"), { clock }).then(
    async (opened) => {
      await opened.journal.close();
      return opened;
    },
  );
  return { outcome, log, events: recorded };
}

const types = (events: JournalEvent[], workstream: string) =>
  events.filter((event) => event.workstream === workstream).map((event) => event.type);

describe("runSupervisor", () => {
  it("accepts a workstream whose claim passes every gate, and records why", async () => {
    const { outcome, events } = await runPlan(
      testPlan([testWorkstream("a", { done: ["local_check", "release_build"] })]),
      {
        a: commitAndClaim,
      },
    );
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(types(events, "a")).toEqual([
      "workstream.started",
      "checkout.created",
      "worker.started",
      "claim.made",
      "gate.passed",
      "gate.passed",
      "claim.accepted",
      "workstream.accepted",
      "worker.exited",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "run.finished", verdicts: { a: "accepted" } });
  });

  it("refuses forge changes from a worker whose workstream is already accepted", async () => {
    const answers: { isError: boolean; text: string }[] = [];
    const { outcome } = await runPlan(testPlan([testWorkstream("a", { done: ["local_check"] })]), {
      a: async (start, checkouts) => {
        await commitAndClaim(start, checkouts);
        // Still running after its verdict: a merge or a push now would be seen by no verification.
        answers.push(await start.services.mergePullRequest({}));
        answers.push(await start.services.push());
      },
    });
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(answers).toEqual([
      { isError: true, text: "Workstream a is accepted; the forge takes no more changes from this worker." },
      { isError: true, text: "Workstream a is accepted; the forge takes no more changes from this worker." },
    ]);
  });

  it("rejects a claim with uncommitted changes without running any command", async () => {
    const runner = new FakeCommandRunner();
    const plan = testPlan([
      testWorkstream("a", {
        stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 1, max_restarts: 0, ci_red_minutes: 15 },
      }),
    ]);
    const { outcome, events } = await runPlan(
      plan,
      {
        a: async (start, checkouts) => {
          checkouts.dirty.set(start.checkoutPath, ["?? src/feature.js"]);
          await start.services.claimDone("Implementation complete");
        },
      },
      { runner },
    );
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: false });
    expect(runner.requests).toEqual([]);
    expect(events.find((event) => event.type === "gate.failed")).toMatchObject({
      gate: "local_check",
      detail: "the claim names no commit: uncommitted changes in ?? src/feature.js",
    });
    expect(events.find((event) => event.type === "workstream.rejected")).toMatchObject({
      reason: expect.stringContaining("1 claim rejected"),
    });
  });

  it("rejects a claim with changes git status cannot show, naming the file, without reading git again", async () => {
    const runner = new FakeCommandRunner();
    const plan = testPlan([
      testWorkstream("a", {
        stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 1, max_restarts: 0, ci_red_minutes: 15 },
      }),
    ]);
    const hidden = "src/feature.js (marked skip-worktree: its changes are hidden from git status)";
    const { events } = await runPlan(
      plan,
      {
        a: async (start, checkouts) => {
          checkouts.heads.set(start.checkoutPath, "a-commit-1");
          checkouts.hidden.set(start.checkoutPath, [hidden]);
          await start.services.claimDone("Implementation complete");
        },
      },
      { runner },
    );
    expect(runner.requests).toEqual([]);
    expect(events.find((event) => event.type === "claim.made")).toMatchObject({
      commit: null,
      head: "a-commit-1",
      uncommitted_changes: [hidden],
    });
    expect(events.find((event) => event.type === "gate.failed")).toMatchObject({
      gate: "local_check",
      detail: `the claim names no commit: uncommitted changes in ${hidden}`,
      observed: { uncommitted_changes: [hidden] },
    });
  });

  it("restarts a worker that exits without a claim, then blocks it at the limit", async () => {
    const plan = testPlan([
      testWorkstream("a", {
        stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 3, max_restarts: 2, ci_red_minutes: 15 },
      }),
    ]);
    const { log, events } = await runPlan(plan, { a: async () => {} });
    expect(log).toEqual(["start a#1", "exit a#1", "start a#2", "exit a#2", "start a#3", "exit a#3"]);
    expect(events.find((event) => event.type === "workstream.blocked")).toMatchObject({
      reason: "the worker stopped 3 times without an accepted claim (limit 3)",
    });
  });

  it("runs the canary alone first, then the rest in parallel up to the concurrency", async () => {
    const plan = testPlan([testWorkstream("a"), testWorkstream("b"), testWorkstream("c")], {
      rollout: "canary",
      concurrency: 2,
    });
    const { log } = await runPlan(plan, { a: commitAndClaim, b: commitAndClaim, c: commitAndClaim });
    expect(log.slice(0, 2)).toEqual(["start a#1", "exit a#1"]);
    expect(log.slice(2, 4).sort()).toEqual(["start b#1", "start c#1"]);
  });

  it("never starts a dependent before its dependency is accepted, and blocks it when that fails", async () => {
    const failing = new FakeCommandRunner((request) => (request.cwd === "/checkouts/a" ? 1 : 0));
    const plan = testPlan([
      testWorkstream("a", {
        stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 1, max_restarts: 0, ci_red_minutes: 15 },
      }),
      testWorkstream("b", { dependsOn: ["a"] }),
    ]);
    const { log, events } = await runPlan(
      plan,
      { a: commitAndClaim, b: commitAndClaim },
      { runner: failing },
    );
    expect(log).toEqual(["start a#1", "exit a#1"]);
    expect(events.find((event) => event.type === "workstream.blocked")).toMatchObject({
      workstream: "b",
      reason: "depends on a, which ended rejected",
    });
  });

  it("resumes a run from its journal: accepted work is not redone", async () => {
    const plan = testPlan([testWorkstream("a"), testWorkstream("b", { dependsOn: ["a"] })]);
    const clock = new ManualClock();
    const file = join(directory, "journal.jsonl");
    const { journal } = await Journal.open(file, { clock });
    await journal.append("run.started", null, {
      run: "run-1",
      plan: plan.file,
      workstreams: ["a", "b"],
      only: null,
      concurrency: plan.concurrency,
      sandbox: plan.sandbox,
      repo: plan.repo,
    });
    await journal.append("workstream.started", "a", { goal: "a" });
    await journal.append("worker.started", "a", { attempt: 1, provider: "command" });
    const claim = { claim: 1, commit: "a-commit-1" };
    await journal.append("claim.made", "a", {
      ...claim,
      summary: "done",
      head: "a-commit-1",
      uncommitted_changes: [],
    });
    await journal.append("gate.passed", "a", { claim: 1, gate: "local_check", detail: "ok", observed: {} });
    await journal.append("claim.accepted", "a", claim);
    await journal.close();
    const { log, events, outcome } = await runPlan(plan, { a: commitAndClaim, b: commitAndClaim });
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(log).toEqual(["start b#1", "exit b#1"]);
    // The worker of `a` was running when the journal stopped; the resume records that it is gone.
    expect(events.filter((event) => event.type === "worker.exited" && event.workstream === "a")).toHaveLength(
      1,
    );
    expect(events.filter((event) => event.type === "run.resumed")).toHaveLength(1);
  });
});

describe("a claimed commit past the limits on what the supervisor takes", () => {
  it("is claimed and rejected: every gate fails with the figures, nothing runs, nothing is pushed", async () => {
    const runner = new FakeCommandRunner();
    const checkouts = new FakeCheckouts();
    const problem = "the claimed commit's tree has 100,002 files, over the 50,000 the supervisor checks out";
    checkouts.refused.set("a-commit-1", problem);
    const baseOnlyForge = new Proxy({} as Forge, {
      get: (_target, property) =>
        property === "baseSha"
          ? async () => "base0"
          : () => Promise.reject(new Error(`unexpected forge call ${String(property)}`)),
    });
    const answers: { isError: boolean; text: string }[] = [];
    const plan = testPlan([
      testWorkstream("a", {
        done: ["local_check", "diff_scope"],
        stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 1, max_restarts: 0, ci_red_minutes: 15 },
      }),
    ]);
    const { outcome, events } = await runPlan(
      plan,
      {
        a: async (start, fakes) => {
          fakes.heads.set(start.checkoutPath, "a-commit-1");
          answers.push(await start.services.push());
          answers.push(await start.services.claimDone("done"));
        },
      },
      { runner, checkouts, forge: baseOnlyForge },
    );

    expect(outcome).toMatchObject({ kind: "finished", allAccepted: false });
    expect(runner.requests).toEqual([]);
    expect(
      types(events, "a").filter(
        (type) => type.startsWith("claim.") || type.startsWith("gate.") || type.startsWith("push."),
      ),
    ).toEqual(["claim.made", "gate.failed", "gate.failed", "claim.rejected"]);
    expect(events.filter((event) => event.type === "gate.failed")).toMatchObject([
      { gate: "local_check", detail: problem, observed: { worker_commit_limits: { commit: "a-commit-1" } } },
      { gate: "diff_scope", detail: problem },
    ]);
    expect(answers[0]).toEqual({
      isError: true,
      text: `Refused: the supervisor does not take HEAD (a-commit-1): ${problem}. Nothing was pushed. Commit only the change itself (no generated trees, no large binaries, no deeply nested folders), rewrite the commits that added the rest (for example \`git reset --soft base0\` and commit again without it), and try again.`,
    });
    expect(answers[1]).toMatchObject({ isError: true, text: expect.stringContaining(problem) });
  });
});

describe("runSupervisor scheduling races", () => {
  it("starts each workstream once even when dependents become ready while others are starting", async () => {
    const plan = testPlan(
      [
        testWorkstream("a"),
        testWorkstream("b"),
        testWorkstream("c", { dependsOn: ["a"] }),
        testWorkstream("d", { dependsOn: ["a"] }),
        testWorkstream("e", { dependsOn: ["b"] }),
      ],
      { concurrency: 4 },
    );
    const { events, outcome } = await runPlan(plan, {
      a: commitAndClaim,
      b: commitAndClaim,
      c: commitAndClaim,
      d: commitAndClaim,
      e: commitAndClaim,
    });
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    const starts = events
      .filter((event) => event.type === "workstream.started")
      .map((event) => event.workstream);
    expect(starts.sort()).toEqual(["a", "b", "c", "d", "e"]);
  });
});

describe("runSupervisor escalations", () => {
  it("blocks a worker's ask_human until a human decides, and hands it the answer", async () => {
    const answers: string[] = [];
    const plan = testPlan([testWorkstream("a")]);
    const recorded = new RecordedEvents();
    const human = answerNextEscalation(recorded, {
      kind: "reply",
      text: "use the v2 API",
      decidedBy: "tester",
    });
    const { events, outcome } = await runPlan(
      plan,
      {
        a: async (start, checkouts) => {
          answers.push((await start.services.askHuman("Which API version?")).text);
          await commitAndClaim(start, checkouts);
        },
      },
      { recorded },
    );
    await human;
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(answers[0]).toContain("**replied**");
    expect(answers[0]).toContain("Their reply: use the v2 API");
    expect(events.filter((event) => event.type.startsWith("escalation."))).toMatchObject([
      { type: "escalation.opened", escalation: "a-1", question: "Which API version?" },
      { type: "escalation.decided", escalation: "a-1", decision: "reply", text: "use the v2 API" },
    ]);
  });
});

describe("--no-wait", () => {
  it("stops with waiting_on_human once only escalations remain, and resumes with the decision", async () => {
    const plan = testPlan([testWorkstream("a")]);
    const prompts: string[] = [];
    const scripts: Record<string, Script> = {
      a: async (start, checkouts) => {
        prompts.push(start.prompt);
        if (start.attempt === 1) {
          await start.services.askHuman("May I drop the legacy endpoint?");
          return;
        }
        await commitAndClaim(start, checkouts);
      },
    };
    const first = await runPlan(plan, scripts, { noWait: true });
    expect(first.outcome).toMatchObject({ kind: "stopped", reason: "waiting_on_human" });
    expect(first.events.at(-1)).toMatchObject({
      type: "run.stopped",
      reason: "waiting_on_human",
      pending_escalations: ["a-1"],
    });

    await createEscalationStore(directory, new ManualClock()).decide("a-1", {
      kind: "approve",
      note: "yes, it is dead",
      decidedBy: "tester",
    });
    const second = await runPlan(plan, scripts, { noWait: true });
    expect(second.outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(prompts).toHaveLength(2);
    expect(prompts[1]).toContain(
      'A human decided your last escalation: a-1 ("May I drop the legacy endpoint?"): approve — yes, it is dead',
    );
  });
});

describe("the repeat signal", () => {
  it("hands the looping playbook to a worker repeating a failing command, then escalates when it keeps on", async () => {
    const plan = testPlan([
      testWorkstream("a", {
        stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 3, max_restarts: 0, ci_red_minutes: 15 },
      }),
    ]);
    const messages: string[][] = [];
    const { events, outcome } = await runPlan(
      plan,
      {
        a: async (start) => {
          for (let round = 0; round < 2; round++) {
            for (let run = 0; run < 3; run++) await start.services.runCommand("fail --always", 1000);
            messages.push(start.services.takeSupervisorMessages());
          }
        },
      },
      { noWait: true },
    );
    expect(messages[0]).toHaveLength(1);
    expect(messages[0]![0]).toContain("Looping on one failing command");
    expect(messages[0]![0]).toContain("`fail --always` failed the same way 3 times in a row (exit 1)");
    expect(events.filter((event) => event.type === "intervention.applied")).toMatchObject([
      { playbook: "looping-on-one-command", signal: "repeat", delivery: "tool_result" },
    ]);
    expect(events.find((event) => event.type === "playbook.exhausted")).toMatchObject({
      playbook: "looping-on-one-command",
    });
    expect(events.find((event) => event.type === "escalation.opened")).toMatchObject({ source: "monitor" });
    expect(outcome).toMatchObject({ kind: "stopped", reason: "waiting_on_human" });
  });
});

describe("the model_blocked signal", () => {
  it("retries once with the model-blocked playbook, then asks a human", async () => {
    const plan = testPlan([
      testWorkstream("a", {
        stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 3, max_restarts: 5, ci_red_minutes: 15 },
      }),
    ]);
    const { events, outcome, log } = await runPlan(
      plan,
      {
        a: async () => ({
          exitCode: 1,
          description: "the Messages API failed (after the SDK's retries): 529 overloaded_error: Overloaded",
          blockedReason: "api_error",
        }),
      },
      { noWait: true },
    );
    expect(log).toEqual(["start a#1", "exit a#1", "start a#2", "exit a#2"]);
    expect(events.filter((event) => event.type === "signal.detected").map((event) => event.signal)).toEqual([
      "model_blocked",
      "model_blocked",
    ]);
    expect(events.find((event) => event.type === "intervention.applied")).toMatchObject({
      playbook: "model-blocked",
    });
    expect(events.find((event) => event.type === "escalation.opened")).toMatchObject({ source: "monitor" });
    expect(outcome).toMatchObject({ kind: "stopped", reason: "waiting_on_human" });
  });
});

describe("a spend limit", () => {
  it("asks a human at once: a restart cannot lift it", async () => {
    const plan = testPlan([testWorkstream("a")]);
    const { events, outcome, log } = await runPlan(
      plan,
      {
        a: async () => ({
          exitCode: 1,
          description: "the API refused with a spend limit (429 without retry-after), which is not retried",
          blockedReason: "spend_limit",
        }),
      },
      { noWait: true },
    );
    expect(log).toEqual(["start a#1", "exit a#1"]);
    expect(events.filter((event) => event.type === "intervention.applied")).toEqual([]);
    const opened = events.find((event) => event.type === "escalation.opened");
    expect(opened).toMatchObject({ source: "monitor" });
    expect(String(opened?.question)).toContain("Restarting the worker cannot lift it");
    expect(outcome).toMatchObject({ kind: "stopped", reason: "waiting_on_human" });
  });
});

describe("an approval with a waiver", () => {
  it("turns the named failed gates into waived (never pass) and accepts the claim as it stands", async () => {
    const failing = new FakeCommandRunner(() => 1);
    const plan = testPlan([testWorkstream("a", { done: ["local_check"] })]);
    const recorded = new RecordedEvents();
    const human = answerNextEscalation(recorded, {
      kind: "approve",
      note: "the suite needs a GPU",
      decidedBy: "lead",
      waive: ["local_check"],
    });
    const answers: string[] = [];
    const { events, outcome } = await runPlan(
      plan,
      {
        a: async (start, checkouts) => {
          checkouts.heads.set(start.checkoutPath, "a-commit-1");
          await start.services.claimDone("done, but the check needs a GPU");
          answers.push(
            (await start.services.askHuman("The check needs a GPU this machine lacks; waive it?")).text,
          );
        },
      },
      { runner: failing, recorded },
    );
    await human;
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(answers[0]).toContain("accepted with that waiver");
    expect(
      events.filter((event) =>
        ["gate.failed", "gate.waived", "claim.rejected", "claim.accepted_with_waiver"].includes(event.type),
      ),
    ).toMatchObject([
      { type: "gate.failed", gate: "local_check" },
      { type: "claim.rejected", claim: 1 },
      { type: "gate.waived", gate: "local_check", claim: 1 },
      { type: "claim.accepted_with_waiver", claim: 1, waived: ["local_check"], decided_by: "lead" },
    ]);
    const bundle = JSON.parse(readFileSync(join(directory, "evidence", "a", "bundle.json"), "utf8"));
    expect(bundle).toMatchObject({ verdict: "accepted", gates: [{ id: "local_check", status: "waived" }] });
  });
});

describe("the ci_red signal", () => {
  it("hands the CI playbook to a worker whose PR head stays red past ci_red_minutes", async () => {
    const clock = new ManualClock();
    const head = "f".repeat(40);
    const redForge = new Proxy({} as Forge, {
      get: (_target, property) => {
        if (property === "findPullRequest") {
          return async () => ({
            number: 3,
            url: "file:///pulls/3.json",
            title: "t",
            body: "",
            head: "supervise/a",
            headSha: head,
            base: "main",
            state: "open",
            isMerged: false,
            mergeCommitSha: null,
            mergedAt: null,
          });
        }
        if (property === "ciStatus") {
          return async () => ({
            sha: head,
            state: "failure",
            checks: [
              {
                name: "ci",
                status: "completed",
                conclusion: "failure",
                detailsUrl: null,
                startedAt: null,
                completedAt: null,
                summary: "sh: 1: vitest: not found",
              },
            ],
          });
        }
        if (property === "commentOnPullRequest") return undefined;
        return () => Promise.reject(new Error(`unexpected forge call ${String(property)}`));
      },
    });
    const messages: string[] = [];
    const { events } = await runPlan(
      testPlan([
        testWorkstream("a", {
          stall: {
            idle_seconds: 6000,
            repeat_limit: 3,
            max_rejections: 3,
            max_restarts: 0,
            ci_red_minutes: 15,
          },
        }),
      ]),
      {
        a: async (start, checkouts) => {
          checkouts.heads.set(start.checkoutPath, head);
          await start.services.ciStatus();
          clock.advance(16 * 60_000);
          await start.services.ciStatus();
          // Through `supervise tool` the queued message rides on this very result (callWorkerTool).
          messages.push(...start.services.takeSupervisorMessages());
        },
      },
      { forge: redForge, clock },
    );
    expect(events.find((event) => event.type === "signal.detected")).toMatchObject({ signal: "ci_red" });
    expect(events.find((event) => event.type === "intervention.applied")).toMatchObject({
      playbook: "ci-only-failure",
      signal: "ci_red",
    });
    expect(messages[0]).toContain("CI fails where the checkout passes");
  });
});

describe("a spent budget", () => {
  const budgetPlan = () =>
    testPlan([testWorkstream("a", { budget: { minutes: 60, turns: 3, tokens: 2_000_000, usd: 10 } })]);
  /** A model worker that spends the turns its start was given (as the model loop does), then claims on a later start. */
  const spendThenClaim =
    (starts: WorkerStart[]): Script =>
    async (start, checkouts) => {
      starts.push(start);
      if (start.attempt > 1) return commitAndClaim(start, checkouts);
      for (let turn = 0; turn < start.workstream.budget.turns; turn++) {
        await start.onUsage({
          turns: 1,
          inputTokens: 10,
          outputTokens: 5,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 0.001,
          model: "claude-test",
        });
      }
      return { exitCode: 1, description: "stopped: turn budget reached" };
    };

  it("stops the worker and asks a human instead of dropping the workstream", async () => {
    const starts: WorkerStart[] = [];
    const { events, outcome } = await runPlan(budgetPlan(), { a: spendThenClaim(starts) }, { noWait: true });
    expect(events.filter((event) => event.type === "worker.usage")).toHaveLength(3);
    expect(events.find((event) => event.type === "worker.exited")).toMatchObject({
      description: "stopped: turn budget reached",
    });
    // A spent budget goes to a human, never to the stopped-without-claim playbook.
    expect(events.filter((event) => event.type === "intervention.applied")).toEqual([]);
    expect(events.find((event) => event.type === "signal.detected")).toMatchObject({
      signal: "budget_exhausted",
      summary: "budget exhausted: 3 of 3 turns",
    });
    const opened = events.find((event) => event.type === "escalation.opened");
    expect(opened).toMatchObject({ source: "budget", escalation: "a-1" });
    expect(String(opened?.question)).toContain("has spent its budget: 3 of 3 turns");
    expect(outcome).toMatchObject({ kind: "stopped", reason: "waiting_on_human" });
    const record = await createEscalationStore(directory, new ManualClock()).read("a-1");
    expect(record).toMatchObject({ source: "budget", status: "pending" });
  });

  it("grants the plan's budget once more on approval, and the worker starts again with it", async () => {
    const starts: WorkerStart[] = [];
    await runPlan(budgetPlan(), { a: spendThenClaim(starts) }, { noWait: true });
    await createEscalationStore(directory, new ManualClock()).decide("a-1", {
      kind: "approve",
      note: "worth it",
      decidedBy: "tester",
    });
    const { events, outcome } = await runPlan(budgetPlan(), { a: spendThenClaim(starts) }, { noWait: true });
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(types(events, "a")).toContain("budget.extended");
    expect(starts).toHaveLength(2);
    // What is left after the grant: 6 turns in all, 3 already spent.
    expect(starts[1]!.workstream.budget.turns).toBe(3);
    expect(starts[1]!.prompt).toContain("approve — worth it");
  });

  it("aborts the workstream with the reason when the human denies more budget", async () => {
    const starts: WorkerStart[] = [];
    await runPlan(budgetPlan(), { a: spendThenClaim(starts) }, { noWait: true });
    await createEscalationStore(directory, new ManualClock()).decide("a-1", {
      kind: "deny",
      note: "not worth it",
      decidedBy: "tester",
    });
    const { events, outcome } = await runPlan(budgetPlan(), { a: spendThenClaim(starts) }, { noWait: true });
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: false });
    expect(events.find((event) => event.type === "workstream.aborted")).toMatchObject({
      reason: "tester denied more budget (escalation a-1): not worth it",
    });
    expect(starts).toHaveLength(1);
  });
});

describe("the same error surviving edits", () => {
  it("is a repeat even when every attempt runs a different command", async () => {
    const plan = testPlan([testWorkstream("a")]);
    const messages: string[] = [];
    const { events } = await runPlan(plan, {
      a: async (start, checkouts) => {
        for (const [edit, command] of [
          "fail npm test",
          "fail npx vitest run",
          "fail node test.js",
        ].entries()) {
          // An edit between runs: the checkout changes, the error does not.
          checkouts.dirty.set(start.checkoutPath, [`src/try-${edit}.js`]);
          await start.services.runCommand(command, 1000);
          await start.services.runCommand("git add -A", 1000);
        }
        messages.push(...start.services.takeSupervisorMessages());
        checkouts.dirty.delete(start.checkoutPath);
        await commitAndClaim(start, checkouts);
      },
    });
    const signal = events.find((event) => event.type === "signal.detected");
    expect(signal).toMatchObject({ signal: "repeat" });
    expect(String(signal?.summary)).toContain("The same error survived 3 different states of the checkout");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain("Error: it broke after 0s");
  });

  it("is not a repeat when the same command is shown the error is gone", async () => {
    const plan = testPlan([testWorkstream("a")]);
    const { events } = await runPlan(plan, {
      a: async (start, checkouts) => {
        for (const edit of [0, 1]) {
          checkouts.dirty.set(start.checkoutPath, [`src/try-${edit}.js`]);
          await start.services.runCommand("fail npm test", 1000);
        }
        fixedCommands.add("fail npm test");
        await start.services.runCommand("fail npm test", 1000);
        fixedCommands.delete("fail npm test");
        checkouts.dirty.set(start.checkoutPath, ["src/try-2.js"]);
        await start.services.runCommand("fail npm test", 1000);
        checkouts.dirty.delete(start.checkoutPath);
        await commitAndClaim(start, checkouts);
      },
    });
    expect(events.filter((event) => event.type === "signal.detected").map((event) => event.summary)).toEqual(
      [],
    );
  });
});

describe("a worker stopped while the supervisor answers it", () => {
  it("journals one decision when the worker dies while its ask_human waits", async () => {
    const plan = testPlan([testWorkstream("a")]);
    const recorded = new RecordedEvents();
    const checkouts = new FakeCheckouts();
    const opened = recorded.next("escalation.opened");
    // The human answers only once the run has taken the workstream up again and waits on the
    // same escalation as the stopped worker's ask_human.
    const human = answerNextEscalation(
      recorded,
      { kind: "reply", text: "yes", decidedBy: "tester" },
      checkouts.whenEnsured("a", 2),
    );
    const { events, outcome } = await runPlan(
      plan,
      {
        a: async (start, checkouts) => {
          if (start.attempt > 1) return commitAndClaim(start, checkouts);
          // Like a worker stopped by its time budget while a human has not answered yet.
          void start.services.askHuman("May I?").catch(() => {});
          await opened;
          return { exitCode: null, isCanceled: true, description: "stopped" };
        },
      },
      { recorded, checkouts },
    );
    await human;
    expect(events.filter((event) => event.type === "escalation.decided")).toHaveLength(1);
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(() => foldEvents(["a"], events)).not.toThrow();
  });

  it("verifies a claim once when its worker dies while the verdict is out", async () => {
    /** A gate command that starts, then finishes only when the test lets it. */
    class HeldRunner extends FakeCommandRunner {
      readonly started = Promise.withResolvers<void>();
      readonly release = Promise.withResolvers<void>();
      override async run(request: Parameters<FakeCommandRunner["run"]>[0]) {
        this.started.resolve();
        await this.release.promise;
        return super.run(request);
      }
    }
    const runner = new HeldRunner();
    const checkouts = new FakeCheckouts();
    // The verdict comes once the run has taken the workstream up again, so it joins this verification.
    void checkouts.whenEnsured("a", 2).then(() => runner.release.resolve());
    const plan = testPlan([testWorkstream("a", { done: ["local_check"] })]);
    const { events, outcome } = await runPlan(
      plan,
      {
        a: async (start, checkouts) => {
          checkouts.heads.set(start.checkoutPath, "c1");
          void start.services.claimDone("done").catch(() => {});
          await runner.started.promise;
          return { exitCode: null, isCanceled: true, description: "stopped" };
        },
      },
      { runner, checkouts },
    );
    expect(events.filter((event) => event.type === "claim.accepted")).toHaveLength(1);
    expect(types(events, "a")).not.toContain("claim.reverifying");
    expect(outcome).toMatchObject({ kind: "finished", allAccepted: true });
    expect(() => foldEvents(["a"], events)).not.toThrow();
  });
});
