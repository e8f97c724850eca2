// Owns: the run's model gateway: per-workstream tokens, forwarding the Anthropic and OpenAI APIs with the real key, and reading usage, failures and activity off the traffic.
// Must never: hand the real credential to a worker (or record it anywhere), forward a request without a live token, or decide a budget or a verdict itself.

export { anthropicMessagesUsageReader } from "./anthropic-usage.ts";
export type { ExcerptSnapshot } from "./body-excerpt.ts";
export {
  isUpstreamFailureStatus,
  type ModelExchange,
  type UpstreamFailure,
} from "./exchange-report.ts";
export type { ExchangeEnd } from "./forward-exchange.ts";
export {
  type Endpoint,
  type GatewayRoute,
  gatewayBaseUrl,
  type Provider,
  providerPrefixes,
  routeOf,
  workerModelEnvironment,
} from "./gateway-routes.ts";
export { gatewayTokenPrefix } from "./gateway-tokens.ts";
export { type GatewayUsage, gatewayUsageOf } from "./gateway-usage.ts";
export {
  type BudgetDecision,
  type ModelGateway,
  type ModelGatewayOptions,
  startModelGateway,
  type UpstreamCredential,
} from "./model-gateway.ts";
export { chatCompletionsUsageReader, responsesUsageReader } from "./openai-usage.ts";
export { type GatewayErrorResponse, type GatewayProblem, providerErrorResponse } from "./provider-errors.ts";
export {
  createNodeHttpTransport,
  type UpstreamRequest,
  type UpstreamResponse,
  type UpstreamTransport,
} from "./upstream-transport.ts";
export type { TokenCounts, UsageReader, UsageReading } from "./usage-reading.ts";
