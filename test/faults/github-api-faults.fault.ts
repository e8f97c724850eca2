import { describe, it } from "vitest";

/**
 * GitHub API faults (secondary rate limits, 5xx, a PR that vanishes between reads) through the
 * CLI wait for the github forge to be offered by `supervise run`; until then the forge's own
 * tests (test/forge/github/) cover its retries against the fake.
 */
describe("GitHub API faults", () => {
  it.todo("a campaign on the github forge completes with 20% of API requests failing");
});
