import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bundledOpenAiPriceFile,
  bundledPriceFile,
  loadBundledPriceTables,
  loadPriceTable,
  PriceTableError,
  parsePriceTable,
} from "../../src/model/price-table.ts";
import { defaultPricing, estimateCostUsd, pricesFor } from "../../src/model/pricing.ts";

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-prices-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const validDocument = {
  effective_date: "2027-01-01",
  currency: "USD",
  per: "million_tokens",
  families: {
    sonnet: { input: 2, output: 10, cache_write_5m: 2.5, cache_write_1h: 4, cache_read: 0.2 },
    opus: { input: 4, output: 20, cache_write_5m: 5, cache_write_1h: 8, cache_read: 0.4 },
  },
};

describe("the price table", () => {
  it("ships as data with an effective date, and the default table is that file", () => {
    const table = loadPriceTable(bundledPriceFile());
    expect(table.effectiveDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(table.source).toBe(bundledPriceFile());
    expect(Object.keys(table.families).sort()).toEqual(["haiku", "mythos", "opus", "sonnet"]);
    expect(table.families.sonnet).toEqual({
      inputUsdPerMillion: 3,
      outputUsdPerMillion: 15,
      cacheWrite5mUsdPerMillion: 3.75,
      cacheWrite1hUsdPerMillion: 6,
      cacheReadUsdPerMillion: 0.3,
    });
    expect(defaultPricing.effectiveDate).toBe(table.effectiveDate);
    expect(defaultPricing.families).toEqual(table.families);
  });

  it("ships OpenAI's prices by model id beside Anthropic's families, one table for the run", () => {
    const table = loadBundledPriceTables();
    expect(table.source).toBe(`${bundledPriceFile()}, ${bundledOpenAiPriceFile()}`);
    expect(Object.keys(table.families).sort()).toEqual(["haiku", "mythos", "opus", "sonnet"]);
    expect(table.models?.["gpt-5-codex"]).toEqual({
      inputUsdPerMillion: 1.25,
      outputUsdPerMillion: 10,
      cacheWrite5mUsdPerMillion: 0,
      cacheWrite1hUsdPerMillion: 0,
      cacheReadUsdPerMillion: 0.125,
    });
  });

  it("prices every token kind from the file, not from multipliers in code", () => {
    const table = parsePriceTable(validDocument, "prices.yaml");
    const usage = {
      input_tokens: 1_000_000,
      output_tokens: 1_000_000,
      cache_creation_input_tokens: 1_000_000,
      cache_read_input_tokens: 1_000_000,
      cache_creation: { ephemeral_5m_input_tokens: 500_000, ephemeral_1h_input_tokens: 500_000 },
    };
    expect(estimateCostUsd(usage, "claude-sonnet-5-5", table)).toBeCloseTo(2 + 10 + 1.25 + 2 + 0.2);
    expect(pricesFor("claude-fable-5-2", table)).toEqual(table.families.opus);
  });

  it("refuses a bad price file with every problem and its field", async () => {
    const file = join(directory, "prices.yaml");
    await writeFile(
      file,
      [
        "effective_date: 1 January 2027",
        "currency: EUR",
        "per: million_tokens",
        "families:",
        "  sonnet: { input: 3, output: -15, cache_write_5m: 3.75, cache_write_1h: 6 }",
      ].join("\n"),
    );
    expect(() => loadPriceTable(file)).toThrow(PriceTableError);
    let message = "";
    try {
      loadPriceTable(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split("\n")).toEqual([
      "The price file is not valid:",
      `  ${file}: effective_date: must be a date written YYYY-MM-DD`,
      `  ${file}: currency: Invalid input: expected "USD"`,
      `  ${file}: families.sonnet.output: Too small: expected number to be >=0`,
      `  ${file}: families.sonnet.cache_read: Invalid input: expected number, received undefined`,
    ]);
  });

  it("refuses a price file that cannot be read or parsed", () => {
    expect(() => loadPriceTable(join(directory, "missing.yaml"))).toThrow(/^Cannot read the price file/);
  });
});
