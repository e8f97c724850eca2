/**
 * Turns zod issues into problems written for a person, each at the YAML node it is about: an
 * unknown field at its key, a missing field at the mapping that lacks it, a wrong value at the value.
 */
import { z } from "zod";
import { didYouMean } from "../closest-match.ts";
import type { PlanProblem } from "../errors.ts";
import { type PlanLocator, type PlanPath, problemAt } from "./plan-locator.ts";

type Issue = z.core.$ZodIssue;

export function schemaProblems(
  issues: readonly Issue[],
  data: unknown,
  schema: z.ZodType,
  locate: PlanLocator,
): PlanProblem[] {
  return issues.flatMap((issue) => issueProblems(issue, data, schema, locate));
}

function issueProblems(issue: Issue, data: unknown, root: z.ZodType, locate: PlanLocator): PlanProblem[] {
  const path = issue.path.filter((segment) => typeof segment !== "symbol") as PlanPath;
  const field = lastFieldName(path);
  const input = valueAtPath(data, path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownFields(schemaAt(root, path, data));
      return issue.keys.map((key) => {
        const keyPath = [...path, key];
        const suggestion = didYouMean(key, known);
        const allowed = suggestion === "" && known.length > 0 ? ` (allowed here: ${known.join(", ")})` : "";
        return problemAt(
          locate,
          keyPath,
          `unknown field "${key}"${suggestion}${allowed}`,
          locate.keyAt(keyPath),
        );
      });
    }
    case "invalid_type": {
      if (input === undefined && path.length > 0) {
        return [
          problemAt(locate, path, `missing required field "${field}"`, locate.valueAt(path.slice(0, -1))),
        ];
      }
      if (path.length === 0 && input === null) {
        return [problemAt(locate, path, 'the plan is empty: it needs at least a "workstreams" list')];
      }
      return [problemAt(locate, path, wrongTypeMessage(issue, input, schemaAt(root, path, data)))];
    }
    case "too_small":
      return [problemAt(locate, path, tooSmallMessage(issue, input, path, schemaAt(root, path, data)))];
    case "too_big":
      return [problemAt(locate, path, tooBigMessage(issue, input))];
    case "invalid_value": {
      const allowed = issue.values.map(String);
      const got = describeValue(input);
      return [
        problemAt(
          locate,
          path,
          `${field} must be one of ${allowed.join(", ")}, got ${got}${didYouMean(String(input), allowed)}`,
        ),
      ];
    }
    case "invalid_key": {
      // A mapping's key that fails its pattern (a gate's name): said at the key, with the rule it broke.
      const rule = issue.issues.map((inner) => inner.message).join("; ");
      const key = describeValue(String(path.at(-1)));
      return [problemAt(locate, path, `invalid name ${key}: ${rule}`, locate.keyAt(path))];
    }
    case "invalid_union": {
      const options = "options" in issue ? issue.options : undefined;
      if (issue.discriminator !== undefined && options !== undefined) {
        const allowed = options.map(String);
        // zod reports the discriminator's path; a mapping without it is a missing field.
        if (input === undefined) {
          return [
            problemAt(
              locate,
              path,
              `missing required field "${field}" (one of ${allowed.join(", ")})`,
              locate.valueAt(path.slice(0, -1)),
            ),
          ];
        }
        return [
          problemAt(
            locate,
            path,
            `${field} must be one of ${allowed.join(", ")}, got ${describeValue(input)}${didYouMean(String(input), allowed)}`,
          ),
        ];
      }
      return [problemAt(locate, path, lowerFirst(issue.message))];
    }
    default:
      return [problemAt(locate, path, lowerFirst(issue.message))];
  }
}

function wrongTypeMessage(
  issue: z.core.$ZodIssueInvalidType,
  input: unknown,
  schema: z.ZodType | undefined,
): string {
  const got = describeValue(input);
  if (issue.expected === "int") return `expected ${integerKind(schema)}, got ${got}`;
  if (issue.expected === "string" && (typeof input === "number" || typeof input === "boolean")) {
    return `expected a string, got ${got} (quote it to make it a string: "${String(input)}")`;
  }
  if (schema instanceof z.ZodDiscriminatedUnion && typeof input === "string") {
    // `agent: anthropic` instead of `agent: { provider: anthropic }`: show the shape that was meant.
    const discriminator = String(schema.def.discriminator);
    return `expected a mapping such as { ${discriminator}: ${input} }, got ${got}`;
  }
  return `expected ${describeExpected(issue.expected)}, got ${got}`;
}

function tooSmallMessage(
  issue: z.core.$ZodIssueTooSmall,
  input: unknown,
  path: PlanPath,
  schema: z.ZodType | undefined,
): string {
  const minimum = Number(issue.minimum);
  if (issue.origin === "number") {
    if (minimum === 0 && !issue.inclusive) {
      const kind = schema instanceof z.ZodNumber && schema.isInt ? "integer" : "number";
      return `expected a positive ${kind}, got ${describeValue(input)}`;
    }
    return `expected ${issue.inclusive ? "at least" : "more than"} ${minimum}, got ${describeValue(input)}`;
  }
  if (issue.origin === "string") {
    const hint = path.includes("commands") ? " (use null for no command)" : "";
    return minimum <= 1 ? `must not be empty${hint}` : `must be at least ${minimum} characters long`;
  }
  if (issue.origin === "array") {
    if (path.length === 1 && path[0] === "workstreams") return "the plan needs at least one workstream";
    return `expected at least ${minimum} item${minimum === 1 ? "" : "s"}`;
  }
  return lowerFirst(issue.message);
}

function tooBigMessage(issue: z.core.$ZodIssueTooBig, input: unknown): string {
  const maximum = Number(issue.maximum);
  if (issue.origin === "string" && typeof input === "string") {
    return `must be at most ${maximum} characters long, got ${input.length}`;
  }
  if (issue.origin === "number") return `expected at most ${maximum}, got ${describeValue(input)}`;
  if (issue.origin === "array") return `expected at most ${maximum} items`;
  return lowerFirst(issue.message);
}

function integerKind(schema: z.ZodType | undefined): string {
  // Every integer field of the plan is positive(); minValue reads 0 for it (an exclusive bound).
  return schema instanceof z.ZodNumber && schema.minValue !== null && schema.minValue >= 0
    ? "a positive integer"
    : "an integer";
}

const expectedNames: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
};

function describeExpected(expected: string): string {
  return expectedNames[expected] ?? expected;
}

/** A value as the reader wrote it in YAML. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (typeof value === "string")
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function lastFieldName(path: PlanPath): string {
  const name = path.findLast((segment) => typeof segment === "string");
  return name === undefined ? "plan" : String(name);
}

function valueAtPath(data: unknown, path: PlanPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (
    current instanceof z.ZodDefault ||
    current instanceof z.ZodOptional ||
    current instanceof z.ZodNullable
  ) {
    current = current.unwrap() as z.ZodType;
  }
  return current;
}

/** The option of a discriminated union that `value` selects. */
function selectOption(schema: z.ZodDiscriminatedUnion, value: unknown): z.ZodType | undefined {
  const discriminator = String(schema.def.discriminator);
  const chosen =
    value !== null && typeof value === "object"
      ? (value as Record<string, unknown>)[discriminator]
      : undefined;
  return schema.options.find((option) => {
    const literal = option instanceof z.ZodObject ? option.shape[discriminator] : undefined;
    return literal instanceof z.ZodLiteral && literal.values.has(chosen as z.core.util.Literal);
  }) as z.ZodType | undefined;
}

/** The schema that validates the value at `path`, following the data through unions. */
function schemaAt(root: z.ZodType, path: PlanPath, data: unknown): z.ZodType | undefined {
  let schema: z.ZodType | undefined = unwrap(root);
  let value = data;
  for (const segment of path) {
    if (schema instanceof z.ZodDiscriminatedUnion) schema = selectOption(schema, value);
    if (schema instanceof z.ZodObject && typeof segment === "string") {
      schema = schema.shape[segment] as z.ZodType | undefined;
    } else if (schema instanceof z.ZodArray && typeof segment === "number") {
      schema = schema.element as z.ZodType;
    } else if (schema instanceof z.ZodRecord) {
      schema = schema.valueType as z.ZodType;
    } else {
      return undefined;
    }
    if (schema === undefined) return undefined;
    schema = unwrap(schema);
    value = valueAtPath(value, [segment]);
  }
  return schema instanceof z.ZodDiscriminatedUnion ? (selectOption(schema, value) ?? schema) : schema;
}

function knownFields(schema: z.ZodType | undefined): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
