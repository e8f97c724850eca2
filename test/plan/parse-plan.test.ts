import { describe, expect, it } from "vitest";
import type { PlanProblem } from "../../src/errors.ts";
import { parsePlan } from "../../src/plan/parse-plan.ts";

const file = "plans/week2.yaml";
const source = (...lines: string[]): string => `${lines.join("\n")}\n`;
const problem = (line: number, column: number, path: string, message: string): PlanProblem => ({
  file,
  line,
  column,
  path,
  message,
});

interface BrokenPlan {
  kind: string;
  source: string;
  problems: PlanProblem[];
  /** A duplicate key leaves a usable document (the last value wins), so later checks still run. */
  keepsDocument?: boolean;
}

const brokenPlans: BrokenPlan[] = [
  {
    kind: "YAML syntax error, at yaml's own position",
    source: source("name: demo", "workstreams:", "  - id: a", "    goal: x: y"),
    problems: [problem(4, 11, "", "invalid YAML: nested mappings are not allowed in compact mappings")],
  },
  {
    kind: "unknown top-level field, at its key, listing the allowed fields",
    source: source("name: demo", "colour: blue", "workstreams:", "  - { id: a, goal: x, issue: 1 }"),
    problems: [
      problem(
        2,
        1,
        "colour",
        'unknown field "colour" (allowed here: name, repo, base, forge, agent, concurrency, rollout, gates, phases, defaults, reviewer, mutation, sandbox, secrets, hosts, notify, playbooks, workstreams)',
      ),
    ],
  },
  {
    kind: "unknown workstream field, with a suggestion",
    source: source("workstreams:", "  - id: a", "    goal: x", "    dependson: [b]"),
    problems: [
      problem(4, 5, "workstreams[0].dependson", 'unknown field "dependson" (did you mean "depends_on"?)'),
    ],
  },
  {
    kind: "missing goal, at the workstream's mapping",
    source: source("workstreams:", "  - id: a", "    issue: 3"),
    problems: [problem(2, 5, "workstreams[0].goal", 'missing required field "goal"')],
  },
  {
    kind: "wrong type, at the value",
    source: source("workstreams:", "  - id: a", "    goal: x", "    depends_on: b"),
    problems: [problem(4, 17, "workstreams[0].depends_on", 'expected a list, got "b"')],
  },
  {
    kind: "a number where a string belongs suggests quoting",
    source: source("workstreams:", "  - id: 42", "    goal: x"),
    problems: [
      problem(2, 9, "workstreams[0].id", 'expected a string, got 42 (quote it to make it a string: "42")'),
    ],
  },
  {
    kind: "negative budget",
    source: source(
      "defaults:",
      "  budget:",
      "    turns: -1",
      "    minutes: -5",
      "workstreams:",
      "  - { id: a, goal: x }",
    ),
    problems: [
      problem(3, 12, "defaults.budget.turns", "expected a positive integer, got -1"),
      problem(4, 14, "defaults.budget.minutes", "expected a positive number, got -5"),
    ],
  },
  {
    kind: "fractional turns",
    source: source("workstreams:", "  - id: a", "    goal: x", "    budget: { turns: 2.5 }"),
    problems: [problem(4, 22, "workstreams[0].budget.turns", "expected a positive integer, got 2.5")],
  },
  {
    kind: "zero concurrency",
    source: source("concurrency: 0", "workstreams:", "  - { id: a, goal: x }"),
    problems: [problem(1, 14, "concurrency", "expected a positive integer, got 0")],
  },
  {
    kind: "a plan gate whose name is not a plain id, at the name",
    source: source(
      "gates:",
      "  Fmt Check: { run: cargo fmt --check }",
      "workstreams:",
      "  - { id: a, goal: x }",
    ),
    problems: [
      problem(
        2,
        3,
        "gates.Fmt Check",
        'invalid name "Fmt Check": use lower-case letters, digits, _ and -, starting with a letter',
      ),
    ],
  },
  {
    kind: "a plan gate without its command, and with a misspelt field",
    source: source("gates:", "  fmt: { fixhint: run cargo fmt }", "workstreams:", "  - { id: a, goal: x }"),
    problems: [
      problem(2, 8, "gates.fmt.run", 'missing required field "run"'),
      problem(2, 10, "gates.fmt.fixhint", 'unknown field "fixhint" (did you mean "fix_hint"?)'),
    ],
  },
  {
    kind: "a metric without its max_regression, and one that is no regular expression",
    source: source(
      "gates:",
      "  bench: { run: ./bench, metric: 'parse: (\\d+) ms' }",
      "  size: { run: ./size, metric: '(unclosed', max_regression: 2 }",
      "workstreams:",
      "  - { id: a, goal: x }",
    ),
    problems: [
      problem(
        2,
        10,
        "gates.bench.max_regression",
        "metric and max_regression go together: add max_regression, or remove metric",
      ),
      problem(
        3,
        32,
        "gates.size.metric",
        "not a regular expression: Invalid regular expression: /(unclosed/: Unterminated group",
      ),
    ],
  },
  {
    kind: "a done entry that is not a name",
    source: source("defaults:", "  done: [local_check, 3]", "workstreams:", "  - { id: a, goal: x }"),
    problems: [
      problem(
        2,
        23,
        "defaults.done[1]",
        "expected a gate: a built-in one or one the plan defines under gates",
      ),
    ],
  },
  {
    kind: "unknown provider names the allowed values",
    source: source("agent:", "  provider: openai", "workstreams:", "  - { id: a, goal: x }"),
    problems: [
      problem(
        2,
        13,
        "agent.provider",
        'provider must be one of anthropic, replay, command, claude-code, codex, got "openai"',
      ),
    ],
  },
  {
    kind: "missing provider, at the agent mapping",
    source: source("workstreams:", "  - id: a", "    goal: x", "    agent: { model: m }"),
    problems: [
      problem(
        4,
        12,
        "workstreams[0].agent.provider",
        'missing required field "provider" (one of anthropic, replay, command, claude-code, codex)',
      ),
    ],
  },
  {
    kind: "an agent written as a bare provider name",
    source: source("agent: anthropic", "workstreams:", "  - { id: a, goal: x }"),
    problems: [problem(1, 8, "agent", 'expected a mapping such as { provider: anthropic }, got "anthropic"')],
  },
  {
    kind: "unknown field inside a provider's settings",
    source: source(
      "agent: { provider: anthropic, modle: claude-opus-5 }",
      "workstreams:",
      "  - { id: a, goal: x }",
    ),
    problems: [problem(1, 31, "agent.modle", 'unknown field "modle" (did you mean "model"?)')],
  },
  {
    kind: "unknown rollout",
    source: source("rollout: canry", "workstreams:", "  - { id: a, goal: x }"),
    problems: [
      problem(
        1,
        10,
        "rollout",
        'rollout must be one of parallel, canary, got "canry" (did you mean "canary"?)',
      ),
    ],
  },
  {
    kind: "an empty command asks for null instead",
    source: source("defaults:", '  commands: { build: "" }', "workstreams:", "  - { id: a, goal: x }"),
    problems: [problem(2, 22, "defaults.commands.build", "must not be empty (use null for no command)")],
  },
  {
    kind: "duplicate YAML key, at the second key",
    source: source("workstreams:", "  - id: a", "    goal: x", "    goal: y"),
    problems: [problem(4, 5, "workstreams[0].goal", 'duplicate field "goal" (first set on line 3)')],
    keepsDocument: true,
  },
  {
    kind: "empty workstreams",
    source: source("name: demo", "workstreams: []"),
    problems: [problem(2, 14, "workstreams", "the plan needs at least one workstream")],
  },
  {
    kind: "missing workstreams, at the top-level mapping",
    source: source("# a comment first", "name: demo"),
    problems: [problem(2, 1, "workstreams", 'missing required field "workstreams"')],
  },
  {
    kind: "an empty file",
    source: "",
    problems: [problem(1, 1, "", 'the plan is empty: it needs at least a "workstreams" list')],
  },
  {
    kind: "a workstream id longer than 64 characters",
    source: source("workstreams:", `  - id: ${"w".repeat(70)}`, "    goal: x"),
    problems: [problem(2, 9, "workstreams[0].id", "must be at most 64 characters long, got 70")],
  },
];

describe("parsePlan", () => {
  it.each(brokenPlans)("reports $kind", ({ source: text, problems, keepsDocument = false }) => {
    const parsed = parsePlan(text, file);
    expect(parsed.problems).toEqual(problems);
    expect(parsed.document !== undefined).toBe(keepsDocument);
  });

  it("reports every problem at once, in source order", () => {
    const text = source(
      "concurrency: -2",
      "workstreams:",
      "  - id: a",
      "    dependson: [b]",
      "  - id: b",
      "    goal: y",
      "    budget: { usd: 0 }",
      "rollout: fast",
    );
    expect(parsePlan(text, file).problems).toEqual([
      problem(1, 14, "concurrency", "expected a positive integer, got -2"),
      problem(3, 5, "workstreams[0].goal", 'missing required field "goal"'),
      problem(4, 5, "workstreams[0].dependson", 'unknown field "dependson" (did you mean "depends_on"?)'),
      problem(7, 20, "workstreams[1].budget.usd", "expected a positive number, got 0"),
      problem(8, 10, "rollout", 'rollout must be one of parallel, canary, got "fast"'),
    ]);
  });

  it("still returns the document when the only problem is a duplicate key, so later checks can run", () => {
    const parsed = parsePlan(
      source("base: main", "base: dev", "workstreams:", "  - { id: a, goal: x }"),
      file,
    );
    expect(parsed.problems).toEqual([problem(2, 1, "base", 'duplicate field "base" (first set on line 1)')]);
    expect(parsed.document?.base).toBe("dev");
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let level = 1; level < 10; level++) {
      const previous = `*l${level - 1}`.replace("*l0", "*a");
      levels.push(`l${level}: &l${level} [${Array(10).fill(previous).join(", ")}]`);
    }
    expect(parsePlan(source(...levels), file).problems).toEqual([
      problem(1, 1, "", "invalid YAML: excessive alias count indicates a resource exhaustion attack"),
    ]);
  });

  it("returns the document with the schema's defaults for a valid plan", () => {
    const parsed = parsePlan(source("workstreams:", "  - id: a", "    goal: x"), file);
    expect(parsed.problems).toEqual([]);
    expect(parsed.document).toEqual({
      repo: ".",
      base: "main",
      forge: { kind: "local" },
      agent: { provider: "anthropic", model: "claude-sonnet-5-5", max_tokens: 16_000 },
      concurrency: 2,
      rollout: "parallel",
      gates: {},
      defaults: {},
      sandbox: { isolation: "bwrap", network: "none", max_processes: 1024 },
      secrets: [],
      workstreams: [{ id: "a", goal: "x", depends_on: [] }],
    });
  });

  it("locates fields that are present and falls back to the enclosing node for absent ones", () => {
    const { locate } = parsePlan(source("# plan", "workstreams:", "  - id: a", "    goal: x"), file);
    expect(locate.valueAt(["workstreams", 0, "goal"])).toEqual({ line: 4, column: 11 });
    expect(locate.keyAt(["workstreams", 0, "goal"])).toEqual({ line: 4, column: 5 });
    expect(locate.valueAt(["workstreams", 0, "issue"])).toEqual({ line: 3, column: 5 });
    expect(locate.has(["workstreams", 0, "issue"])).toBe(false);
    expect(locate.has(["workstreams", 0, "id"])).toBe(true);
  });
});
