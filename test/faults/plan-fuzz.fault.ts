import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { validatePlanSource } from "../../src/plan/index.ts";
import { cliPath } from "../fakes/cli-harness.ts";
import { faultSeed } from "./fault-seed.ts";
import { planSource } from "./plan-arbitraries.ts";

/**
 * Fuzzed plan files: the pure validator never throws, whatever the text, and the CLI answers a
 * sample of them with exit 0 or 2 and a message, never a stack trace.
 */
const seed = faultSeed("plan fuzz", 20261124);
const directory = mkdtempSync(join(tmpdir(), "supervise-plan-fuzz-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("fuzzed plans", () => {
  it("validatePlanSource returns problems or a plan for 1,000 generated plans, and never throws", () => {
    let valid = 0;
    fc.assert(
      fc.property(planSource, (source) => {
        const validation = validatePlanSource(source, join(directory, "fuzz.yaml"));
        if (validation.plan) valid += 1;
        else expect(validation.problems.length).toBeGreaterThan(0);
        for (const problem of validation.problems) {
          expect(problem.line).toBeGreaterThanOrEqual(1);
          expect(problem.column).toBeGreaterThanOrEqual(1);
          expect(problem.message).not.toBe("");
        }
      }),
      { numRuns: 1_000, seed },
    );
    // The generators must reach valid plans too, or the rules after the schema were never exercised.
    expect(valid).toBeGreaterThan(0);
  });

  it("`supervise validate` exits 0 or 2 with a message, never a stack, for 50 of them", async () => {
    const sources = fc.sample(planSource, { numRuns: 50, seed });
    const outcomes = await Promise.all(
      sources.map(async (source, index) => {
        const file = join(directory, `plan-${index}.yaml`);
        writeFileSync(file, source);
        const result = await execa(process.execPath, [cliPath, "validate", file], {
          cwd: directory,
          reject: false,
          env: { NO_COLOR: "1" },
        });
        return { index, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr };
      }),
    );
    for (const outcome of outcomes) {
      const context = `seed ${seed}, sample ${outcome.index}:\n${sources[outcome.index]}\n---\n${outcome.stderr}`;
      expect([0, 2], context).toContain(outcome.exitCode);
      if (outcome.exitCode === 2) expect(outcome.stderr, context).toMatch(/^error: /);
      expect(outcome.stderr, context).not.toMatch(/internal error|^\s+at .+:\d+:\d+\)?$/m);
    }
  });
});
