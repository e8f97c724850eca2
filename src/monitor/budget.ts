/**
 * A workstream's budget as it stands: the plan's limits, widened by each human approval that
 * extended them, and what has been spent against each. Pure; the state comes from the journal.
 */
import type { BudgetConfig } from "../plan/index.ts";
import type { WorkstreamState } from "../run/index.ts";

export interface BudgetLine {
  name: "minutes" | "tokens" | "usd" | "turns";
  used: number;
  limit: number;
}

/**
 * Each extension grants the plan's budget once more: tokens, dollars and turns add up, and the
 * clock restarts from the approval (time spent waiting on the human is not the worker's).
 */
export function effectiveBudget(budget: BudgetConfig, state: WorkstreamState): BudgetConfig {
  const grants = 1 + state.budgetExtensions;
  return {
    minutes: budget.minutes,
    tokens: budget.tokens * grants,
    usd: budget.usd * grants,
    turns: budget.turns * grants,
  };
}

/** When the time budget began: the workstream's start, or the latest extension. */
function timeBudgetStartMs(state: WorkstreamState, nowMs: number): number {
  const since = state.budgetExtendedAt ?? state.startedAt;
  return since ? Date.parse(since) : nowMs;
}

/** What a new start may still spend: the effective limits less what earlier starts spent. */
export function remainingBudget(budget: BudgetConfig, state: WorkstreamState): BudgetConfig {
  const limits = effectiveBudget(budget, state);
  return {
    minutes: budget.minutes,
    tokens: Math.max(0, limits.tokens - (state.inputTokens + state.outputTokens)),
    usd: Math.max(0, limits.usd - state.costUsd),
    turns: Math.max(0, limits.turns - state.turns),
  };
}

export function remainingBudgetMs(budget: BudgetConfig, state: WorkstreamState, nowMs: number): number {
  return timeBudgetStartMs(state, nowMs) + budget.minutes * 60_000 - nowMs;
}

export function budgetLines(budget: BudgetConfig, state: WorkstreamState, nowMs: number): BudgetLine[] {
  const limits = effectiveBudget(budget, state);
  return [
    { name: "minutes", used: (nowMs - timeBudgetStartMs(state, nowMs)) / 60_000, limit: limits.minutes },
    { name: "tokens", used: state.inputTokens + state.outputTokens, limit: limits.tokens },
    { name: "usd", used: state.costUsd, limit: limits.usd },
    { name: "turns", used: state.turns, limit: limits.turns },
  ];
}

/** The first budget line spent, if any: the time budget, tokens, dollars or turns. */
export function exhaustedBudget(
  budget: BudgetConfig,
  state: WorkstreamState,
  nowMs: number,
): BudgetLine | null {
  const lines = budgetLines(budget, state, nowMs);
  if (remainingBudgetMs(budget, state, nowMs) <= 0) return lines[0]!;
  return lines.find((line) => line.used >= line.limit) ?? null;
}

export function describeBudgetLine(line: BudgetLine): string {
  return `${formatAmount(line.used)} of ${formatAmount(line.limit)} ${line.name}`;
}

export function formatAmount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
