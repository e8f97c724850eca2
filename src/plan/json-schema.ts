/**
 * The plan's JSON Schema (`supervise schema`), generated from the zod schema so the two can never
 * disagree. Input mode: fields with defaults are optional, as a person writing a plan sees them.
 */
import { z } from "zod";
import { planSchema } from "./schema.ts";

export const planJsonSchemaId = "urn:supervise:plan";

export function planJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(planSchema, { io: "input" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  // $schema first, then the identity, then the generated body, so the printed file reads naturally.
  return { $schema, $id: planJsonSchemaId, title: "supervise plan", ...rest };
}
