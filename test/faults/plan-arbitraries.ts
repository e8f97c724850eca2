/**
 * fast-check generators of plan sources: raw text, YAML of random documents, and valid plans with
 * one or more mutations (a field removed, retyped, misspelt, a dependency cycle, a duplicate id).
 * Together they reach the parser's error paths, the schema's and the cross-field rules'.
 */
import fc from "fast-check";
import { stringify } from "yaml";

const gateNames = [
  "local_check",
  "release_build",
  "ci_green",
  "pr_merged",
  "issue_closed",
  "diff_scope",
  "review",
];

const workstreamId = fc.oneof(
  fc.constantFrom("ws1", "ws2", "fix-parser", "a.b_c", "WS1", "ws 1", "-bad", "", "x".repeat(70)),
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/),
);

const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -5, max: 1_000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
);

const looseValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie("value"), { maxKeys: 3 }),
  ),
})).value;

const agent = fc.oneof(
  fc.record({ provider: fc.constant("command"), command: fc.string({ maxLength: 30 }) }),
  fc.record(
    { provider: fc.constant("anthropic"), model: fc.string({ maxLength: 20 }), max_tokens: scalar },
    { requiredKeys: ["provider"] },
  ),
  fc.record(
    { provider: fc.constant("replay"), cassette: fc.string({ maxLength: 20 }) },
    { requiredKeys: ["provider"] },
  ),
  fc.record({ provider: fc.string({ maxLength: 10 }) }),
);

const workstream = fc.record(
  {
    id: workstreamId,
    goal: fc.oneof(fc.string({ maxLength: 40 }), scalar),
    issue: fc.oneof(fc.integer({ min: -2, max: 50 }), scalar),
    brief: fc.string({ maxLength: 40 }),
    depends_on: fc.array(workstreamId, { maxLength: 3 }),
    agent,
    done: fc.oneof(fc.subarray(gateNames), fc.array(fc.string({ maxLength: 12 }), { maxLength: 3 })),
    commands: fc.record(
      {
        check: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
        build: fc.constant(null),
        ci: scalar,
      },
      { requiredKeys: [] },
    ),
    budget: fc.record({ minutes: scalar, turns: scalar, tokens: scalar, usd: scalar }, { requiredKeys: [] }),
    stall: fc.record({ idle_seconds: scalar, max_restarts: scalar }, { requiredKeys: [] }),
    colour: scalar,
  },
  { requiredKeys: [] },
);

const planDocument = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 20 }), scalar),
    repo: fc.oneof(fc.constantFrom(".", "./repo", "/nonexistent", ""), scalar),
    base: fc.oneof(fc.constantFrom("main", "trunk", ""), scalar),
    forge: fc.oneof(
      fc.constant({ kind: "local" }),
      fc.record({
        kind: fc.constant("github"),
        owner: fc.string({ maxLength: 8 }),
        repo: fc.string({ maxLength: 8 }),
      }),
      looseValue,
    ),
    agent,
    concurrency: scalar,
    rollout: fc.oneof(fc.constantFrom("parallel", "canary"), scalar),
    sandbox: fc.oneof(fc.record({ isolation: fc.constantFrom("bwrap", "none", "docker") }), looseValue),
    defaults: fc.oneof(
      fc.record({
        done: fc.subarray(gateNames),
        commands: fc.record({ check: fc.string({ maxLength: 10 }) }),
      }),
      looseValue,
    ),
    playbooks: fc.string({ maxLength: 10 }),
    workstreams: fc.oneof(fc.array(workstream, { maxLength: 5 }), looseValue),
    extra_field: looseValue,
  },
  { requiredKeys: [] },
);

/** A valid plan, then the same plan with a cycle, a duplicate id or an unknown dependency. */
const nearlyValidPlan = fc
  .record({
    ids: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: 1, maxLength: 5 }),
    twist: fc.constantFrom("none", "cycle", "duplicate", "unknown-dependency", "issue-closed-without-issue"),
  })
  .map(({ ids, twist }) => {
    const workstreams: Record<string, unknown>[] = ids.map((id, index) => ({
      id,
      goal: `goal of ${id}`,
      issue: index + 1,
      ...(index > 0 ? { depends_on: [ids[index - 1]] } : {}),
    }));
    if (twist === "cycle") workstreams[0]!.depends_on = [ids.at(-1)];
    if (twist === "duplicate") workstreams.push({ ...workstreams[0] });
    if (twist === "unknown-dependency") workstreams[0]!.depends_on = ["nowhere"];
    if (twist === "issue-closed-without-issue") delete workstreams[0]!.issue;
    return {
      name: "fuzz",
      agent: { provider: "command", command: "true" },
      defaults: { done: ["local_check", "issue_closed"], commands: { check: "true" } },
      workstreams,
    };
  });

/** Cuts, duplicates or retabs a piece of YAML text: what a bad edit or paste leaves behind. */
const damagedYaml = fc
  .tuple(
    fc.oneof(planDocument, nearlyValidPlan),
    fc.nat(),
    fc.constantFrom("cut", "tab", "dedent", "colon", "anchor"),
  )
  .map(([document, position, damage]) => {
    const text = stringify(document);
    const at = text.length === 0 ? 0 : position % text.length;
    switch (damage) {
      case "cut":
        return text.slice(0, at);
      case "tab":
        return `${text.slice(0, at)}\t${text.slice(at)}`;
      case "dedent":
        return text.replace(/\n {2}/g, "\n ");
      case "colon":
        return `${text.slice(0, at)}: :${text.slice(at)}`;
      default:
        return `a: &x [*x, *x]\n${text}`;
    }
  });

export const planSource: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 100 }),
  planDocument.map((document) => stringify(document)),
  nearlyValidPlan.map((document) => stringify(document)),
  damagedYaml,
  looseValue.map((value) => stringify(value)),
);
