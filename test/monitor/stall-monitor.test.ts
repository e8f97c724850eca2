import { describe, expect, it } from "vitest";
import type { WorkerExit } from "../../src/agent/worker.ts";
import { ManualClock } from "../../src/clock.ts";
import type { PullRequest } from "../../src/forge/forge.ts";
import type { Playbook, SignalKind } from "../../src/monitor/playbook.ts";
import { type MonitorInputs, StallMonitor } from "../../src/monitor/stall-monitor.ts";
import type { Workstream } from "../../src/plan/schema.ts";
import { initialWorkstreamState, type WorkstreamState } from "../../src/run/workstream-state.ts";
import type { CommandResult } from "../../src/sandbox/run-command.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";

const checkoutPath = "/checkouts/a";

/** A playbook as the matcher reads it, with a body that shows every variable the monitor fills. */
function playbook(id: string, signals: SignalKind[], overrides: Partial<Playbook> = {}): Playbook {
  return {
    id,
    title: `Title of ${id}`,
    file: `/playbooks/${id}.md`,
    signals,
    gates: [],
    logPatterns: [],
    namedByGates: [],
    maxAttempts: 2,
    onExhausted: "escalate",
    body: "{{signal}} in {{workstream}} ({{goal}}) on {{branch}} into {{base}}, attempt {{attempt}}/{{max_attempts}}:\n{{evidence}}\nDone when:\n{{gates}}",
    ...overrides,
  };
}

const looping = playbook("looping", ["repeat"]);
const stuck = playbook("stuck", ["no_progress"], { onExhausted: "continue" });
const ciPlaybook = playbook("ci", ["ci_red"], { gates: ["ci_green"] });
const budgetPlaybook = playbook("budget", ["budget_warning"], { maxAttempts: 1 });
const stopped = playbook("stopped", ["stopped_without_claim", "stopped_after_pr", "idle", "model_blocked"]);

/** What the run passes the monitor, held as plain data the test changes between observations. */
class MonitorWorld {
  readonly clock = new ManualClock();
  state: WorkstreamState = {
    ...initialWorkstreamState("a"),
    status: "running",
    startedAt: new Date(this.clock.now()).toISOString(),
  };
  readonly attempts = new Map<string, number>();
  checkout = { head: "base0", uncommittedChanges: [] as string[] };
  /** How many times the checkout was read: a busy worker should cost none. */
  checkoutReads = 0;
  pullRequest: PullRequest | null = null;
  pullRequestLookups = 0;
  /** The idle watch's tick, and the interval it asked for; the test ticks by hand. */
  tick: (() => Promise<void>) | null = null;
  tickIntervalMs: number | null = null;
  playbooks: Playbook[] = [looping, stuck, ciPlaybook, budgetPlaybook, stopped];

  monitor(): StallMonitor {
    const inputs: MonitorInputs = {
      clock: this.clock,
      playbooks: this.playbooks,
      base: "main",
      checkouts: {
        readCheckout: async (path) => {
          expect(path).toBe(checkoutPath);
          this.checkoutReads += 1;
          return { head: this.checkout.head, uncommittedChanges: [...this.checkout.uncommittedChanges] };
        },
        diffStat: async () => "",
      },
      forge: {
        findPullRequest: async (query) => {
          expect(query).toEqual({ head: "supervise/a", base: "main" });
          this.pullRequestLookups += 1;
          return this.pullRequest;
        },
      },
      workstreamState: () => this.state,
      playbookAttempts: () => this.attempts,
      definitionOfDone: (workstream) => workstream.done.map((gate) => `- ${gate}`).join("\n"),
      every: (intervalMs, tick) => {
        this.tickIntervalMs = intervalMs;
        this.tick = tick;
        return () => {
          this.tick = null;
        };
      },
    };
    return new StallMonitor(inputs);
  }
}

const stall = { idle_seconds: 600, repeat_limit: 3, max_rejections: 3, max_restarts: 2, ci_red_minutes: 15 };
const workstream: Workstream = testWorkstream("a", { stall });

function failed(output: string, exitCode = 1): CommandResult {
  return {
    exitCode,
    signal: null,
    isTimedOut: false,
    isCanceled: false,
    durationMs: 5,
    output,
    outputBytes: output.length,
    isOutputTruncated: false,
    error: null,
  };
}

const passed = failed("ok\n", 0);

/** The intervention prompt around a test playbook's guidance (rendered trimmed) for workstream `a`. */
function interventionText(playbookId: string, signal: string, attempt: string, evidence: string): string {
  const guidance = `${signal} in a (goal of a) on supervise/a into main, attempt ${attempt}:\n${evidence}\nDone when:\n- local_check`;
  return `**The supervisor intervenes — Title of ${playbookId}.**\n\n${guidance}`;
}

describe("the repeat signal: one command failing the same way", () => {
  it("intervenes on the third failure in a row, whatever numbers the output carries", async () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const decisions = [];
    for (const ms of [12, 40, 7]) {
      decisions.push(
        await monitor.afterCommand(workstream, checkoutPath, "npm test", failed(`took ${ms} ms\n`)),
      );
    }
    const evidence = "`npm test` failed the same way 3 times in a row (exit 1):\ntook 7 ms\n";
    expect(decisions).toEqual([
      null,
      null,
      {
        kind: "intervene",
        signal: { kind: "repeat", failingGates: [], logText: evidence, evidence },
        summary: "`npm test` failed the same way 3 times in a row (exit 1):",
        delivery: "tool_result",
        playbook: looping,
        attempt: 1,
        text: interventionText("looping", "repeat", "1/2", evidence),
      },
    ]);
  });

  it("starts counting again after a pass or a different failure", async () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const observe = (command: string, result: CommandResult) =>
      monitor.afterCommand(workstream, checkoutPath, command, result);
    const decisions = [
      await observe("npm test", failed("nope\n")),
      await observe("npm test", failed("nope\n")),
      await observe("npm test", passed),
      await observe("npm test", failed("nope\n")),
      await observe("npm run lint", failed("nope\n")),
      await observe("npm test", failed("nope\n")),
      await observe("npm test", failed("nope\n", 2)),
    ];
    expect(decisions).toEqual([null, null, null, null, null, null, null]);
  });

  it("escalates once the looping playbook is spent", async () => {
    const world = new MonitorWorld();
    world.attempts.set("looping", 2);
    const monitor = world.monitor();
    for (let run = 0; run < 2; run++)
      await monitor.afterCommand(workstream, checkoutPath, "x", failed("boom\n"));
    const decision = await monitor.afterCommand(workstream, checkoutPath, "x", failed("boom\n"));
    const evidence = "`x` failed the same way 3 times in a row (exit 1):\nboom\n";
    expect(decision).toEqual({
      kind: "escalate",
      signal: { kind: "repeat", failingGates: [], logText: evidence, evidence },
      summary: "`x` failed the same way 3 times in a row (exit 1):",
      delivery: "tool_result",
      escalation: { source: "monitor", playbookTitle: "Title of looping" },
      exhausted: looping,
    });
  });
});

describe("the repeat signal: one error surviving edits", () => {
  const error = (ms: number) => `Error: expected 3 to be 4 after ${ms} ms\n`;

  it("intervenes when the same error survives three states of the checkout, whatever command shows it", async () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const decisions = [];
    for (const [edit, command] of ["npm test", "npx vitest run", "node test.js"].entries()) {
      world.checkout.uncommittedChanges = [`src/try-${edit}.js`];
      decisions.push(await monitor.afterCommand(workstream, checkoutPath, command, failed(error(edit * 10))));
    }
    const evidence =
      "The same error survived 3 different states of the checkout: the edits are not reaching its cause. Last seen from `node test.js` (exit 1):\nError: expected 0 to be 0 after 0s";
    expect(decisions).toEqual([
      null,
      null,
      {
        kind: "intervene",
        signal: { kind: "repeat", failingGates: [], logText: evidence, evidence },
        summary:
          "The same error survived 3 different states of the checkout: the edits are not reaching its cause. Last seen from `node test.js` (exit 1):",
        delivery: "tool_result",
        playbook: looping,
        attempt: 1,
        text: interventionText("looping", "repeat", "1/2", evidence),
      },
    ]);
  });

  it("counts a checkout state once, and forgets the error when the command that showed it passes", async () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const observe = (command: string, result: CommandResult) =>
      monitor.afterCommand(workstream, checkoutPath, command, result);
    const decisions = [];
    world.checkout.uncommittedChanges = ["src/try-0.js"];
    decisions.push(await observe("npm test", failed(error(1))));
    decisions.push(await observe("node test.js", failed(error(2))));
    world.checkout.uncommittedChanges = ["src/try-1.js"];
    decisions.push(await observe("npm test", failed(error(3))));
    // A pass of another command proves nothing; a pass of one that showed the error does.
    decisions.push(await observe("git commit -am wip", passed));
    decisions.push(await observe("npm test", passed));
    world.checkout.uncommittedChanges = ["src/try-2.js"];
    decisions.push(await observe("npm test", failed(error(4))));
    expect(decisions).toEqual([null, null, null, null, null, null]);
  });

  it("ignores output that names no error, without reading the checkout", async () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    await monitor.afterCommand(workstream, checkoutPath, "ls missing", failed("nothing here\n"));
    expect(world.checkoutReads).toBe(0);
  });
});

describe("the no_progress signal", () => {
  it("intervenes after ten model turns without any change to the checkout", async () => {
    const world = new MonitorWorld();
    world.checkout = { head: "0123456789abcdef", uncommittedChanges: ["src/a.js"] };
    const monitor = world.monitor();
    const decisions = [
      await monitor.afterTurns(workstream, checkoutPath, 0),
      await monitor.afterTurns(workstream, checkoutPath, 1),
      await monitor.afterTurns(workstream, checkoutPath, 9),
      await monitor.afterTurns(workstream, checkoutPath, 1),
    ];
    const evidence =
      "10 model turns without any change to the checkout (HEAD 0123456789ab, with uncommitted changes).";
    expect(decisions).toEqual([
      null,
      null,
      null,
      {
        kind: "intervene",
        signal: { kind: "no_progress", failingGates: [], logText: evidence, evidence },
        summary: evidence,
        delivery: "tool_result",
        playbook: stuck,
        attempt: 1,
        text: interventionText("stuck", "no_progress", "1/2", evidence),
      },
    ]);
  });

  it("starts counting again when the checkout changes", async () => {
    const world = new MonitorWorld();
    world.attempts.set("stuck", 2);
    const monitor = world.monitor();
    const decisions = [await monitor.afterTurns(workstream, checkoutPath, 1)];
    decisions.push(await monitor.afterTurns(workstream, checkoutPath, 9));
    world.checkout.head = "feature1";
    decisions.push(await monitor.afterTurns(workstream, checkoutPath, 1));
    decisions.push(await monitor.afterTurns(workstream, checkoutPath, 9));
    decisions.push(await monitor.afterTurns(workstream, checkoutPath, 1));
    const evidence = "10 model turns without any change to the checkout (HEAD feature1).";
    expect(decisions).toEqual([
      null,
      null,
      null,
      null,
      {
        kind: "record",
        signal: { kind: "no_progress", failingGates: [], logText: evidence, evidence },
        summary: evidence,
        delivery: "tool_result",
        // Spent, and it says to go on without a human.
        exhausted: stuck,
      },
    ]);
  });
});

describe("the ci_red signal", () => {
  it("intervenes once when CI stays red on one head for ci_red_minutes, and forgets it once green", () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const red = { sha: "f".repeat(40), state: "failure", summary: "ci: vitest: not found" };
    const decisions = [monitor.afterCiObserved(workstream, red)];
    world.clock.advance(14 * 60_000);
    decisions.push(monitor.afterCiObserved(workstream, red));
    world.clock.advance(60_000);
    const signalled = monitor.afterCiObserved(workstream, red);
    world.clock.advance(60_000);
    decisions.push(monitor.afterCiObserved(workstream, red));
    decisions.push(monitor.afterCiObserved(workstream, { ...red, state: "success" }));
    world.clock.advance(60 * 60_000);
    decisions.push(monitor.afterCiObserved(workstream, red));
    expect(decisions).toEqual([null, null, null, null, null]);
    const evidence = `CI has been red on ffffffffffff for 15 minutes:\nci: vitest: not found`;
    expect(signalled).toEqual({
      kind: "intervene",
      signal: { kind: "ci_red", failingGates: ["ci_green"], logText: evidence, evidence },
      summary: "CI has been red on ffffffffffff for 15 minutes:",
      delivery: "tool_result",
      playbook: ciPlaybook,
      attempt: 1,
      text: interventionText("ci", "ci_red", "1/2", evidence),
    });
  });

  it("starts the wait again on a new head", () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const red = { sha: "a".repeat(40), state: "failure", summary: "" };
    monitor.afterCiObserved(workstream, red);
    world.clock.advance(10 * 60_000);
    monitor.afterCiObserved(workstream, { ...red, sha: "b".repeat(40) });
    world.clock.advance(10 * 60_000);
    expect(monitor.afterCiObserved(workstream, { ...red, sha: "b".repeat(40) })).toBe(null);
  });
});

describe("the budget signals", () => {
  const budgeted = testWorkstream("a", {
    stall,
    budget: { minutes: 60, turns: 10, tokens: 1_000_000, usd: 10 },
  });

  it("warns once at 80 % of a budget line, and again after a human extends it", () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    world.state.turns = 7;
    const decisions = [monitor.budgetWarning(budgeted)];
    world.state.turns = 8;
    const warning = monitor.budgetWarning(budgeted);
    world.state.signals = [{ signal: "budget_warning", summary: "", ts: world.state.startedAt! }];
    decisions.push(monitor.budgetWarning(budgeted));
    world.clock.advance(60_000);
    world.state.budgetExtensions = 1;
    world.state.budgetExtendedAt = new Date(world.clock.now()).toISOString();
    world.state.turns = 16;
    const afterExtension = monitor.budgetWarning(budgeted);
    expect(decisions).toEqual([null, null]);
    const evidence = [
      "8 of 10 turns spent (80 %).",
      "- 0 of 60 minutes (0 %)",
      "- 0 of 1000000 tokens (0 %)",
      "- 0 of 10 usd (0 %)",
      "- 8 of 10 turns (80 %)",
    ].join("\n");
    expect(warning).toEqual({
      kind: "intervene",
      signal: { kind: "budget_warning", failingGates: [], logText: evidence, evidence },
      summary: "8 of 10 turns spent (80 %).",
      delivery: "tool_result",
      playbook: budgetPlaybook,
      attempt: 1,
      text: interventionText("budget", "budget_warning", "1/1", evidence),
    });
    expect(afterExtension).toMatchObject({ kind: "intervene", summary: "16 of 20 turns spent (80 %)." });
  });

  it("does not warn a workstream that is not running, or whose budget is spent", () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    world.state.turns = 9;
    world.state.status = "escalated";
    const decisions = [monitor.budgetWarning(budgeted)];
    world.state.status = "running";
    world.state.turns = 10;
    decisions.push(monitor.budgetWarning(budgeted));
    expect(decisions).toEqual([null, null]);
  });

  it("asks a human for more once a line is spent: turns, or the time since the last extension", () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const decisions = [monitor.spentBudget(budgeted)];
    world.state.turns = 10;
    decisions.push(monitor.spentBudget(budgeted));
    world.state.turns = 0;
    world.clock.advance(60 * 60_000);
    decisions.push(monitor.spentBudget(budgeted));
    const escalation = (spent: string) => ({
      kind: "escalate",
      signal: {
        kind: "budget_exhausted",
        failingGates: [],
        logText: `budget exhausted: ${spent}`,
        evidence: `budget exhausted: ${spent}`,
      },
      summary: `budget exhausted: ${spent}`,
      delivery: "restart_prompt",
      escalation: { source: "budget", spent },
      exhausted: null,
    });
    expect(decisions).toEqual([null, escalation("10 of 10 turns"), escalation("60 of 60 minutes")]);
    expect(monitor.exhaustedBudget(budgeted)).toEqual({ name: "minutes", used: 60, limit: 60 });
  });
});

describe("a worker stopped without an accepted claim", () => {
  const exit = (overrides: Partial<WorkerExit> = {}): WorkerExit => ({
    exitCode: 0,
    signal: null,
    isTimedOut: false,
    isCanceled: false,
    durationMs: 1,
    description: "exited 0",
    outputTail: "",
    ...overrides,
  });
  const restartWith = (kind: SignalKind, evidence: string, summary = evidence.split("\n")[0]) => ({
    kind: "intervene",
    signal: { kind, failingGates: [], logText: evidence, evidence },
    summary,
    delivery: "restart_prompt",
    playbook: stopped,
    attempt: 1,
    text: interventionText("stopped", kind, "1/2", evidence),
  });

  it("cannot start when it stops quickly twice with the same output, unless it talked to its model in between", async () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const stop = exit({ exitCode: 1, description: "exited 1", outputTail: "Not logged in\n" });
    const stopped = () => monitor.afterWorkerStopped(workstream, stop, { wasIdle: false, madeClaim: false });
    const record = () => {
      world.state.signals = [
        ...world.state.signals,
        {
          signal: "stopped_without_claim",
          summary: "",
          last_output: "Not logged in",
          ts: world.state.startedAt!,
        },
      ];
    };
    expect((await stopped())?.kind).toBe("intervene");
    record();
    // The agent answered through its model, then stopped with the same words: it started.
    world.state.turns += 1;
    expect((await stopped())?.kind).toBe("intervene");
    record();
    const third = await stopped();
    expect(third).toMatchObject({ kind: "escalate", summary: "the worker cannot start: Not logged in" });
  });

  it("is stopped_without_claim, with its last output", async () => {
    const world = new MonitorWorld();
    const decision = await world
      .monitor()
      .afterWorkerStopped(workstream, exit({ outputTail: "bye\n" }), { wasIdle: false, madeClaim: false });
    expect(decision).toEqual(
      restartWith(
        "stopped_without_claim",
        "the worker exited 0; its last output:\nbye\n",
        "the worker exited 0; its last output: bye",
      ),
    );
  });

  it("is stopped_after_pr when its pull request is open and not merged", async () => {
    const world = new MonitorWorld();
    world.pullRequest = {
      number: 7,
      url: "https://forge/pulls/7",
      title: "t",
      body: "",
      head: "supervise/a",
      headSha: "c".repeat(40),
      base: "main",
      state: "open",
      isMerged: false,
      mergeCommitSha: null,
      mergedAt: null,
    };
    const decision = await world
      .monitor()
      .afterWorkerStopped(workstream, exit(), { wasIdle: false, madeClaim: true });
    expect(decision).toEqual(
      restartWith(
        "stopped_after_pr",
        `pull request #7 (https://forge/pulls/7) is open and not merged; head ${"c".repeat(40)}. The worker exited 0.`,
      ),
    );
  });

  it("is nothing new when its claims were rejected and it gave up: the rejection is in the restart prompt", async () => {
    const world = new MonitorWorld();
    const decision = await world
      .monitor()
      .afterWorkerStopped(workstream, exit(), { wasIdle: false, madeClaim: true });
    expect(decision).toBe(null);
  });

  it("is idle when the idle watch stopped it, without asking the forge", async () => {
    const world = new MonitorWorld();
    const decision = await world
      .monitor()
      .afterWorkerStopped(workstream, exit({ exitCode: null, isCanceled: true, description: "stopped" }), {
        wasIdle: true,
        madeClaim: false,
      });
    expect(decision).toEqual(restartWith("idle", "the worker stopped"));
    expect(world.pullRequestLookups).toBe(0);
  });

  it("is idle when the idle watch stopped it, even if the model API then failed on a spend limit", async () => {
    const world = new MonitorWorld();
    const decision = await world
      .monitor()
      .afterWorkerStopped(workstream, exit({ description: "stopped", blockedReason: "spend_limit" }), {
        wasIdle: true,
        madeClaim: false,
      });
    expect(decision).toEqual(restartWith("idle", "the worker stopped"));
  });

  it("is model_blocked when the model refused or its API failed", async () => {
    const world = new MonitorWorld();
    const monitor = world.monitor();
    const decisions = [
      await monitor.afterWorkerStopped(
        workstream,
        exit({ description: "refused", blockedReason: "refusal" }),
        {
          wasIdle: false,
          madeClaim: false,
        },
      ),
      await monitor.afterWorkerStopped(workstream, exit({ description: "529", blockedReason: "api_error" }), {
        wasIdle: false,
        madeClaim: false,
      }),
    ];
    expect(decisions).toEqual([
      restartWith("model_blocked", "the model refused: refused"),
      restartWith("model_blocked", "the model API failed: 529"),
    ]);
  });

  it("asks a human at once on a spend limit, which no restart can lift", async () => {
    const world = new MonitorWorld();
    const description = "the API refused with a spend limit\n(429 without retry-after)";
    const decision = await world
      .monitor()
      .afterWorkerStopped(workstream, exit({ description, blockedReason: "spend_limit" }), {
        wasIdle: false,
        madeClaim: false,
      });
    const evidence = `the model API failed: ${description}`;
    expect(decision).toEqual({
      kind: "escalate",
      signal: { kind: "model_blocked", failingGates: [], logText: evidence, evidence },
      // Unlike the other signals, every line of the evidence (up to 300 characters).
      summary: evidence,
      delivery: "restart_prompt",
      escalation: { source: "monitor", playbookTitle: null },
      exhausted: null,
    });
  });
});

describe("the idle signal", () => {
  const idleWorkstream = testWorkstream("a", { stall: { ...stall, idle_seconds: 60 } });

  it("restarts a worker quiet for idle_seconds whose checkout did not change, looking at it only twice", async () => {
    const world = new MonitorWorld();
    const watch = world.monitor().watchForIdle(idleWorkstream, checkoutPath);
    const restarted: unknown[] = [];
    void watch.restart.then((decision) => restarted.push(decision));
    expect(world.tickIntervalMs).toBe(5_000);
    world.clock.advance(29_000);
    await world.tick!();
    expect(world.checkoutReads).toBe(0);
    world.clock.advance(1_000);
    await world.tick!();
    world.clock.advance(29_000);
    await world.tick!();
    expect([world.checkoutReads, watch.wasIdle()]).toEqual([1, false]);
    world.clock.advance(1_000);
    await world.tick!();
    expect(await watch.restart).toEqual({ kind: "restart", reason: "idle" });
    expect([world.checkoutReads, watch.wasIdle()]).toEqual([2, true]);
    watch.stop();
    expect(world.tick).toBe(null);
  });

  it("does not restart a silent worker that keeps changing its checkout", async () => {
    const world = new MonitorWorld();
    const watch = world.monitor().watchForIdle(idleWorkstream, checkoutPath);
    world.clock.advance(30_000);
    await world.tick!();
    world.checkout.uncommittedChanges = ["src/a.js"];
    world.clock.advance(30_000);
    await world.tick!();
    // The change counts as activity: idle only 60 s after it, with the checkout as it is now.
    world.clock.advance(59_000);
    await world.tick!();
    expect(watch.wasIdle()).toBe(false);
    world.clock.advance(1_000);
    await world.tick!();
    expect(watch.wasIdle()).toBe(true);
  });

  it("counts output and tool calls as activity, and waiting on a human or a verdict as no idling", async () => {
    const world = new MonitorWorld();
    const watch = world.monitor().watchForIdle(idleWorkstream, checkoutPath);
    world.clock.advance(50_000);
    watch.onActivity();
    world.clock.advance(50_000);
    await world.tick!();
    for (const waiting of ["escalated", "verifying"] as const) {
      world.state.status = waiting;
      world.clock.advance(600_000);
      await world.tick!();
    }
    world.state.status = "running";
    // Quiet since the human answered, not since before: not even half the idle time yet.
    world.clock.advance(29_000);
    await world.tick!();
    expect([world.checkoutReads, watch.wasIdle()]).toEqual([1, false]);
  });
});

describe("deciding on a signal the run found", () => {
  it("hands over the next attempt of the matching playbook, then escalates or keeps only the record", () => {
    const world = new MonitorWorld();
    world.playbooks = [
      playbook("gates", ["claim_rejected"], { gates: ["local_check"], onExhausted: "escalate" }),
      playbook("quiet", ["claim_rejected"], { gates: ["diff_scope"], onExhausted: "continue" }),
    ];
    const monitor = world.monitor();
    const signal = (gate: string) => ({
      kind: "claim_rejected" as const,
      failingGates: [gate],
      logText: "",
      evidence: `- ${gate}: fail`,
    });
    world.attempts.set("gates", 1);
    const second = monitor.decide(workstream, signal("local_check"), "tool_result");
    world.attempts.set("gates", 2);
    world.attempts.set("quiet", 2);
    const decisions = [
      monitor.decide(workstream, signal("local_check"), "tool_result"),
      monitor.decide(workstream, signal("diff_scope"), "tool_result"),
      monitor.decide(workstream, signal("ci_green"), "tool_result"),
    ];
    expect(second).toEqual({
      kind: "intervene",
      signal: signal("local_check"),
      summary: "- local_check: fail",
      delivery: "tool_result",
      playbook: world.playbooks[0],
      attempt: 2,
      text: interventionText("gates", "claim_rejected", "2/2", "- local_check: fail"),
    });
    expect(decisions).toEqual([
      {
        kind: "escalate",
        signal: signal("local_check"),
        summary: "- local_check: fail",
        delivery: "tool_result",
        escalation: { source: "monitor", playbookTitle: "Title of gates" },
        exhausted: world.playbooks[0],
      },
      {
        kind: "record",
        signal: signal("diff_scope"),
        summary: "- diff_scope: fail",
        delivery: "tool_result",
        exhausted: world.playbooks[1],
      },
      {
        kind: "record",
        signal: signal("ci_green"),
        summary: "- ci_green: fail",
        delivery: "tool_result",
        exhausted: null,
      },
    ]);
  });
});
