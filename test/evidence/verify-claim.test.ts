import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  checkoutGatesOf,
  explainGates,
  type GateServices,
  gatesInRunOrder,
  verifyClaim,
} from "../../src/evidence/index.ts";
import type { Forge } from "../../src/forge/index.ts";
import type { PlanGate, Workstream } from "../../src/plan/index.ts";
import { FakeCommandRunner } from "../fakes/fake-command-runner.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";

const fmt: PlanGate = {
  name: "fmt",
  run: "./fmt-check",
  fixHint: "run ./fmt --write",
  timeoutMinutes: 2,
  playbooks: [],
  metric: undefined,
};
const clippy: PlanGate = {
  name: "clippy",
  run: "cargo clippy",
  fixHint: undefined,
  timeoutMinutes: undefined,
  playbooks: [],
  metric: undefined,
};

function workstream(done: string[]): Workstream {
  return testWorkstream("ws", { done, commandGates: { fmt, clippy }, issue: 4 });
}

describe("the gate registry", () => {
  it("runs gates in the done list's order, once each: checkout before forge, the reviewer last, diff_scope after local_check", () => {
    const order = gatesInRunOrder(
      workstream(["review", "ci_green", "diff_scope", "fmt", "pr_merged", "local_check", "clippy", "fmt"]),
    ).map((gate) => `${gate.id}:${gate.kind}`);
    expect(order).toEqual([
      "fmt:checkout",
      "local_check:checkout",
      "diff_scope:checkout",
      "clippy:checkout",
      "ci_green:forge",
      "pr_merged:forge",
      "review:review",
    ]);
  });

  it("counts the plan's command gates among the checkout gates a merge must pass", () => {
    expect(checkoutGatesOf(workstream(["ci_green", "clippy", "local_check", "pr_merged", "fmt"]))).toEqual([
      "clippy",
      "local_check",
      "fmt",
    ]);
  });

  it("tells the worker what each gate checks, the plan's gates with their fix hint", () => {
    expect(explainGates(workstream(["fmt", "clippy", "local_check", "issue_closed"]))).toEqual([
      "fmt: `./fmt-check` passes in your checkout at the claimed commit (when it fails: run ./fmt --write)",
      "clippy: `cargo clippy` passes in your checkout at the claimed commit",
      "local_check: `true` passes in your checkout at the claimed commit",
      "issue_closed: issue #4 is closed by the merged pull request",
    ]);
  });
});

describe("verifyClaim with the plan's command gates", () => {
  let runDirectory: string;
  beforeEach(async () => {
    runDirectory = await mkdtemp(join(tmpdir(), "supervise-verify-"));
  });
  afterEach(async () => {
    await rm(runDirectory, { recursive: true, force: true });
  });

  function services(runner: FakeCommandRunner): GateServices {
    return {
      runner,
      environment: { PATH: "/usr/bin:/bin" },
      runDirectory,
      readCheckout: async () => ({ head: "c0ffee", uncommittedChanges: [] }),
      // Checkout gates never ask the forge; a forge gate here would fail the test loudly.
      forge: {} as Forge,
      plan: testPlan([]),
      ciWaitMs: 0,
    };
  }

  const claim = (done: string[]) => ({
    workstream: workstream(done),
    claimId: 2,
    commit: "c0ffee",
    uncommittedChanges: [],
    checkoutPath: "/checkout",
    baseSha: "base",
  });

  it("runs no command after the first failing one: a fast fmt failure skips the slow check and build", async () => {
    const runner = new FakeCommandRunner((request) => (request.command === "./fmt-check" ? 1 : 0));
    const recorded: string[] = [];
    const results = await verifyClaim(
      claim(["fmt", "local_check", "release_build"]),
      services(runner),
      async (result) => {
        recorded.push(`${result.id}:${result.status}`);
      },
    );
    expect(runner.requests.map((request) => [request.command, request.timeoutMs])).toEqual([
      ["./fmt-check", 120_000],
    ]);
    expect(runner.requests[0]!.logFile).toBe(join(runDirectory, "evidence/ws/logs/claim-2-fmt.log"));
    expect(recorded).toEqual(["fmt:fail", "local_check:skipped", "release_build:skipped"]);
    expect(results[0]).toEqual({
      id: "fmt",
      status: "fail",
      detail: "`./fmt-check` exited 1",
      observed: { exit_code: 1 },
      fixHint: "run ./fmt --write",
      command: {
        command: "./fmt-check",
        exitCode: 1,
        signal: null,
        isTimedOut: false,
        durationMs: 1,
        log: "evidence/ws/logs/claim-2-fmt.log",
        outputTail: "1 test failed\n",
        excerpt: "1 test failed",
      },
    });
    expect(results[1]).toEqual({
      id: "local_check",
      status: "skipped",
      detail: "not run: an earlier gate failed (fmt)",
      observed: {},
    });
  });

  it("runs every command gate when each passes, and records no excerpt for a pass", async () => {
    const runner = new FakeCommandRunner();
    const results = await verifyClaim(claim(["local_check", "fmt"]), services(runner), async () => {});
    expect(results.map((result) => [result.id, result.status, result.command?.excerpt])).toEqual([
      ["local_check", "pass", undefined],
      ["fmt", "pass", undefined],
    ]);
  });
});
