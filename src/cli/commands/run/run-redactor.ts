/**
 * The run's redaction policy: which values are blanked wherever the run writes text a person or
 * the forge reads (transcripts, the live view, recorded cassettes, escalations, pull requests).
 */

import type { Plan } from "../../../plan/index.ts";
import { createRedactor, type Redactor, secretLookingPatterns } from "../../../sandbox/index.ts";

/**
 * Every value the worker's environment keeps from it (the plan's secrets and whatever looks like
 * a secret): without isolation a worker can still read the supervisor's own environment.
 */
export function createRunRedactor(environment: NodeJS.ProcessEnv, plan: Plan): Redactor {
  return createRedactor({
    ...secretValues(environment, secretLookingPatterns, { minimumLength: 8 }),
    ...secretValues(environment, plan.secrets),
  });
}

/** The values to redact: the supervisor's own keys and every variable the patterns name as secret. */
function secretValues(
  environment: NodeJS.ProcessEnv,
  patterns: readonly string[],
  options: { minimumLength?: number } = {},
): Record<string, string | undefined> {
  const matchers = patterns.map((pattern) => new RegExp(`^${pattern.replaceAll("*", ".*")}$`, "i"));
  const values: Record<string, string | undefined> = {
    ANTHROPIC_API_KEY: environment.ANTHROPIC_API_KEY,
    ANTHROPIC_AUTH_TOKEN: environment.ANTHROPIC_AUTH_TOKEN,
    GITHUB_TOKEN: environment.GITHUB_TOKEN,
    GH_TOKEN: environment.GH_TOKEN,
  };
  for (const [name, value] of Object.entries(environment)) {
    // A name that only looks secret (HAS_KEY=true) must not blank every "true" in the transcripts.
    if (value !== undefined && value.length < (options.minimumLength ?? 0)) continue;
    if (matchers.some((matcher) => matcher.test(name))) values[name] = value;
  }
  return values;
}
