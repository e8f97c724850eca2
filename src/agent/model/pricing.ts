/**
 * What a model turn cost, as an estimate for budgets and reports, never an invoice: list prices in
 * US dollars per million tokens by model family, as published when this table was written. A cache
 * write costs 1.25× the input price (5-minute TTL) or 2× (1-hour TTL), a cache read 0.1×. A model
 * of an unknown family is priced as the most expensive family known, so a dollar budget stops a
 * worker early rather than late. Callers with other prices pass their own table.
 */
import type { Usage } from "@anthropic-ai/sdk/resources/messages";
import type { TurnUsage } from "../worker.ts";

export interface TokenPrices {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
}

/** Keyed by family, the word after `claude-` in a model id (`claude-sonnet-5-5` → `sonnet`). */
export type PricingTable = Readonly<Record<string, TokenPrices>>;

export const defaultPricing: PricingTable = {
  haiku: { inputUsdPerMillion: 1, outputUsdPerMillion: 5 },
  sonnet: { inputUsdPerMillion: 3, outputUsdPerMillion: 15 },
  opus: { inputUsdPerMillion: 5, outputUsdPerMillion: 25 },
  mythos: { inputUsdPerMillion: 25, outputUsdPerMillion: 125 },
};

const cacheWrite5mMultiplier = 1.25;
const cacheWrite1hMultiplier = 2;
const cacheReadMultiplier = 0.1;

export function pricesFor(model: string, table: PricingTable): TokenPrices {
  const family = /^claude-([a-z]+)/.exec(model)?.[1];
  const known = family === undefined ? undefined : table[family];
  if (known) return known;
  return Object.values(table).reduce<TokenPrices>(
    (highest, prices) => (prices.outputUsdPerMillion > highest.outputUsdPerMillion ? prices : highest),
    { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
  );
}

export type BillableUsage = Pick<
  Usage,
  "input_tokens" | "output_tokens" | "cache_creation_input_tokens" | "cache_read_input_tokens"
> & { cache_creation?: Usage["cache_creation"] | undefined };

export function estimateCostUsd(usage: BillableUsage, model: string, table: PricingTable): number {
  const prices = pricesFor(model, table);
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  // The TTL split, when the API reports it; otherwise every write is priced at the 5-minute rate we ask for.
  const written1h = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const written5m = cacheWrite - written1h;
  const inputEquivalent =
    usage.input_tokens +
    written5m * cacheWrite5mMultiplier +
    written1h * cacheWrite1hMultiplier +
    (usage.cache_read_input_tokens ?? 0) * cacheReadMultiplier;
  return (
    (inputEquivalent * prices.inputUsdPerMillion + usage.output_tokens * prices.outputUsdPerMillion) /
    1_000_000
  );
}

/** One turn's usage as the run journals it; a null cache count from the API means none. */
export function turnUsageOf(usage: BillableUsage, model: string, table: PricingTable): TurnUsage {
  return {
    turns: 1,
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
    costUsd: estimateCostUsd(usage, model, table),
    model,
  };
}
