/**
 * The price table is data, not code: `prices/anthropic.yaml` at the root of the installation, with
 * the date its prices took effect. Loaded and validated once by the composition root; every cost
 * estimate then says which prices it used. A file that does not validate is a SuperviseError naming
 * each bad field, so a run never starts with prices it cannot explain.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";
import { SuperviseError } from "../errors.ts";

/** US dollars per million tokens of one model family. */
export interface ModelPrices {
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
  cacheWrite5mUsdPerMillion: number;
  cacheWrite1hUsdPerMillion: number;
  cacheReadUsdPerMillion: number;
}

export interface PricingTable {
  /** The day these prices took effect (YYYY-MM-DD), shown beside every cost. */
  readonly effectiveDate: string;
  /** Where the prices were read from, for messages. */
  readonly source: string;
  /** Keyed by family, the word after `claude-` in a model id (`claude-sonnet-5-5` → `sonnet`). */
  readonly families: Readonly<Record<string, ModelPrices>>;
  /**
   * Keyed by the start of a model id (`gpt-5-codex`, `gpt-5-mini`), the longest match winning:
   * OpenAI's models, whose ids name no family (prices/openai.yaml).
   */
  readonly models?: Readonly<Record<string, ModelPrices>>;
}

const price = () => z.number().nonnegative().finite();

const priceFileSchema = z
  .strictObject({
    effective_date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date written YYYY-MM-DD")
      .refine((date) => !Number.isNaN(Date.parse(date)), "is not a calendar date"),
    currency: z.literal("USD"),
    per: z.literal("million_tokens"),
    families: z
      .record(
        z.string().regex(/^[a-z]+$/, "a family is one lower-case word, as in claude-<family>-…"),
        z.strictObject({
          input: price(),
          output: price(),
          cache_write_5m: price(),
          cache_write_1h: price(),
          cache_read: price(),
        }),
      )
      .refine((families) => Object.keys(families).length > 0, "lists no model family")
      .optional(),
    // OpenAI bills no cache writes.
    models: z
      .record(
        z
          .string()
          .regex(/^[a-z0-9][a-z0-9.-]*$/, "a model id (or its start) in lower case, as in gpt-5-codex"),
        z.strictObject({ input: price(), output: price(), cache_read: price() }),
      )
      .refine((models) => Object.keys(models).length > 0, "lists no model")
      .optional(),
  })
  .refine(
    (file) => file.families !== undefined || file.models !== undefined,
    "lists neither families nor models",
  );

/** A price file that cannot be read or does not validate. Raised before a run starts. */
export class PriceTableError extends SuperviseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {
      ...options,
      hint: "The price file is YAML: effective_date (YYYY-MM-DD), currency: USD, per: million_tokens, and families: { <family>: { input, output, cache_write_5m, cache_write_1h, cache_read } } (see prices/anthropic.yaml).",
    });
    this.name = "PriceTableError";
  }
}

/** The price file shipped with supervise. A path only: nothing is read until someone loads it. */
export function bundledPriceFile(): string {
  return fileURLToPath(new URL("../../prices/anthropic.yaml", import.meta.url));
}

export function loadPriceTable(file: string): PricingTable {
  let document: unknown;
  try {
    document = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new PriceTableError(`Cannot read the price file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parsePriceTable(document, file);
}

/** Pure: the table from a parsed document, or every problem at once with its field path. */
export function parsePriceTable(document: unknown, source: string): PricingTable {
  const parsed = priceFileSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      return `  ${source}: ${path === "" ? "" : `${path}: `}${issue.message}`;
    });
    throw new PriceTableError(`The price file is not valid:\n${problems.join("\n")}`);
  }
  const families: Record<string, ModelPrices> = {};
  for (const [family, prices] of Object.entries(parsed.data.families ?? {})) {
    families[family] = {
      inputUsdPerMillion: prices.input,
      outputUsdPerMillion: prices.output,
      cacheWrite5mUsdPerMillion: prices.cache_write_5m,
      cacheWrite1hUsdPerMillion: prices.cache_write_1h,
      cacheReadUsdPerMillion: prices.cache_read,
    };
  }
  const models: Record<string, ModelPrices> = {};
  for (const [model, prices] of Object.entries(parsed.data.models ?? {})) {
    models[model] = {
      inputUsdPerMillion: prices.input,
      outputUsdPerMillion: prices.output,
      cacheWrite5mUsdPerMillion: 0,
      cacheWrite1hUsdPerMillion: 0,
      cacheReadUsdPerMillion: prices.cache_read,
    };
  }
  return {
    effectiveDate: parsed.data.effective_date,
    source,
    families,
    ...(parsed.data.models === undefined ? {} : { models }),
  };
}

/** The OpenAI price file shipped with supervise. */
export function bundledOpenAiPriceFile(): string {
  return fileURLToPath(new URL("../../prices/openai.yaml", import.meta.url));
}

/**
 * The bundled tables as one: Anthropic's families and OpenAI's models. The effective date is the
 * later of the two, and the source names both.
 */
export function loadBundledPriceTables(): PricingTable {
  const anthropic = loadPriceTable(bundledPriceFile());
  const openai = loadPriceTable(bundledOpenAiPriceFile());
  return {
    effectiveDate:
      anthropic.effectiveDate > openai.effectiveDate ? anthropic.effectiveDate : openai.effectiveDate,
    source: `${anthropic.source}, ${openai.source}`,
    families: { ...openai.families, ...anthropic.families },
    models: { ...anthropic.models, ...openai.models },
  };
}
