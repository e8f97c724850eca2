import { describe, expect, it } from "vitest";
import { builtInGates } from "../../src/plan/built-in-gates.ts";
import { planJsonSchema } from "../../src/plan/json-schema.ts";

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
      "ci_wait_minutes",
      "kind",
      "phase",
      "agent",
      "commands",
      "budget",
      "stall",
      "done",
      "reviewer",
      "host",
    ]);
    expect(workstreams.items.additionalProperties).toBe(false);
    expect(workstreams.items.required).toEqual(["id", "goal"]);
  });

  it("makes defaulted fields optional (input mode) and lists the built-in gates with what each checks", () => {
    expect(schema.required).toEqual(["workstreams"]);
    expect(schema.properties.concurrency).toMatchObject({ type: "integer", default: 2, exclusiveMinimum: 0 });
    const done = workstreams.items.properties.done as { items: { anyOf: Record<string, unknown>[] } };
    expect(done.items.anyOf).toEqual([
      ...builtInGates.map((gate) => ({ type: "string", const: gate.id, description: gate.description })),
      { type: "string", minLength: 1, description: "A gate the plan defines under `gates`." },
    ]);
  });

  it("names the plan's own gates by pattern, each a command with an optional fix hint, playbooks and metric", () => {
    const gates = schema.properties.gates as unknown as {
      propertyNames: unknown;
      additionalProperties: ObjectSchema;
    };
    expect(gates.propertyNames).toEqual({ type: "string", pattern: "^[a-z][a-z0-9_-]*$" });
    expect(Object.keys(gates.additionalProperties.properties)).toEqual([
      "run",
      "fix_hint",
      "timeout_minutes",
      "playbooks",
      "metric",
      "max_regression",
    ]);
    expect(gates.additionalProperties.required).toEqual(["run"]);
  });

  it("allows null commands", () => {
    const commands = workstreams.items.properties.commands as unknown as ObjectSchema;
    expect(commands.additionalProperties).toBe(false);
    expect(commands.properties.build).toMatchObject({
      anyOf: [{ type: "string", minLength: 1 }, { type: "null" }],
    });
  });

  it("describes every field, and every gate name an editor offers, for a person writing a plan", () => {
    const undescribed: string[] = [];
    const visit = (node: unknown, path: string) => {
      if (typeof node !== "object" || node === null) return;
      const schemaNode = node as Record<string, unknown>;
      const properties = (schemaNode.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [name, property] of Object.entries(properties)) {
        if (typeof property.description !== "string" || property.description === "")
          undescribed.push(`${path}.${name}`);
        visit(property, `${path}.${name}`);
      }
      for (const key of ["anyOf", "oneOf", "allOf"]) {
        const alternatives = (schemaNode[key] ?? []) as Record<string, unknown>[];
        alternatives.forEach((alternative, index) => {
          // A fixed value (a built-in gate's name) is what an editor completes: it needs its own words.
          if ("const" in alternative && typeof alternative.description !== "string")
            undescribed.push(`${path}|${index} (${String(alternative.const)})`);
          visit(alternative, `${path}|${index}`);
        });
      }
      if (schemaNode.items) visit(schemaNode.items, `${path}[]`);
      if (typeof schemaNode.additionalProperties === "object")
        visit(schemaNode.additionalProperties, `${path}.*`);
    };
    visit(schema, "plan");
    expect(undescribed).toEqual([]);
    const doneItems = (workstreams.items.properties.done as { items: { anyOf: { const?: string }[] } }).items;
    expect(doneItems.anyOf.flatMap((alternative) => alternative.const ?? [])).toEqual(
      builtInGates.map((gate) => gate.id),
    );
  });
});
