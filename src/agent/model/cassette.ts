/**
 * A cassette: the recorded model turns that `provider: replay` plays back, in order. YAML (or
 * JSON, which YAML reads too); see test/fixtures/cassettes/claim-after-write.yaml for an example.
 *
 *   model: claude-sonnet-5-5            # optional: the model the responses name
 *   turns:                              # one entry per assistant turn
 *     - content:                        # content blocks, in order
 *         - { type: thinking, thinking: "…", signature: "…" }   # signature optional
 *         - { type: text, text: "Running the tests first." }
 *         - { type: tool_use, name: bash, input: { command: "npm test" } }
 *       stop_reason: tool_use           # optional: tool_use when a block calls a tool, else end_turn
 *       stop_details: { category: cyber, explanation: "…" }    # optional, for stop_reason: refusal
 *       usage: { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
 *
 * Tool call ids are made up on replay (`toolu_replay_<turn>_<block>`), so a cassette never
 * has to keep them consistent by hand.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { SuperviseError } from "../../errors.ts";

const count = () => z.number().int().nonnegative().default(0);

const blockSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: z.string().min(1) }),
  z.strictObject({
    type: z.literal("tool_use"),
    name: z.string().min(1),
    input: z.record(z.string(), z.unknown()).default({}),
  }),
  z.strictObject({
    type: z.literal("thinking"),
    thinking: z.string(),
    signature: z.string().default("replayed-signature"),
  }),
]);

const turnSchema = z.strictObject({
  content: z.array(blockSchema).min(1),
  stop_reason: z
    .enum([
      "end_turn",
      "max_tokens",
      "stop_sequence",
      "tool_use",
      "pause_turn",
      "refusal",
      "model_context_window_exceeded",
    ])
    .optional(),
  stop_details: z
    .strictObject({
      category: z
        .enum(["cyber", "bio", "frontier_llm", "reasoning_extraction", "general_harms"])
        .nullable()
        .default(null),
      explanation: z.string().nullable().default(null),
    })
    .optional(),
  usage: z
    .strictObject({
      input_tokens: count(),
      output_tokens: count(),
      cache_read_input_tokens: count(),
      cache_creation_input_tokens: count(),
    })
    .default({
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    }),
});

export const cassetteSchema = z.strictObject({
  model: z.string().min(1).optional(),
  turns: z.array(turnSchema),
});
export type Cassette = z.infer<typeof cassetteSchema>;
export type CassetteTurn = z.infer<typeof turnSchema>;

/** A cassette that cannot be read or does not validate. Raised when the replay client is built. */
export class CassetteError extends SuperviseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {
      ...options,
      hint: "A cassette is YAML: `turns:`, a list of `{ content: [blocks], stop_reason?, usage? }` (see src/agent/model/cassette.ts).",
    });
    this.name = "CassetteError";
  }
}

export function loadCassette(file: string): Cassette {
  let document: unknown;
  try {
    document = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CassetteError(`Cannot read the cassette ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseCassette(document, file);
}

export function parseCassette(document: unknown, source: string): Cassette {
  const parsed = cassetteSchema.safeParse(document);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    return `  ${source}: ${path === "" ? "" : `${path}: `}${issue.message}`;
  });
  throw new CassetteError(`The cassette is not valid:\n${problems.join("\n")}`);
}
