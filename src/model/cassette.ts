/**
 * A cassette: the recorded model turns that `provider: replay` plays back. YAML (or JSON, which
 * YAML reads too); see test/fixtures/cassettes/claim-after-write.yaml and sandbox/cassettes/README.md.
 *
 *   model: claude-sonnet-5-5            # optional: the model the responses name
 *   turns:                              # one entry per assistant turn, played in order
 *     - content:                        # content blocks, in order
 *         - { type: thinking, thinking: "…", signature: "…" }   # signature optional
 *         - { type: text, text: "Running the tests first." }
 *         - { type: tool_use, name: bash, input: { command: "npm test" } }
 *       stop_reason: tool_use           # optional: tool_use when a block calls a tool, else end_turn
 *       stop_details: { category: cyber, explanation: "…" }    # optional, for stop_reason: refusal
 *       usage: { input_tokens: 1200, output_tokens: 80, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 }
 *       branches:                       # optional: chosen on the next request, by what the supervisor said
 *         - when: { rejected_gate: diff_scope }     # and/or intervention: PLAYBOOK-ID, text_contains: "…"
 *           turns: [ … ]                # played first; then the turns after this one go on
 *
 * Tool call ids are made up on replay (`toolu_replay_<turn>_<block>`), so a cassette never
 * has to keep them consistent by hand.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";
import { SuperviseError } from "../errors.ts";

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
  z.strictObject({ type: z.literal("redacted_thinking"), data: z.string().min(1) }),
]);

const stopReasons = [
  "end_turn",
  "max_tokens",
  "stop_sequence",
  "tool_use",
  "pause_turn",
  "refusal",
  "model_context_window_exceeded",
] as const;

/**
 * What the supervisor's latest message must hold for a branch to be taken; every key given must
 * match. That message is the last user message of the request: tool results (a claim's verdict, an
 * intervention carried with a tool result) or a restart prompt.
 */
const whenSchema = z
  .strictObject({
    rejected_gate: z
      .string()
      .min(1)
      .optional()
      .describe("A claim was rejected with this gate failing (fail or error)."),
    intervention: z
      .string()
      .min(1)
      .optional()
      .describe("The supervisor intervened with the playbook of this id."),
    text_contains: z.string().min(1).optional().describe("The message contains this text."),
  })
  .refine((when) => Object.values(when).some((value) => value !== undefined), {
    message: "names no condition: give rejected_gate, intervention or text_contains",
  });
export type CassetteWhen = z.infer<typeof whenSchema>;

const usageSchema = z
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
  });

const turnSchema = z.strictObject({
  content: z.array(blockSchema).min(1),
  stop_reason: z.enum(stopReasons).optional(),
  stop_details: z
    .strictObject({
      category: z
        .enum(["cyber", "bio", "frontier_llm", "reasoning_extraction", "general_harms"])
        .nullable()
        .default(null),
      explanation: z.string().nullable().default(null),
    })
    .optional(),
  usage: usageSchema,
  get branches() {
    return z.array(branchSchema).min(1).optional();
  },
});

const branchSchema = z.strictObject({
  /** Absent: the branch is taken whatever the message says (a default, listed last). */
  when: whenSchema.optional(),
  get turns() {
    return z.array(turnSchema);
  },
});

export const cassetteSchema = z.strictObject({
  model: z.string().min(1).optional(),
  turns: z.array(turnSchema),
});
export type Cassette = z.infer<typeof cassetteSchema>;
export type CassetteTurn = z.infer<typeof turnSchema>;
export type CassetteBranch = z.infer<typeof branchSchema>;
export type CassetteBlock = z.infer<typeof blockSchema>;

/** A cassette that cannot be read or does not validate. Raised when the replay client is built. */
export class CassetteError extends SuperviseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, {
      ...options,
      hint: "A cassette is YAML: `turns:`, a list of `{ content: [blocks], stop_reason?, usage?, branches? }` (see sandbox/cassettes/README.md).",
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

/**
 * Every playbook id a branch of the cassette waits for must be one the run knows, or that branch
 * could never be taken: a typo would pass silently. Checked where the playbooks are loaded.
 */
export function checkCassettePlaybooks(
  cassette: Cassette,
  knownPlaybooks: ReadonlySet<string>,
  source: string,
): void {
  const unknown: string[] = [];
  const visit = (turns: readonly CassetteTurn[], path: string) => {
    turns.forEach((turn, turnIndex) => {
      turn.branches?.forEach((branch, branchIndex) => {
        const at = `${path}.${turnIndex}.branches.${branchIndex}`;
        const playbook = branch.when?.intervention;
        if (playbook !== undefined && !knownPlaybooks.has(playbook)) {
          unknown.push(`  ${source}: ${at}.when.intervention: no playbook has the id "${playbook}"`);
        }
        visit(branch.turns, `${at}.turns`);
      });
    });
  };
  visit(cassette.turns, "turns");
  if (unknown.length > 0) {
    throw new CassetteError(
      `The cassette is not valid:\n${unknown.join("\n")}\n  Known playbooks: ${[...knownPlaybooks].sort().join(", ")}`,
    );
  }
}
