/**
 * A plan gate with a `metric`: its command runs at the claimed commit (in the checkout, like any
 * command gate) and at the base (in a clone, like diff_scope's base run), and the number it prints
 * at the claim may be at most `max_regression` percent above the base's. Lower is better: a time,
 * a size. Both runs are the supervisor's, back to back on one machine; no number is taken from
 * the worker or from an earlier run.
 */
import { join } from "node:path";
import { runGateCommandAtBase } from "./base-command-run.ts";
import { type CheckoutCommand, observeCheckoutCommand } from "./checkout-gates.ts";
import { readLogHead } from "./error-excerpt.ts";
import type { GateRun } from "./gate-context.ts";
import type { GateResult, GateStatus } from "./gate-result.ts";

export interface MetricGate extends CheckoutCommand {
  command: string;
  /** A regular expression: its first group (or the whole match) is the number; the last match counts. */
  pattern: string;
  maxRegressionPercent: number;
}

/** What the base run gave: its output, or why it did not run. */
export type BaseMetricRun =
  | { kind: "ran"; exitCode: number | null; output: string; log: string }
  | { kind: "not-run"; reason: string };

export async function observeMetricGate(run: GateRun, gate: MetricGate): Promise<GateResult> {
  const claimed = await observeCheckoutCommand(run, gate);
  if (claimed.status !== "pass" || !claimed.command) return claimed;
  const claimOutput =
    (await readLogHead(join(run.services.runDirectory, claimed.command.log))) ?? claimed.command.outputTail;
  const base = await runAtBase(run, gate);
  const judged = judgeMetric(gate, readMetric(claimOutput, gate.pattern), base);
  return {
    ...claimed,
    status: judged.status,
    detail: judged.detail,
    observed: { ...claimed.observed, metric: judged.observed },
  };
}

/** Pure: the last number the pattern finds in `output`; null when it finds none. */
export function readMetric(output: string, pattern: string): number | null {
  const matches = [...output.matchAll(new RegExp(pattern, "g"))];
  const last = matches.at(-1);
  if (last === undefined) return null;
  const value = Number((last[1] ?? last[0]).replace(/[,_]/g, ""));
  return Number.isFinite(value) ? value : null;
}

/** Pure: the verdict on the claim's number against the base's. */
export function judgeMetric(
  gate: MetricGate,
  claim: number | null,
  base: BaseMetricRun,
): { status: GateStatus; detail: string; observed: Record<string, unknown> } {
  const observed = {
    pattern: gate.pattern,
    claim,
    base: null as number | null,
    change_percent: null as number | null,
    max_regression_percent: gate.maxRegressionPercent,
    base_log: base.kind === "ran" ? base.log : null,
  };
  if (claim === null) {
    return {
      status: "fail",
      detail: `\`${gate.command}\` printed no number matching /${gate.pattern}/`,
      observed,
    };
  }
  // The base's problems are no fault of the claim: the gate could not judge it (error), it did not fail it.
  if (base.kind === "not-run") {
    return { status: "error", detail: `the base run could not be made: ${base.reason}`, observed };
  }
  if (base.exitCode !== 0) {
    return {
      status: "error",
      detail: `\`${gate.command}\` failed at the base (exit ${base.exitCode ?? "by a signal"}): no number to compare with`,
      observed,
    };
  }
  const baseValue = readMetric(base.output, gate.pattern);
  if (baseValue === null) {
    return {
      status: "error",
      detail: `\`${gate.command}\` printed no number matching /${gate.pattern}/ at the base`,
      observed,
    };
  }
  const limit = baseValue * (1 + gate.maxRegressionPercent / 100);
  const changePercent =
    baseValue === 0 ? (claim === 0 ? 0 : null) : ((claim - baseValue) / Math.abs(baseValue)) * 100;
  const change =
    changePercent === null ? "from 0" : `${changePercent >= 0 ? "+" : ""}${changePercent.toFixed(1)}%`;
  const detail = `${claim} at the claim, ${baseValue} at the base: ${change} (at most +${gate.maxRegressionPercent}%)`;
  return {
    status: claim <= limit ? "pass" : "fail",
    detail,
    observed: {
      ...observed,
      base: baseValue,
      change_percent: changePercent === null ? null : Number(changePercent.toFixed(2)),
    },
  };
}

/** The command at the base, in a throwaway clone, sandboxed through the same runner as the claim's run. */
async function runAtBase(run: GateRun, gate: MetricGate): Promise<BaseMetricRun> {
  const atBase = await runGateCommandAtBase(run, gate, join("metric", "work"));
  if (atBase.kind === "not-cloned")
    return { kind: "not-run", reason: `git could not check it out: ${atBase.reason}` };
  const { result, log } = atBase;
  if (result.error)
    return { kind: "not-run", reason: `\`${gate.command}\` could not start: ${result.error}` };
  if (result.isTimedOut) return { kind: "not-run", reason: `it timed out after ${result.durationMs} ms` };
  const output = (await readLogHead(join(run.services.runDirectory, log))) ?? result.output;
  return { kind: "ran", exitCode: result.exitCode, output, log };
}
