/**
 * One authenticated exchange, carried through: the agent's request streams upstream with the real
 * credential in place of the token, and the answer streams back chunk by chunk. Each chunk is
 * written to the agent first and read for usage after, so reading never delays a byte. Neither
 * body is held whole; only a capped excerpt of each is kept for the transcript.
 *
 * The gateway does not retry: both agents' SDKs already retry 5xx, 429 and dropped connections
 * with backoff, and a retry here would multiply theirs. An unreachable upstream is a provider-
 * shaped 502, which they retry too. A stream that breaks off upstream is cut off at the agent as
 * well (the socket destroyed, never a clean end), so the SDK reports it instead of accepting a
 * truncated message.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { anthropicMessagesUsageReader } from "./anthropic-usage.ts";
import { createBodyExcerpt, type ExcerptSnapshot } from "./body-excerpt.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "./forwarded-headers.ts";
import type { Endpoint, Provider } from "./gateway-routes.ts";
import { chatCompletionsUsageReader, responsesUsageReader } from "./openai-usage.ts";
import { type GatewayProblem, providerErrorResponse } from "./provider-errors.ts";
import type { UpstreamResponse, UpstreamTransport } from "./upstream-transport.ts";
import type { UsageReader, UsageReading } from "./usage-reading.ts";

export interface ExchangeTarget {
  provider: Provider;
  endpoint: Endpoint;
  url: string;
  apiKey: string;
}

export interface ForwardOptions {
  transport: UpstreamTransport;
  excerptLimitBytes: number;
  /** Stops the exchange from outside: the workstream's token was revoked, or the gateway is closing. */
  signal: AbortSignal;
  /** Called as bytes move, for the idle signal. */
  onProgress: () => void;
}

/**
 * How the exchange ended. `client_disconnected`: the agent went away (the upstream request is
 * aborted). `upstream_unreachable`: no response came (connection refused, reset, DNS, TLS).
 * `upstream_broke_off`: the response started and its body failed. `stopped`: revoked or closing.
 */
export type ExchangeEnd =
  | "completed"
  | "client_disconnected"
  | "upstream_unreachable"
  | "upstream_broke_off"
  | "stopped";

export interface ForwardedExchange {
  /** The status the agent got; 499 (nginx's "client closed request") when it left before one. */
  status: number;
  end: ExchangeEnd;
  /** What failed, for `upstream_unreachable` and `upstream_broke_off`. */
  failureMessage: string | null;
  contentType: string | null;
  isStreamed: boolean;
  requestBody: ExcerptSnapshot;
  responseBody: ExcerptSnapshot;
  /** Null for endpoints without usage and for error statuses. */
  reading: UsageReading | null;
}

export async function forwardExchange(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  target: ExchangeTarget,
  options: ForwardOptions,
): Promise<ForwardedExchange> {
  const controller = new AbortController();
  const stop = (end: ExchangeEnd) => {
    if (!controller.signal.aborted) controller.abort(end);
  };
  const onClientClose = () => {
    if (!outgoing.writableFinished) stop("client_disconnected");
  };
  const onOutsideStop = () => stop("stopped");
  outgoing.on("close", onClientClose);
  options.signal.addEventListener("abort", onOutsideStop);
  if (options.signal.aborted) stop("stopped");
  // The agent may have gone while the budget was asked, before the listener above was there.
  if (outgoing.destroyed) stop("client_disconnected");

  const requestExcerpt = createBodyExcerpt(options.excerptLimitBytes);
  const responseExcerpt = createBodyExcerpt(options.excerptLimitBytes);
  const result = (fields: Partial<ForwardedExchange> & Pick<ForwardedExchange, "status" | "end">) => ({
    failureMessage: null,
    contentType: null,
    isStreamed: false,
    reading: null,
    ...fields,
    requestBody: requestExcerpt.snapshot(),
    responseBody: responseExcerpt.snapshot(),
  });
  const endOf = (fallback: ExchangeEnd): ExchangeEnd =>
    controller.signal.aborted ? (controller.signal.reason as ExchangeEnd) : fallback;

  try {
    const hasBody = incoming.method !== "GET" && incoming.method !== "HEAD";
    let response: UpstreamResponse;
    try {
      const sending = options.transport.send({
        url: target.url,
        method: incoming.method ?? "GET",
        headers: upstreamRequestHeaders(incoming.headers, target.provider, target.apiKey),
        body: hasBody ? incoming : null,
        signal: controller.signal,
      });
      // After send, which has piped the body: a listener added first would start the flow early.
      if (hasBody) incoming.on("data", requestExcerpt.add);
      response = await sending;
    } catch (error) {
      const end = endOf("upstream_unreachable");
      if (end === "client_disconnected") return result({ status: 499, end });
      if (end === "stopped") {
        answer(outgoing, target.provider, { kind: "unauthenticated", message: revokedMessage });
        return result({ status: 401, end });
      }
      const failureMessage = `cannot reach the ${target.provider} API: ${describeError(error)}`;
      answer(outgoing, target.provider, { kind: "upstream_unreachable", message: failureMessage });
      return result({ status: 502, end, failureMessage });
    }

    const contentType = headerValue(response.headers["content-type"]);
    const isStreamed = contentType?.toLowerCase().includes("text/event-stream") ?? false;
    const isOk = response.status >= 200 && response.status < 300;
    const reader = isOk ? usageReaderFor(target.endpoint, isStreamed) : null;
    outgoing.writeHead(response.status, clientResponseHeaders(response.headers));
    // A stream's headers go now, not with its first event, which may come after the model thought
    // for a while: the agent sees the stream open. A JSON body's go with the body, in one write.
    if (isStreamed) outgoing.flushHeaders();
    const failure = await relay(response.body, outgoing, (chunk) => {
      reader?.push(chunk);
      responseExcerpt.add(chunk);
      options.onProgress();
    });
    const streamed = { status: response.status, contentType, isStreamed, reading: reader?.finish() ?? null };
    if (failure !== null) {
      const end = endOf("upstream_broke_off");
      outgoing.destroy();
      const failureMessage =
        end === "upstream_broke_off"
          ? `the ${target.provider} API's response broke off: ${describeError(failure)}`
          : null;
      return result({ ...streamed, end, failureMessage });
    }
    outgoing.end();
    return result({ ...streamed, end: endOf("completed") });
  } finally {
    incoming.off("data", requestExcerpt.add);
    outgoing.off("close", onClientClose);
    options.signal.removeEventListener("abort", onOutsideStop);
  }
}

/**
 * Copies the upstream body to the agent, pausing while the agent's socket is full, and calls
 * `onChunk` after each write. Resolves null at a clean end, or the error that ended it early
 * (also when an abort destroyed it: the caller tells which by the abort's reason).
 */
function relay(
  source: Readable,
  outgoing: ServerResponse,
  onChunk: (chunk: Buffer) => void,
): Promise<Error | null> {
  return new Promise((resolve) => {
    const resume = () => source.resume();
    source.on("data", (chunk: Buffer) => {
      if (!outgoing.write(chunk)) {
        source.pause();
        outgoing.once("drain", resume);
      }
      onChunk(chunk);
    });
    source.once("end", () => resolve(null));
    source.once("error", (error) => resolve(error));
    source.once("close", () => {
      outgoing.off("drain", resume);
      if (!source.readableEnded) resolve(new Error("the connection closed before the response ended"));
    });
  });
}

const revokedMessage = "this workstream's gateway token was revoked while the request was under way.";

function usageReaderFor(endpoint: Endpoint, isStreamed: boolean): UsageReader | null {
  switch (endpoint) {
    case "messages":
      return anthropicMessagesUsageReader(isStreamed);
    case "responses":
      return responsesUsageReader(isStreamed);
    case "chat_completions":
      return chatCompletionsUsageReader(isStreamed);
    default:
      return null;
  }
}

function answer(outgoing: ServerResponse, provider: Provider, problem: GatewayProblem): void {
  if (outgoing.headersSent || outgoing.destroyed) return;
  const error = providerErrorResponse(provider, problem);
  outgoing.writeHead(error.status, error.headers);
  outgoing.end(error.body);
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function headerValue(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}
