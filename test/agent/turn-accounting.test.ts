import { describe, expect, it } from "vitest";
import { checkStartLimits } from "../../src/agent/model/start-limits.ts";
import { defaultPricing, estimateCostUsd, pricesFor } from "../../src/model/pricing.ts";
import { emptyUsage } from "../../src/usage.ts";

describe("pricing", () => {
  it("prices by model family and charges cache writes by their TTL", () => {
    const usage = {
      input_tokens: 1_000_000,
      output_tokens: 1_000_000,
      cache_creation_input_tokens: 1_000_000,
      cache_read_input_tokens: 1_000_000,
      cache_creation: { ephemeral_5m_input_tokens: 500_000, ephemeral_1h_input_tokens: 500_000 },
    };
    // haiku: $1 in, $5 out; writes 0.5M×1.25 + 0.5M×2, reads 0.1
    expect(estimateCostUsd(usage, "claude-haiku-4-5-20251001", defaultPricing)).toBeCloseTo(
      1 + 5 + 0.625 + 1 + 0.1,
    );
  });

  it("prices an unknown family as the most expensive known one", () => {
    expect(pricesFor("claude-fable-5-2", defaultPricing)).toEqual(defaultPricing.families.mythos);
    expect(pricesFor("some-other-model", defaultPricing)).toEqual(defaultPricing.families.mythos);
  });
});

describe("start limits", () => {
  const budget = { minutes: 60, turns: 10, tokens: 1000, usd: 1 };
  const check = (usage: Partial<ReturnType<typeof emptyUsage>>, elapsedMs = 0) =>
    checkStartLimits({ budget, usage: { ...emptyUsage(), ...usage }, elapsedMs, timeoutMs: 60_000 });

  it("lets a start within its budget go on", () => {
    expect(
      check({ turns: 9, inputTokens: 500, outputTokens: 499, cacheReadTokens: 50_000, costUsd: 0.99 }),
    ).toBeNull();
  });

  it("stops on time, turns, tokens and dollars, saying which", () => {
    expect(check({}, 60_000)).toEqual({
      isTimedOut: true,
      description: "timed out: the 60 s left of the time budget are spent",
    });
    expect(check({ turns: 10 })?.description).toMatch(/^stopped: turn budget reached \(10 of 10 turns/);
    expect(check({ inputTokens: 600, outputTokens: 400 })?.description).toMatch(
      /^stopped: token budget reached \(1000 of 1000 tokens/,
    );
    expect(check({ costUsd: 1.5 })?.description).toMatch(
      /^stopped: cost budget reached \(\$1\.5000 of \$1 spent/,
    );
  });
});
