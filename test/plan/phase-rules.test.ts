/** Phases in a plan: what validation refuses (with file:line:column and did-you-mean) and how they resolve. */
import { describe, expect, it } from "vitest";
import type { PlanProblem } from "../../src/errors.ts";
import { parsePlan, sortProblems } from "../../src/plan/parse-plan.ts";
import { checkPlanRules } from "../../src/plan/plan-rules.ts";
import { resolvePlan } from "../../src/plan/resolve-plan.ts";

const file = "phased.yaml";
const source = (...lines: string[]): string => `${lines.join("\n")}\n`;
const problem = (line: number, column: number, path: string, message: string): PlanProblem => ({
  file,
  line,
  column,
  path,
  message,
});

function ruleProblems(text: string): PlanProblem[] {
  const { document, problems, locate } = parsePlan(text, file);
  expect(problems).toEqual([]);
  return sortProblems(checkPlanRules(document!, locate));
}

const gatesAndPhases = [
  "gates:",
  "  registry: { run: bash check-registry.sh }",
  '  bench: { run: cargo bench, metric: "(\\\\d+) ns/iter", max_regression: 10 }',
  "phases:",
];

describe("phase rules", () => {
  it("refuses a phase the phases map does not have, with did-you-mean", () => {
    const text = source(
      ...gatesAndPhases,
      "  build: { gates: [registry] }",
      "  polish: {}",
      "workstreams:",
      "  - { id: a, phase: buld, goal: x }",
    );
    expect(ruleProblems(text)).toEqual([
      problem(
        8,
        21,
        "workstreams[0].phase",
        'unknown phase "buld" (did you mean "build"?); phases are build, polish (under phases)',
      ),
    ]);
  });

  it("refuses a phase gate naming an unknown gate, a built-in gate or a metric gate", () => {
    const text = source(
      ...gatesAndPhases,
      "  build: { gates: [registy, local_check, bench, { run: make lint }] }",
      "workstreams:",
      "  - { id: a, phase: build, goal: x }",
    );
    expect(ruleProblems(text)).toEqual([
      problem(
        5,
        20,
        "phases.build.gates[0]",
        'unknown gate "registy" (did you mean "registry"?); a phase gate is a gate defined under gates (registry, bench) or { run: COMMAND }',
      ),
      problem(
        5,
        29,
        "phases.build.gates[1]",
        '"local_check" is a built-in gate of a claim; a phase runs commands on the integrated base: name a gate defined under gates, or write { run: COMMAND }',
      ),
      problem(
        5,
        42,
        "phases.build.gates[2]",
        'gate "bench" has a metric, which compares a claim with its base; on the integrated base there is no claim: use a gate without metric, or { run: COMMAND }',
      ),
    ]);
  });

  it("refuses a dependency on a workstream of a later phase, at the dependency", () => {
    const text = source(
      ...gatesAndPhases,
      "  build: {}",
      "  polish: {}",
      "workstreams:",
      "  - { id: docs, phase: polish, goal: x }",
      "  - { id: a, phase: build, goal: x, depends_on: [docs] }",
      "  - { id: b, phase: polish, goal: x, depends_on: [a] }",
    );
    expect(ruleProblems(text)).toEqual([
      problem(
        9,
        50,
        "workstreams[1].depends_on[0]",
        'workstream "a" of phase build depends on "docs" of the later phase polish, which starts only after build is done: move one of them, or drop the dependency',
      ),
    ]);
  });

  it("without a phases map, orders phases as workstreams first name them and still refuses a backward dependency", () => {
    const text = source(
      "workstreams:",
      "  - { id: a, phase: first, goal: x, depends_on: [b] }",
      "  - { id: b, phase: second, goal: x }",
    );
    expect(ruleProblems(text)).toEqual([
      problem(
        2,
        50,
        "workstreams[0].depends_on[0]",
        'workstream "a" of phase first depends on "b" of the later phase second, which starts only after first is done: move one of them, or drop the dependency',
      ),
    ]);
  });

  it("refuses a phase name that cannot name an escalation or a log", () => {
    const { problems } = parsePlan(source("workstreams:", '  - { id: a, phase: "Build 1", goal: x }'), file);
    expect(problems).toEqual([
      problem(
        2,
        21,
        "workstreams[0].phase",
        "use lower-case letters, digits, _ and -, starting with a letter",
      ),
    ]);
  });
});

describe("resolving phases", () => {
  it("keeps the phases map's order, resolves named and inline gates, and lists each phase's workstreams", () => {
    const text = source(
      ...gatesAndPhases,
      "  build: { gates: [registry, { run: cargo build --release, timeout_minutes: 5 }] }",
      "  polish: {}",
      "workstreams:",
      "  - { id: docs, phase: polish, goal: x }",
      "  - { id: a, phase: build, goal: x }",
      "  - { id: free, goal: x }",
    );
    const { document } = parsePlan(text, file);
    const plan = resolvePlan(document!, `/plans/${file}`);
    expect(plan.phases).toEqual([
      {
        name: "build",
        workstreams: ["a"],
        gates: [
          { name: "registry", run: "bash check-registry.sh", timeoutMinutes: 60 },
          { name: "build-2", run: "cargo build --release", timeoutMinutes: 5 },
        ],
      },
      { name: "polish", workstreams: ["docs"], gates: [] },
    ]);
    expect(plan.workstreams.map((workstream) => [workstream.id, workstream.phase])).toEqual([
      ["docs", "polish"],
      ["a", "build"],
      ["free", undefined],
    ]);
  });
});
