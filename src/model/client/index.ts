// Owns: the Messages API client that the worker loop and the review gate share: live (the SDK retries, spend limits never), or replayed from a cassette with each request's protocol invariants checked; and API errors described for the journal. An entry of its own: the SDK is a quarter of the supervisor's memory, loaded only by a plan that calls a model.
// Must never: run a tool or choose a worker's next step, or reach the network when replaying.
export { createAnthropicClient, isSpendLimit } from "./anthropic-client.ts";
export { describeApiError, describeApiFailure, isPromptTooLong } from "./api-error.ts";
export { createReplayClientFor } from "./replay.ts";
