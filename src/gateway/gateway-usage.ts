/**
 * One response's usage in the project's Usage counters (src/usage.ts), priced from the run's price
 * table. A response that ran to its end is one turn; one cut off still cost its tokens, so it is
 * counted with zero turns rather than dropped.
 *
 * Both providers are priced by pricing.ts, whose rule for an unknown model (the most expensive one
 * listed) keeps a dollar budget on the safe side: Anthropic by family, OpenAI by the longest listed
 * start of the model id. Only a table that lists no OpenAI model at all leaves an OpenAI response's
 * cost unknown (0 with `isCostKnown: false`, never guessed).
 */
import { estimateCostUsd, openAiPricesFor, type PricingTable } from "../model/index.ts";
import type { Usage } from "../usage.ts";
import type { Provider } from "./gateway-routes.ts";
import type { TokenCounts, UsageReading } from "./usage-reading.ts";

export interface GatewayUsage extends Usage {
  provider: Provider;
  /** The model that answered, as the response named it (else the request, else "unknown"). */
  model: string;
  /** False when no price was found: costUsd is then 0, not an estimate. */
  isCostKnown: boolean;
  /** False when the response reported no token counts (they are then 0). */
  areTokensKnown: boolean;
}

/** Null when the response says nothing billable: an error, or cut off before any usage arrived. */
export function gatewayUsageOf(
  provider: Provider,
  reading: UsageReading,
  requestedModel: string | null,
  pricing: PricingTable,
): GatewayUsage | null {
  if (reading.tokens === null && !reading.isComplete) return null;
  const model = reading.model ?? requestedModel ?? "unknown";
  const tokens = reading.tokens ?? {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
  const costUsd = reading.tokens === null ? null : costOf(provider, tokens, model, pricing);
  return {
    provider,
    model,
    turns: reading.isComplete ? 1 : 0,
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    cacheReadTokens: tokens.cacheReadTokens,
    cacheWriteTokens: tokens.cacheWriteTokens,
    costUsd: costUsd ?? 0,
    isCostKnown: costUsd !== null,
    areTokensKnown: reading.tokens !== null,
  };
}

function costOf(
  provider: Provider,
  tokens: TokenCounts,
  model: string,
  pricing: PricingTable,
): number | null {
  if (provider === "anthropic") {
    return estimateCostUsd(
      {
        input_tokens: tokens.inputTokens,
        output_tokens: tokens.outputTokens,
        cache_read_input_tokens: tokens.cacheReadTokens,
        cache_creation_input_tokens: tokens.cacheWriteTokens,
        cache_creation: {
          ephemeral_1h_input_tokens: tokens.cacheWrite1hTokens,
          ephemeral_5m_input_tokens: tokens.cacheWriteTokens - tokens.cacheWrite1hTokens,
        },
      },
      model,
      pricing,
    );
  }
  const prices = openAiPricesFor(model, pricing);
  if (prices === undefined) return null;
  return (
    (tokens.inputTokens * prices.inputUsdPerMillion +
      tokens.cacheReadTokens * prices.cacheReadUsdPerMillion +
      tokens.outputTokens * prices.outputUsdPerMillion) /
    1_000_000
  );
}
