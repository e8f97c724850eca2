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
 * truncated message. Redirects are not followed: the key would follow them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { anthropicMessagesUsageReader } from "./anthropic-usage.ts";
import { createBodyExcerpt, type ExcerptSnapshot } from "./body-excerpt.ts";
import { clientResponseHeaders, upstreamRequestHeaders } from "./forwarded-headers.ts";
import type { Endpoint, Provider } from "./gateway-routes.ts";
import { chatCompletionsUsageReader, responsesUsageReader } from "./openai-usage.ts";
import { type GatewayProblem, providerErrorResponse } from "./provider-errors.ts";
import type { UsageReader, UsageReading } from "./usage-reading.ts";

export interface ExchangeTarget {
  provider: Provider;
  endpoint: Endpoint;
  url: string;
  apiKey: string;
}

export interface ForwardOptions {
  fetch: typeof fetch;
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
    let response: Response;
    try {
      response = await options.fetch(target.url, {
        method: incoming.method ?? "GET",
        headers: upstreamRequestHeaders(incoming.headers, target.provider, target.apiKey),
        ...(hasBody
          ? {
              body: requestBodyStream(incoming, requestExcerpt.add, () => stop("client_disconnected")),
              duplex: "half",
            }
          : {}),
        redirect: "manual",
        signal: controller.signal,
      });
    } catch (error) {
      const end = endOf("upstream_unreachable");
      if (end === "client_disconnected") return result({ status: 499, end });
      if (end === "stopped") {
        answer(outgoing, target.provider, { kind: "unauthenticated", message: revokedMessage });
        return result({ status: 401, end });
      }
      const failureMessage = `cannot reach the ${target.provider} API: ${describeFetchError(error)}`;
      answer(outgoing, target.provider, { kind: "upstream_unreachable", message: failureMessage });
      return result({ status: 502, end, failureMessage });
    }

    const contentType = response.headers.get("content-type");
    const isStreamed = contentType?.toLowerCase().includes("text/event-stream") ?? false;
    const reader = response.ok ? usageReaderFor(target.endpoint, isStreamed) : null;
    outgoing.writeHead(response.status, clientResponseHeaders(response.headers));
    // Headers now, not with the first chunk: the agent's request timer sees the stream open.
    outgoing.flushHeaders();
    const streamed = { status: response.status, contentType, isStreamed };
    try {
      if (response.body) {
        for await (const chunk of response.body) {
          if (!outgoing.write(chunk)) await drained(outgoing);
          reader?.push(chunk);
          responseExcerpt.add(chunk);
          options.onProgress();
        }
      }
    } catch (error) {
      const end = endOf("upstream_broke_off");
      outgoing.destroy();
      return result({
        ...streamed,
        end,
        reading: reader?.finish() ?? null,
        failureMessage:
          end === "upstream_broke_off"
            ? `the ${target.provider} API's response broke off: ${describeFetchError(error)}`
            : null,
      });
    }
    outgoing.end();
    return result({ ...streamed, end: endOf("completed"), reading: reader?.finish() ?? null });
  } finally {
    outgoing.off("close", onClientClose);
    options.signal.removeEventListener("abort", onOutsideStop);
  }
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

/**
 * The agent's request body as a stream the fetch pulls from, copying each chunk into the excerpt.
 * A body that fails (the agent hung up mid-upload) stops the exchange as a disconnect. If the
 * upstream answers before reading it all, the rest is drained, not destroyed: destroying the
 * request would close the socket the answer still has to go back on.
 */
function requestBodyStream(
  incoming: IncomingMessage,
  onChunk: (chunk: Uint8Array) => void,
  onClientFailure: () => void,
): ReadableStream<Uint8Array> {
  const chunks = incoming[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (error) {
        onClientFailure();
        controller.error(error);
        return;
      }
      if (next.done) {
        controller.close();
        return;
      }
      onChunk(next.value);
      controller.enqueue(next.value);
    },
    cancel() {
      incoming.resume();
    },
  });
}

/** Resolves when the agent can take more, or when it is gone (then the abort ends the loop). */
function drained(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off("drain", done);
      outgoing.off("close", done);
      resolve();
    };
    outgoing.on("drain", done);
    outgoing.on("close", done);
  });
}

function answer(outgoing: ServerResponse, provider: Provider, problem: GatewayProblem): void {
  if (outgoing.headersSent || outgoing.destroyed) return;
  const error = providerErrorResponse(provider, problem);
  outgoing.writeHead(error.status, error.headers);
  outgoing.end(error.body);
}

/** undici's "fetch failed" says nothing; its cause (ECONNREFUSED 127.0.0.1:443, …) says what. */
function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const describe = (value: unknown) => (value instanceof Error ? value.message : String(value));
  return cause === undefined ? describe(error) : `${describe(error)} (${describe(cause)})`;
}
