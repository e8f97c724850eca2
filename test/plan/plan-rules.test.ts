import { describe, expect, it } from "vitest";
import type { PlanProblem } from "../../src/errors.ts";
import { parsePlan, sortProblems } from "../../src/plan/parse-plan.ts";
import { checkPlanRules } from "../../src/plan/plan-rules.ts";

const file = "week2.yaml";
const source = (...lines: string[]): string => `${lines.join("\n")}\n`;
const problem = (line: number, column: number, path: string, message: string): PlanProblem => ({
  file,
  line,
  column,
  path,
  message,
});

/** Every case starts with these two lines, so workstreams begin on line 3. */
const header = ["defaults: { done: [local_check, pr_merged] }", "workstreams:"];

function ruleProblems(text: string): PlanProblem[] {
  const { document, problems, locate } = parsePlan(text, file);
  expect(problems).toEqual([]);
  return sortProblems(checkPlanRules(document!, locate));
}

interface BrokenPlan {
  kind: string;
  source: string;
  problems: PlanProblem[];
}

const brokenPlans: BrokenPlan[] = [
  {
    kind: "duplicate workstream id, at the second one",
    source: source(...header, "  - { id: a, goal: x }", "  - { id: b, goal: x }", "  - { id: a, goal: y }"),
    problems: [problem(5, 11, "workstreams[2].id", 'duplicate workstream id "a" (first used on line 3)')],
  },
  {
    kind: "an id with characters a branch name cannot hold",
    source: source(...header, '  - { id: "fix bug", goal: x }'),
    problems: [
      problem(
        3,
        11,
        "workstreams[0].id",
        'workstream id "fix bug" cannot be a branch name: use letters, digits, ".", "_" and "-", starting with a letter or a digit',
      ),
    ],
  },
  {
    kind: "ids git refuses as ref components",
    source: source(
      ...header,
      "  - { id: a..b, goal: x }",
      "  - { id: trailing., goal: x }",
      "  - { id: state.lock, goal: x }",
      "  - { id: -dash, goal: x }",
    ),
    problems: [
      problem(
        3,
        11,
        "workstreams[0].id",
        'workstream id "a..b" cannot be a branch name: it must not contain ".."',
      ),
      problem(
        4,
        11,
        "workstreams[1].id",
        'workstream id "trailing." cannot be a branch name: it must not end with "."',
      ),
      problem(
        5,
        11,
        "workstreams[2].id",
        'workstream id "state.lock" cannot be a branch name: it must not end with ".lock"',
      ),
      problem(
        6,
        11,
        "workstreams[3].id",
        'workstream id "-dash" cannot be a branch name: use letters, digits, ".", "_" and "-", starting with a letter or a digit',
      ),
    ],
  },
  {
    kind: "ids equal ignoring case (branch-name collision)",
    source: source(...header, "  - { id: ws1-fix, goal: x }", "  - { id: WS1-Fix, goal: y }"),
    problems: [
      problem(
        4,
        11,
        "workstreams[1].id",
        'workstream id "WS1-Fix" differs from "ws1-fix" (line 3) only in case; their branches would collide on a case-insensitive file system',
      ),
    ],
  },
  {
    kind: "depends_on naming an unknown id, with a suggestion",
    source: source(
      ...header,
      "  - { id: ws1-fix, goal: x }",
      "  - { id: ws2, goal: y, depends_on: [ws1-fx, other] }",
    ),
    problems: [
      problem(
        4,
        38,
        "workstreams[1].depends_on[0]",
        'depends_on names unknown workstream "ws1-fx" (did you mean "ws1-fix"?)',
      ),
      problem(4, 46, "workstreams[1].depends_on[1]", 'depends_on names unknown workstream "other"'),
    ],
  },
  {
    kind: "a workstream depending on itself",
    source: source(...header, "  - id: a", "    goal: x", "    depends_on:", "      - a"),
    problems: [problem(6, 9, "workstreams[0].depends_on[0]", 'workstream "a" depends on itself')],
  },
  {
    kind: "a 3-node cycle, named whole and reported once",
    source: source(
      ...header,
      "  - { id: a, goal: x, depends_on: [c] }",
      "  - { id: b, goal: x, depends_on: [a] }",
      "  - { id: c, goal: x, depends_on: [b] }",
      "  - { id: d, goal: x, depends_on: [c] }",
    ),
    problems: [problem(3, 36, "workstreams[0].depends_on[0]", "dependency cycle: a → c → b → a")],
  },
  {
    kind: "two separate cycles, each reported at its first workstream",
    source: source(
      ...header,
      "  - { id: a, goal: x, depends_on: [b] }",
      "  - { id: b, goal: x, depends_on: [a] }",
      "  - { id: c, goal: x, depends_on: [d] }",
      "  - { id: d, goal: x, depends_on: [a, c] }",
    ),
    problems: [
      problem(3, 36, "workstreams[0].depends_on[0]", "dependency cycle: a → b → a"),
      problem(5, 36, "workstreams[2].depends_on[0]", "dependency cycle: c → d → c"),
    ],
  },
  {
    kind: "issue_closed listed by the workstream without an issue, at the gate",
    source: source(
      ...header,
      "  - { id: a, goal: x, done: [local_check, issue_closed] }",
      "  - { id: b, goal: x, issue: 7, done: [issue_closed] }",
    ),
    problems: [
      problem(
        3,
        43,
        "workstreams[0].done[1]",
        'gate issue_closed needs the workstream\'s issue: add "issue: <number>", or remove issue_closed from workstreams[0].done',
      ),
    ],
  },
  {
    kind: "no issue and no done list: the built-in done list leaves issue_closed out",
    source: source("workstreams:", "  - id: a", "    goal: x"),
    problems: [],
  },
  {
    kind: "a gate whose command a plan default sets to null, reported once for all workstreams",
    source: source(
      "defaults:",
      "  done: [local_check, release_build]",
      "  commands: { build: null }",
      "workstreams:",
      "  - { id: a, goal: x }",
      "  - { id: b, goal: x }",
    ),
    problems: [
      problem(
        3,
        22,
        "defaults.commands.build",
        "gate release_build runs commands.build, but defaults.commands.build is null: set a command there, or remove release_build from defaults.done",
      ),
    ],
  },
  {
    kind: "a gate the workstream lists while its own command is null, at the gate",
    source: source(
      ...header,
      "  - id: a",
      "    goal: x",
      "    done: [release_build, ci_green]",
      "    commands: { ci: null }",
    ),
    problems: [
      problem(
        5,
        27,
        "workstreams[0].done[1]",
        "gate ci_green runs commands.ci, but workstreams[0].commands.ci is null: set a command there, or remove ci_green from workstreams[0].done",
      ),
    ],
  },
  {
    kind: "an unknown gate in a done list, with a suggestion from the built-in gates",
    source: source("defaults:", "  done: [local_check, ci_gren]", "workstreams:", "  - { id: a, goal: x }"),
    problems: [
      problem(
        2,
        23,
        "defaults.done[1]",
        'unknown gate "ci_gren" (did you mean "ci_green"?); gates are local_check, release_build, ci_green, pr_merged, issue_closed, diff_scope, tests_prove_change, mutation, review',
      ),
    ],
  },
  {
    kind: "an unknown gate in a workstream's done list, with a suggestion from the plan's own gates",
    source: source(
      "gates:",
      "  fmt: { run: cargo fmt --check }",
      "  clippy: { run: cargo clippy }",
      "workstreams:",
      "  - { id: a, goal: x, done: [fmt, clipy, local_check] }",
    ),
    problems: [
      problem(
        5,
        35,
        "workstreams[0].done[1]",
        'unknown gate "clipy" (did you mean "clippy"?); gates are local_check, release_build, ci_green, pr_merged, issue_closed, diff_scope, tests_prove_change, mutation, review, fmt, clippy',
      ),
    ],
  },
  {
    kind: "a plan gate named like a built-in gate, at its name",
    source: source(
      "gates:",
      "  local_check: { run: make check }",
      "defaults: { done: [local_check] }",
      "workstreams:",
      "  - { id: a, goal: x }",
    ),
    problems: [
      problem(
        2,
        3,
        "gates.local_check",
        'gate "local_check" is a built-in gate: give the plan\'s gate another name (built-in gates need no definition)',
      ),
    ],
  },
];

describe("checkPlanRules", () => {
  it.each(brokenPlans)("reports $kind", ({ source: text, problems }) => {
    expect(ruleProblems(text)).toEqual(problems);
  });

  it("accepts a null command when no gate needs it, and ci on a GitHub forge runs no command of ours", () => {
    const text = source(
      "forge: { kind: github, owner: acme, repo: widget }",
      "defaults:",
      "  done: [local_check, ci_green, pr_merged]",
      "  commands: { build: null, ci: null }",
      "workstreams:",
      "  - { id: a, goal: x }",
    );
    expect(ruleProblems(text)).toEqual([]);
  });

  it("accepts plan gates named in done lists beside the built-in ones", () => {
    const text = source(
      "gates:",
      "  clippy: { run: cargo clippy --all-targets -- -D warnings }",
      '  fmt:    { run: cargo fmt --check, fix_hint: "run cargo fmt" }',
      "defaults:",
      "  done: [fmt, clippy, local_check, release_build, ci_green, pr_merged, issue_closed, diff_scope]",
      "workstreams:",
      "  - { id: a, goal: x, issue: 3 }",
      "  - { id: b, goal: x, done: [fmt, local_check] }",
    );
    expect(ruleProblems(text)).toEqual([]);
  });

  it("accepts the example plan of DESIGN.md", () => {
    const text = source(
      "name: week2",
      "repo: ../widget",
      "base: main",
      "forge: { kind: local }",
      "agent: { provider: anthropic, model: claude-sonnet-5-5 }",
      "concurrency: 2",
      "rollout: canary",
      "defaults:",
      "  done: [local_check, release_build, ci_green, pr_merged, issue_closed, diff_scope]",
      "  commands: { check: npm test, build: npm run build, ci: npm ci && npm test }",
      "  budget: { minutes: 60, turns: 60, tokens: 2000000, usd: 10 }",
      "  stall: { idle_seconds: 600, repeat_limit: 3, max_rejections: 3 }",
      "workstreams:",
      "  - id: ws1-fix-failing-prs",
      "    issue: 72",
      "    goal: Make the CI of PR #72 green and merge it.",
      "    brief: |",
      "      Longer instructions for the worker.",
      "  - id: ws2-reentrant-host-fns",
      "    issue: 60",
      "    goal: Refactor HostFn so host functions can call closures.",
      "    depends_on: [ws1-fix-failing-prs]",
      "    done: [local_check, ci_green, pr_merged, issue_closed, diff_scope]",
    );
    expect(ruleProblems(text)).toEqual([]);
  });
});
