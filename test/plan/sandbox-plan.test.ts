import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PlanError, type PlanProblem } from "../../src/errors.ts";
import { loadPlan, validatePlanSource } from "../../src/plan/load-plan.ts";

const file = "plans/sandboxed.yaml";
const source = (...lines: string[]): string => `${lines.join("\n")}\n`;
const workstreams = ["workstreams:", "  - { id: a, goal: x }"];
const problem = (line: number, column: number, path: string, message: string): PlanProblem => ({
  file,
  line,
  column,
  path,
  message,
});

describe("the plan's sandbox", () => {
  it("keeps none and host, and defaults max_processes", () => {
    for (const network of ["none", "host"] as const) {
      const { plan, problems } = validatePlanSource(
        source(`sandbox: { network: ${network} }`, ...workstreams),
        file,
      );
      expect(problems).toEqual([]);
      expect(plan?.sandbox).toEqual({ isolation: "bwrap", network, max_processes: 1024 });
    }
  });

  it("accepts an allow-list of hosts, wildcards and ports, and a max_processes", () => {
    const { plan, problems } = validatePlanSource(
      source(
        "sandbox:",
        "  max_processes: 256",
        "  network:",
        "    allow:",
        "      - registry.npmjs.org",
        "      - api.anthropic.com:443",
        '      - "*.github.com"',
        "      - localhost:8080",
        "      - 10.0.0.7",
        ...workstreams,
      ),
      file,
    );
    expect(problems).toEqual([]);
    expect(plan?.sandbox).toEqual({
      isolation: "bwrap",
      network: {
        allow: ["registry.npmjs.org", "api.anthropic.com:443", "*.github.com", "localhost:8080", "10.0.0.7"],
      },
      max_processes: 256,
    });
  });

  it("reports each bad host at its own line and column", () => {
    const { problems } = validatePlanSource(
      source(
        "sandbox:",
        "  network:",
        "    allow:",
        "      - https://registry.npmjs.org",
        "      - api.anthropic.com:99999",
        '      - "*"',
        '      - "git*.example.com"',
        "      - bad_host.example",
        ...workstreams,
      ),
      file,
    );
    expect(problems).toEqual([
      problem(
        4,
        9,
        "sandbox.network.allow[0]",
        'expected a host name, not a URL (drop the scheme and path: registry.npmjs.org), got "https://registry.npmjs.org"',
      ),
      problem(
        5,
        9,
        "sandbox.network.allow[1]",
        'expected a port from 1 to 65535 after the colon, got "api.anthropic.com:99999"',
      ),
      problem(
        6,
        9,
        "sandbox.network.allow[2]",
        'expected a host name like registry.npmjs.org or *.github.com (for every host, use `network: host`), got "*"',
      ),
      problem(
        7,
        9,
        "sandbox.network.allow[3]",
        'a wildcard is only allowed as the whole first label, as in *.github.com, got "git*.example.com"',
      ),
      problem(
        8,
        9,
        "sandbox.network.allow[4]",
        'expected a host name of letters, digits, hyphens and dots, like registry.npmjs.org, got "bad_host.example"',
      ),
    ]);
  });

  it("says which shapes network takes when it is none of them", () => {
    const { problems } = validatePlanSource(
      source("sandbox:", "  network: proxy", "  max_processes: 4", ...workstreams),
      file,
    );
    expect(problems).toEqual([
      problem(2, 12, "sandbox.network", "expected none, host or a mapping { allow: [host, …] }"),
      problem(3, 18, "sandbox.max_processes", "expected at least 16, got 4"),
    ]);
  });

  it("refuses an allow-list without isolation: nothing would enforce it", () => {
    const { problems } = validatePlanSource(
      source("sandbox:", "  isolation: none", "  network: { allow: [registry.npmjs.org] }", ...workstreams),
      file,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 3, column: 12, path: "sandbox.network" });
    expect(problems[0]!.message).toContain("a host allow-list needs `isolation: bwrap`");
  });

  it("refuses an empty allow-list: no host at all is `network: none`", () => {
    const { problems } = validatePlanSource(
      source("sandbox: { network: { allow: [] } }", ...workstreams),
      file,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ line: 1, path: "sandbox.network.allow" });
  });
});

describe("loadPlan with a bad host", () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "supervise-sandbox-plan-"));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("throws a PlanError naming file:line:column and the field", async () => {
    const planFile = path.join(root, "plan.yaml");
    await writeFile(
      planFile,
      source("sandbox:", "  network: { allow: [registry.npmjs.org, 'a b'] }", ...workstreams),
    );
    const error = await loadPlan(planFile).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).message).toContain(
      `${planFile}:2:42: sandbox.network.allow[1]: expected a host name of letters, digits, hyphens and dots, like registry.npmjs.org, got "a b"`,
    );
  });
});
