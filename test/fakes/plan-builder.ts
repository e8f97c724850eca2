/** Builds resolved plans for tests without YAML or a repository on disk. */
import { builtInDefaults, defaultReviewer, type Plan, type Workstream } from "../../src/plan/schema.ts";

export function testWorkstream(id: string, overrides: Partial<Workstream> = {}): Workstream {
  return {
    id,
    branch: `supervise/${id}`,
    issue: undefined,
    goal: `goal of ${id}`,
    brief: undefined,
    dependsOn: [],
    kind: "change",
    phase: undefined,
    agent: { provider: "command", command: "true" },
    commands: { check: "true", build: "true", ci: "true" },
    budget: { ...builtInDefaults.budget },
    stall: { ...builtInDefaults.stall },
    done: ["local_check"],
    commandGates: {},
    reviewer: { ...defaultReviewer },
    hostLabels: [],
    ...overrides,
  };
}

export function testPlan(workstreams: Workstream[], overrides: Partial<Plan> = {}): Plan {
  return {
    file: "/plans/test.yaml",
    name: "test",
    repo: "/repos/test",
    base: "main",
    forge: { kind: "local" },
    concurrency: 2,
    rollout: "parallel",
    playbooks: undefined,
    notify: undefined,
    hosts: undefined,
    secrets: [],
    gates: {},
    phases: [],
    sandbox: { isolation: "none", network: "none", max_processes: 1024 },
    workstreams,
    ...overrides,
  };
}
