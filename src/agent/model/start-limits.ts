/**
 * The limits of one worker start, checked in one place before every model call. The budget is the
 * workstream's; the run sums usage across starts in the journal, but a start sees only its own, so
 * it stops when its own usage reaches the budget and says so. The run's own checks cover the sum.
 */
import type { BudgetConfig } from "../../plan/index.ts";
import type { Usage } from "../../usage.ts";

export interface LimitReached {
  isTimedOut: boolean;
  description: string;
}

/**
 * Tokens are input + output, as `supervise status` counts them: cache reads and writes are priced
 * into the dollar budget instead, or a cached 50-turn conversation would spend a token budget on
 * text the API did not process again.
 */
export function checkStartLimits(input: {
  budget: BudgetConfig;
  /** What this start has used so far. */
  usage: Usage;
  elapsedMs: number;
  timeoutMs: number;
}): LimitReached | null {
  const { budget, usage } = input;
  // The budget a start gets is what the workstream has left: earlier starts already spent the rest.
  const ofThisStart = "by this start, of what the workstream had left";
  if (input.elapsedMs >= input.timeoutMs) {
    return {
      isTimedOut: true,
      description: `timed out: the ${Math.round(input.timeoutMs / 1000)} s left of the time budget are spent`,
    };
  }
  if (usage.turns >= budget.turns) {
    return {
      isTimedOut: false,
      description: `stopped: turn budget reached (${usage.turns} of ${budget.turns} turns used ${ofThisStart})`,
    };
  }
  const tokens = usage.inputTokens + usage.outputTokens;
  if (tokens >= budget.tokens) {
    return {
      isTimedOut: false,
      description: `stopped: token budget reached (${tokens} of ${budget.tokens} tokens used ${ofThisStart})`,
    };
  }
  if (usage.costUsd >= budget.usd) {
    return {
      isTimedOut: false,
      description: `stopped: cost budget reached ($${usage.costUsd.toFixed(4)} of $${budget.usd} spent ${ofThisStart}; estimated)`,
    };
  }
  return null;
}
