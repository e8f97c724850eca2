import { describe, expect, it } from "vitest";
import { planJsonSchema } from "../../src/plan/json-schema.ts";
import { gateIds } from "../../src/plan/schema.ts";

interface ObjectSchema {
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
  additionalProperties?: unknown;
}

describe("planJsonSchema", () => {
  const schema = planJsonSchema() as Record<string, unknown> & ObjectSchema;
  const workstreams = schema.properties.workstreams as {
    type: string;
    minItems: number;
    items: ObjectSchema;
  };

  it("identifies itself and rejects unknown top-level fields", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.$id).toBe("urn:supervise:plan");
    expect(schema.title).toBe("supervise plan");
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
  });

  it("describes workstream items with every field and no others", () => {
    expect(workstreams.type).toBe("array");
    expect(workstreams.minItems).toBe(1);
    expect(Object.keys(workstreams.items.properties)).toEqual([
      "id",
      "issue",
      "goal",
      "brief",
      "depends_on",
      "agent",
      "commands",
      "budget",
      "stall",
      "done",
      "reviewer",
    ]);
    expect(workstreams.items.additionalProperties).toBe(false);
    expect(workstreams.items.required).toEqual(["id", "goal"]);
  });

  it("makes defaulted fields optional (input mode) and lists the gates", () => {
    expect(schema.required).toEqual(["workstreams"]);
    expect(schema.properties.concurrency).toMatchObject({ type: "integer", default: 2, exclusiveMinimum: 0 });
    const done = workstreams.items.properties.done as { items: { enum: string[] } };
    expect(done.items.enum).toEqual([...gateIds]);
  });

  it("allows null commands", () => {
    const commands = workstreams.items.properties.commands as unknown as ObjectSchema;
    expect(commands.additionalProperties).toBe(false);
    expect(commands.properties.build).toMatchObject({
      anyOf: [{ type: "string", minLength: 1 }, { type: "null" }],
    });
  });
});
