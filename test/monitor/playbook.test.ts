import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlanError } from "../../src/errors.ts";
import {
  builtInPlaybooksDirectory,
  loadPlaybooks,
  parsePlaybook,
  renderPlaybook,
} from "../../src/monitor/playbook.ts";
import { choosePlaybook, type Signal } from "../../src/monitor/playbook-matcher.ts";

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-playbooks-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe("the built-in playbooks", () => {
  it("all load, and each renders with the evidence", async () => {
    const playbooks = await loadPlaybooks([builtInPlaybooksDirectory]);
    expect(playbooks.map((playbook) => playbook.id).sort()).toEqual([
      "budget-nearly-spent",
      "ci-only-failure",
      "failing-tests",
      "flaky-test",
      "idle-worker",
      "lint-format",
      "looping-on-one-command",
      "merge-conflict",
      "merge-result-red",
      "model-blocked",
      "stopped-at-pr-created",
      "stopped-without-claim",
      "stub-implementation",
    ]);
    for (const playbook of playbooks) {
      const text = renderPlaybook(playbook, {
        workstream: "ws1",
        goal: "the goal",
        signal: "claim_rejected",
        evidence: "EVIDENCE-MARKER",
        gates: "- local_check",
        attempt: 1,
        max_attempts: 2,
        base: "main",
        branch: "supervise/ws1",
      });
      expect(text).toMatch(/EVIDENCE-MARKER|the goal/);
    }
  });

  const signal = (overrides: Partial<Signal>): Signal => ({
    kind: "claim_rejected",
    failingGates: [],
    logText: "",
    evidence: "",
    ...overrides,
  });

  it.each([
    [{ failingGates: ["diff_scope"], logText: "only tests changed" }, "stub-implementation"],
    [{ failingGates: ["local_check"], logText: "# fail 2\nAssertionError: expected 3" }, "failing-tests"],
    [
      { failingGates: ["local_check"], logText: "src/a.js:3: trailing whitespace\n1 lint problem(s)" },
      "lint-format",
    ],
    [{ failingGates: ["ci_green"], logText: "sh: 1: vitest: not found" }, "ci-only-failure"],
    [{ failingGates: ["pr_merged"], logText: "PR #4 is open, not merged" }, "stopped-at-pr-created"],
    [{ failingGates: ["pr_merged"], logText: "refused (conflict)" }, "merge-conflict"],
    [
      {
        failingGates: ["pr_merged"],
        logText: "the forge last refused its merge (merge_result_failed): CI failed",
      },
      "merge-result-red",
    ],
    [
      { kind: "stopped_after_pr" as const, logText: "pull request #3 (file://x) is open and not merged" },
      "stopped-at-pr-created",
    ],
    [{ kind: "idle" as const }, "idle-worker"],
    [{ kind: "repeat" as const }, "looping-on-one-command"],
  ])("%o → %s", async (overrides, expected) => {
    const playbooks = await loadPlaybooks([builtInPlaybooksDirectory]);
    const choice = choosePlaybook(signal(overrides), playbooks, new Map());
    expect(choice.kind === "intervene" ? choice.playbook.id : choice.kind).toBe(expected);
  });

  it("moves on to the next matching playbook when one is spent, then reports exhaustion", async () => {
    const playbooks = await loadPlaybooks([builtInPlaybooksDirectory]);
    const rejected = signal({ failingGates: ["local_check"], logText: "AssertionError timed out" });
    const first = choosePlaybook(rejected, playbooks, new Map());
    expect(first).toMatchObject({ kind: "intervene", playbook: { id: "failing-tests" }, attempt: 1 });
    const second = choosePlaybook(rejected, playbooks, new Map([["failing-tests", 3]]));
    expect(second).toMatchObject({ kind: "intervene", playbook: { id: "flaky-test" } });
    const spent = choosePlaybook(
      rejected,
      playbooks,
      new Map([
        ["failing-tests", 3],
        ["flaky-test", 1],
      ]),
    );
    expect(spent).toMatchObject({ kind: "exhausted", playbook: { id: "failing-tests" } });
  });
});

describe("a plan's own playbooks", () => {
  it("are validated at start: every problem names file:line:column and the field", async () => {
    const file = join(directory, "bad.md");
    await writeFile(
      file,
      [
        "---",
        "id: Bad Id",
        "title: x",
        "triggers:",
        "  signals: [nope]",
        "maxattempts: 2",
        "---",
        "Do {{thing}}.",
      ].join("\n"),
    );
    const error = await loadPlaybooks([directory]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlanError);
    expect(
      (error as PlanError).problems.map((problem) => `${problem.line}:${problem.column} ${problem.path}`),
    ).toEqual(["2:5 id", "5:13 triggers.signals[0]", "6:1 maxattempts"]);
  });

  it("refuses a body that uses an unknown variable", () => {
    const parsed = parsePlaybook(
      ["---", "id: x", "title: X", "triggers:", "  signals: [idle]", "---", "Do {{thing}}."].join("\n"),
      "/p/x.md",
    );
    expect(parsed.problems).toEqual([
      {
        file: "/p/x.md",
        line: 7,
        column: 1,
        path: "body",
        message: 'prompt template /p/x.md needs the variable "thing", which was not supplied',
      },
    ]);
  });

  it("may trigger on a gate the plan defines, and name no other", () => {
    const source = (gate: string) =>
      [
        "---",
        "id: fmt-help",
        "title: F",
        "triggers:",
        "  signals: [claim_rejected]",
        `  gates: [${gate}]`,
        "---",
        "Run the formatter.",
      ].join("\n");
    const known = ["local_check", "fmt"];
    expect(parsePlaybook(source("fmt"), "/p/fmt.md", known)).toMatchObject({
      problems: [],
      playbook: { gates: ["fmt"] },
    });
    expect(parsePlaybook(source("fmtt"), "/p/fmt.md", known).problems).toEqual([
      {
        file: "/p/fmt.md",
        line: 6,
        column: 11,
        path: "triggers.gates[0]",
        message: 'unknown gate "fmtt" (did you mean "fmt"?); gates are local_check, fmt',
      },
    ]);
  });

  it("override a built-in playbook of the same id", async () => {
    await writeFile(
      join(directory, "idle.md"),
      [
        "---",
        "id: idle-worker",
        "title: Mine",
        "triggers:",
        "  signals: [idle]",
        "---",
        "Custom {{goal}}.",
      ].join("\n"),
    );
    const playbooks = await loadPlaybooks([builtInPlaybooksDirectory, directory]);
    expect(playbooks.find((playbook) => playbook.id === "idle-worker")?.title).toBe("Mine");
  });
});

describe("a rejection with several failing gates", () => {
  it("gets the playbook of the first failing gate: a stub without a merged PR is a stub first", async () => {
    const playbooks = await loadPlaybooks([builtInPlaybooksDirectory]);
    const choice = choosePlaybook(
      {
        kind: "claim_rejected",
        failingGates: ["diff_scope", "ci_green", "pr_merged", "issue_closed"],
        logText: "only tests changed\nno pull request for this workstream",
        evidence: "",
      },
      playbooks,
      new Map(),
    );
    expect(choice).toMatchObject({ kind: "intervene", playbook: { id: "stub-implementation" } });
  });
});
