import { describe, expect, it } from "vitest";
import { judgeMetric, type MetricGate, readMetric } from "../../src/evidence/metric-gate.ts";

const gate: MetricGate = {
  gate: "bench",
  command: "./bench",
  timeoutMs: 60_000,
  pattern: "parse: ([\\d.,]+) ms",
  maxRegressionPercent: 5,
};
const baseRun = (output: string, exitCode: number | null = 0) =>
  ({ kind: "ran", exitCode, output, log: "evidence/ws/logs/claim-1-bench-base.log" }) as const;

describe("readMetric", () => {
  it("reads the last match's first group, with thousands separators", () => {
    expect(readMetric("warmup\nparse: 9.5 ms\nparse: 1,204.5 ms\n", gate.pattern)).toBe(1204.5);
    expect(readMetric("size 4096", "\\d+")).toBe(4096);
    expect(readMetric("nothing here", gate.pattern)).toBeNull();
  });
});

describe("judgeMetric", () => {
  it("passes a claim within max_regression of the base, and fails one beyond it", () => {
    expect(judgeMetric(gate, 104, baseRun("parse: 100 ms"))).toEqual({
      status: "pass",
      detail: "104 at the claim, 100 at the base: +4.0% (at most +5%)",
      observed: {
        pattern: gate.pattern,
        claim: 104,
        base: 100,
        change_percent: 4,
        max_regression_percent: 5,
        base_log: "evidence/ws/logs/claim-1-bench-base.log",
      },
    });
    expect(judgeMetric(gate, 106, baseRun("parse: 100 ms"))).toMatchObject({
      status: "fail",
      detail: "106 at the claim, 100 at the base: +6.0% (at most +5%)",
    });
    expect(judgeMetric(gate, 80, baseRun("parse: 100 ms"))).toMatchObject({ status: "pass" });
  });

  it("fails a claim that prints no number, and cannot judge against a base that gave none", () => {
    expect(judgeMetric(gate, null, baseRun("parse: 100 ms")).status).toBe("fail");
    expect(judgeMetric(gate, 100, baseRun("parse: 100 ms", 1))).toMatchObject({
      status: "error",
      detail: "`./bench` failed at the base (exit 1): no number to compare with",
    });
    expect(judgeMetric(gate, 100, baseRun("crashed"))).toMatchObject({ status: "error" });
    expect(
      judgeMetric(gate, 100, { kind: "not-run", reason: "git could not check it out: gone" }),
    ).toMatchObject({
      status: "error",
      detail: "the base run could not be made: git could not check it out: gone",
    });
  });
});
