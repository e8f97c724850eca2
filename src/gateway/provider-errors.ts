/**
 * The gateway's own answers, in each provider's error shape so the agent's SDK parses them and
 * shows the message (Anthropic: `{type:"error",error:{type,message}}`; OpenAI:
 * `{error:{message,type,param,code}}`). One mapping, one function, from what went wrong to a
 * status, a body and headers.
 *
 * A refusal by the budget is a 400 `invalid_request_error` with `x-should-retry: false`:
 * - It is what the Anthropic API itself answers when an organisation's credit is spent ("Your
 *   credit balance is too low…"), and Claude Code shows that error and stops the turn.
 * - Neither SDK retries a 400 (the Anthropic SDK's `shouldRetry` retries 408, 409, 429 and 5xx;
 *   both SDKs obey `x-should-retry: false` before their own rules anyway), and Codex maps a 400 to
 *   `InvalidRequest`, which it shows and does not retry.
 * - Rejected: 429, which both SDKs and Claude Code retry with backoff (ten attempts in Claude Code)
 *   and which Codex reports as "exceeded retry limit" without the message; 402/403, which Codex
 *   counts as an unexpected status and retries at the turn level.
 */
import type { Provider } from "./gateway-routes.ts";

export type GatewayProblem =
  | { kind: "unauthenticated"; message: string }
  | { kind: "refused_by_budget"; message: string }
  | { kind: "upstream_unreachable"; message: string }
  | { kind: "not_found"; message: string }
  | { kind: "internal"; message: string };

export interface GatewayErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface ProblemShape {
  status: number;
  anthropicType: string;
  openaiType: string;
  openaiCode: string;
  shouldRetry: boolean;
}

const shapes: Record<GatewayProblem["kind"], ProblemShape> = {
  unauthenticated: {
    status: 401,
    anthropicType: "authentication_error",
    openaiType: "invalid_request_error",
    openaiCode: "invalid_api_key",
    shouldRetry: false,
  },
  refused_by_budget: {
    status: 400,
    anthropicType: "invalid_request_error",
    openaiType: "invalid_request_error",
    openaiCode: "budget_exhausted",
    shouldRetry: false,
  },
  // A 5xx the SDKs retry with backoff: a dropped connection upstream is often gone a second later.
  upstream_unreachable: {
    status: 502,
    anthropicType: "api_error",
    openaiType: "server_error",
    openaiCode: "upstream_unreachable",
    shouldRetry: true,
  },
  not_found: {
    status: 404,
    anthropicType: "not_found_error",
    openaiType: "invalid_request_error",
    openaiCode: "unknown_url",
    shouldRetry: false,
  },
  internal: {
    status: 500,
    anthropicType: "api_error",
    openaiType: "server_error",
    openaiCode: "gateway_error",
    shouldRetry: false,
  },
};

/** `provider` null: the request matched no provider prefix, so neither shape is owed. */
export function providerErrorResponse(
  provider: Provider | null,
  problem: GatewayProblem,
): GatewayErrorResponse {
  const shape = shapes[problem.kind];
  const message = `supervise gateway: ${problem.message}`;
  const body =
    provider === "anthropic"
      ? { type: "error", error: { type: shape.anthropicType, message } }
      : provider === "openai"
        ? { error: { message, type: shape.openaiType, param: null, code: shape.openaiCode } }
        : { error: { type: problem.kind, message } };
  return {
    status: shape.status,
    headers: {
      "content-type": "application/json",
      "x-should-retry": String(shape.shouldRetry),
    },
    body: JSON.stringify(body),
  };
}
