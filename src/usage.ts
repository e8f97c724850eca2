/**
 * Model usage: six counters, summed per turn, per worker start, per workstream and per run. They
 * are named once, here; the journal, bundle.json and the report spell the same counters in
 * snake_case, so that spelling is derived from the same table rather than typed again.
 */

const usageRecordNames = {
  turns: "turns",
  /** Uncached input tokens, as the API's `input_tokens`; cache reads and writes are counted apart. */
  inputTokens: "input_tokens",
  outputTokens: "output_tokens",
  cacheReadTokens: "cache_read_tokens",
  cacheWriteTokens: "cache_write_tokens",
  /** Estimated from the price table the run uses. */
  costUsd: "cost_usd",
} as const;

type UsageCounter = keyof typeof usageRecordNames;

export type Usage = { [Counter in UsageCounter]: number };

/** The counters as the journal (`worker.usage`), bundle.json and the report write them. */
export type UsageRecord = { [Counter in UsageCounter as (typeof usageRecordNames)[Counter]]: number };

const usageCounters = Object.keys(usageRecordNames) as UsageCounter[];

export function emptyUsage(): Usage {
  return { turns: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
}

/** Adds `more` into `total` (mutating it: a run adds thousands of turns). */
export function addUsage(total: Usage, more: Usage): void {
  for (const counter of usageCounters) total[counter] += more[counter];
}

export function usageOf(record: UsageRecord): Usage {
  return {
    turns: record.turns,
    inputTokens: record.input_tokens,
    outputTokens: record.output_tokens,
    cacheReadTokens: record.cache_read_tokens,
    cacheWriteTokens: record.cache_write_tokens,
    costUsd: record.cost_usd,
  };
}

export function usageRecordOf(usage: Usage): UsageRecord {
  return {
    turns: usage.turns,
    input_tokens: usage.inputTokens,
    output_tokens: usage.outputTokens,
    cache_read_tokens: usage.cacheReadTokens,
    cache_write_tokens: usage.cacheWriteTokens,
    cost_usd: usage.costUsd,
  };
}
