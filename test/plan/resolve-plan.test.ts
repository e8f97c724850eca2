import { describe, expect, it } from "vitest";
import { validatePlanSource } from "../../src/plan/load-plan.ts";
import type { Plan } from "../../src/plan/schema.ts";

const source = (...lines: string[]): string => `${lines.join("\n")}\n`;

function resolved(text: string, file: string): Plan {
  const { plan, problems } = validatePlanSource(text, file);
  expect(problems).toEqual([]);
  return plan!;
}

describe("resolvePlan (through validatePlanSource)", () => {
  it("resolves a minimal plan to the whole Plan with every default applied", () => {
    const plan = resolved(
      source("workstreams:", "  - { id: ws1, issue: 4, goal: Fix it. }"),
      "/home/dev/plans/week2.yaml",
    );
    expect(plan).toEqual({
      file: "/home/dev/plans/week2.yaml",
      name: "week2",
      repo: "/home/dev/plans",
      base: "main",
      forge: { kind: "local" },
      concurrency: 2,
      rollout: "parallel",
      playbooks: undefined,
      notify: undefined,
      hosts: undefined,
      secrets: [],
      sandbox: { isolation: "bwrap", network: "none", max_processes: 1024 },
      gates: {},
      phases: [],
      workstreams: [
        {
          id: "ws1",
          branch: "supervise/ws1",
          issue: 4,
          goal: "Fix it.",
          brief: undefined,
          dependsOn: [],
          hostLabels: [],
          kind: "change",
          phase: undefined,
          agent: { provider: "anthropic", model: "claude-sonnet-5-5", max_tokens: 16_000 },
          commands: { check: "npm test", build: "npm run build", ci: "npm ci && npm test" },
          budget: { minutes: 60, turns: 60, tokens: 2_000_000, usd: 10 },
          stall: {
            idle_seconds: 600,
            repeat_limit: 3,
            max_rejections: 3,
            max_restarts: 3,
            ci_red_minutes: 15,
          },
          done: ["local_check", "release_build", "ci_green", "pr_merged", "issue_closed", "diff_scope"],
          commandGates: {},
          reviewer: {
            provider: "anthropic",
            model: "claude-sonnet-5-5",
            max_tokens: 4096,
            diff_limit_bytes: 100_000,
          },
        },
      ],
    } satisfies Plan);
  });

  it("merges overrides: agent and done replace, commands, budget and stall merge field by field", () => {
    const text = source(
      "name: campaign",
      "repo: ../widget",
      "base: dev",
      "forge: { kind: github, owner: acme, repo: widget }",
      "agent: { provider: command, command: claude -p }",
      "concurrency: 3",
      "rollout: canary",
      "defaults:",
      "  done: [local_check, pr_merged]",
      "  commands: { check: make test, build: null }",
      "  budget: { minutes: 30, usd: 2.5 }",
      "  stall: { idle_seconds: 120 }",
      "workstreams:",
      "  - id: plain",
      "    goal: Uses the plan's defaults.",
      "  - id: custom",
      "    issue: 9",
      "    goal: Overrides everything it may.",
      "    brief: Read the code first.",
      "    depends_on: [plain]",
      "    agent: { provider: replay, cassette: cassettes/custom.jsonl }",
      "    commands: { ci: ./ci.sh, check: null }",
      "    budget: { turns: 5 }",
      "    stall: { repeat_limit: 2, max_restarts: 1, ci_red_minutes: 15 }",
      "    done: [issue_closed, diff_scope, review]",
    );
    const plan = resolved(text, "/srv/plans/campaign-file.yml");
    expect({ ...plan, workstreams: [] }).toEqual({
      file: "/srv/plans/campaign-file.yml",
      name: "campaign",
      repo: "/srv/widget",
      base: "dev",
      forge: { kind: "github", owner: "acme", repo: "widget", remote: "origin" },
      concurrency: 3,
      rollout: "canary",
      sandbox: { isolation: "bwrap", network: "none", max_processes: 1024 },
      playbooks: undefined,
      notify: undefined,
      hosts: undefined,
      secrets: [],
      gates: {},
      phases: [],
      workstreams: [],
    });
    expect(plan.workstreams).toEqual([
      {
        id: "plain",
        branch: "supervise/plain",
        issue: undefined,
        goal: "Uses the plan's defaults.",
        brief: undefined,
        dependsOn: [],
        hostLabels: [],
        kind: "change",
        agent: { provider: "command", command: "claude -p" },
        commands: { check: "make test", ci: "npm ci && npm test" },
        budget: { minutes: 30, turns: 60, tokens: 2_000_000, usd: 2.5 },
        stall: { idle_seconds: 120, repeat_limit: 3, max_rejections: 3, max_restarts: 3, ci_red_minutes: 15 },
        done: ["local_check", "pr_merged"],
        commandGates: {},
        reviewer: {
          provider: "anthropic",
          model: "claude-sonnet-5-5",
          max_tokens: 4096,
          diff_limit_bytes: 100_000,
        },
      },
      {
        id: "custom",
        branch: "supervise/custom",
        issue: 9,
        goal: "Overrides everything it may.",
        brief: "Read the code first.",
        dependsOn: ["plain"],
        hostLabels: [],
        kind: "change",
        agent: {
          provider: "replay",
          cassette: "/srv/plans/cassettes/custom.jsonl",
          model: "claude-sonnet-5-5",
        },
        commands: { ci: "./ci.sh" },
        budget: { minutes: 30, turns: 5, tokens: 2_000_000, usd: 2.5 },
        stall: { idle_seconds: 120, repeat_limit: 2, max_rejections: 3, max_restarts: 1, ci_red_minutes: 15 },
        done: ["issue_closed", "diff_scope", "review"],
        commandGates: {},
        reviewer: {
          provider: "anthropic",
          model: "claude-sonnet-5-5",
          max_tokens: 4096,
          diff_limit_bytes: 100_000,
        },
      },
    ]);
  });

  it("resolves the plan's gates, and gives each workstream those its done list names, in its order", () => {
    const plan = resolved(
      source(
        "gates:",
        "  clippy: { run: cargo clippy --all-targets -- -D warnings, timeout_minutes: 5 }",
        '  fmt: { run: cargo fmt --check, fix_hint: "run cargo fmt" }',
        "defaults: { done: [fmt, clippy, local_check] }",
        "workstreams:",
        "  - { id: a, goal: x }",
        "  - { id: b, goal: y, done: [local_check, fmt] }",
      ),
      "/p.yaml",
    );
    const fmt = {
      name: "fmt",
      run: "cargo fmt --check",
      fixHint: "run cargo fmt",
      timeoutMinutes: undefined,
      playbooks: [],
    };
    const clippy = {
      name: "clippy",
      run: "cargo clippy --all-targets -- -D warnings",
      fixHint: undefined,
      timeoutMinutes: 5,
      playbooks: [],
      metric: undefined,
    };
    expect(plan.gates).toEqual({ clippy, fmt });
    expect(plan.workstreams.map(({ done, commandGates }) => ({ done, commandGates }))).toEqual([
      { done: ["fmt", "clippy", "local_check"], commandGates: { fmt, clippy } },
      { done: ["local_check", "fmt"], commandGates: { fmt } },
    ]);
  });

  it("names the plan after its file without the extension, and keeps an absolute repo as written", () => {
    const plan = resolved(
      source("repo: /opt/repos/widget", "workstreams:", "  - { id: a, goal: x, done: [diff_scope] }"),
      "/tmp/x/my.plan.yaml",
    );
    expect([plan.name, plan.repo]).toEqual(["my.plan", "/opt/repos/widget"]);
  });

  it("gives no plan while there are problems", () => {
    expect(
      validatePlanSource(source("workstreams:", "  - { id: a, goal: x, dependson: [] }"), "/p.yaml").plan,
    ).toBeUndefined();
  });
});

describe("the built-in definition of done", () => {
  it("asks for issue_closed only where the workstream has an issue", () => {
    const plan = validatePlanSource(
      ["workstreams:", "  - { id: a, goal: x, issue: 7 }", "  - { id: b, goal: y }"].join("\n"),
      "/p.yaml",
    ).plan!;
    expect(plan.workstreams.map((workstream) => workstream.done)).toEqual([
      ["local_check", "release_build", "ci_green", "pr_merged", "issue_closed", "diff_scope"],
      ["local_check", "release_build", "ci_green", "pr_merged", "diff_scope"],
    ]);
  });
});

describe("settings of the later gates", () => {
  it("resolves kind, ci_wait_minutes (workstream over forge) and the mutation gate's settings", () => {
    const plan = resolved(
      source(
        "forge: { kind: local, ci_wait_minutes: 45 }",
        "mutation: { min_killed: 0.8 }",
        "workstreams:",
        "  - { id: plain, goal: Uses the forge's wait. }",
        "  - { id: slow, goal: Waits longer., ci_wait_minutes: 120, kind: refactor }",
      ),
      "/srv/plans/plan.yaml",
    );
    expect(
      plan.workstreams.map(({ id, kind, ciWaitMinutes, mutation }) => ({
        id,
        kind,
        ciWaitMinutes,
        mutation,
      })),
    ).toEqual([
      {
        id: "plain",
        kind: "change",
        ciWaitMinutes: 45,
        mutation: { minKilled: 0.8, maxMinutes: 10, maxMutants: 30 },
      },
      {
        id: "slow",
        kind: "refactor",
        ciWaitMinutes: 120,
        mutation: { minKilled: 0.8, maxMinutes: 10, maxMutants: 30 },
      },
    ]);
  });
});
