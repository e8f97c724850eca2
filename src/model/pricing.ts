/**
 * What a model turn cost, as an estimate for budgets and reports, never an invoice: the prices come
 * from a price table (data with an effective date, see price-table.ts), by model family. A model of
 * an unknown family is priced as the most expensive family known, so a dollar budget stops a worker
 * early rather than late.
 */
import type { Usage } from "@anthropic-ai/sdk/resources/messages";
import type { Usage as UsageCounters } from "../usage.ts";
import { bundledPriceFile, loadPriceTable, type ModelPrices, type PricingTable } from "./price-table.ts";

export type { ModelPrices, PricingTable } from "./price-table.ts";

/** One model turn's usage, and the model that was billed for it. */
export interface TurnUsage extends UsageCounters {
  model: string;
}

/**
 * The bundled price file, for callers that are not handed a table (the review gate's verdict).
 * Read when used, never at import; the composition root loads the file once and passes the table
 * down instead, so a bad file fails before the run starts.
 */
export const defaultPricing: PricingTable = {
  get effectiveDate() {
    return loadPriceTable(bundledPriceFile()).effectiveDate;
  },
  get source() {
    return bundledPriceFile();
  },
  get families() {
    return loadPriceTable(bundledPriceFile()).families;
  },
};

export function pricesFor(model: string, table: PricingTable): ModelPrices {
  const families = table.families;
  const family = /^claude-([a-z]+)/.exec(model)?.[1];
  const known = family === undefined ? undefined : families[family];
  if (known) return known;
  return Object.values(families).reduce<ModelPrices>(
    (highest, prices) => (prices.outputUsdPerMillion > highest.outputUsdPerMillion ? prices : highest),
    {
      inputUsdPerMillion: 0,
      outputUsdPerMillion: 0,
      cacheWrite5mUsdPerMillion: 0,
      cacheWrite1hUsdPerMillion: 0,
      cacheReadUsdPerMillion: 0,
    },
  );
}

/**
 * An OpenAI model's prices: the listed model id that is the longest start of `model`
 * (`gpt-5-codex-2026-01` → `gpt-5-codex`); an unlisted model is priced as the most expensive one
 * listed, so a dollar budget stops a worker early, not late. Undefined when no model is listed.
 */
export function openAiPricesFor(model: string, table: PricingTable): ModelPrices | undefined {
  const listed = Object.entries(table.models ?? {});
  if (listed.length === 0) return undefined;
  const id = model.toLowerCase();
  const match = listed
    .filter(([prefix]) => id.startsWith(prefix))
    .sort(([left], [right]) => right.length - left.length)[0];
  if (match) return match[1];
  return listed
    .map(([, prices]) => prices)
    .reduce((highest, prices) =>
      prices.outputUsdPerMillion > highest.outputUsdPerMillion ? prices : highest,
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
  return (
    (usage.input_tokens * prices.inputUsdPerMillion +
      written5m * prices.cacheWrite5mUsdPerMillion +
      written1h * prices.cacheWrite1hUsdPerMillion +
      (usage.cache_read_input_tokens ?? 0) * prices.cacheReadUsdPerMillion +
      usage.output_tokens * prices.outputUsdPerMillion) /
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
