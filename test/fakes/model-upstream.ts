/**
 * A loopback HTTP fake of the model APIs behind the gateway: Anthropic Messages (JSON and SSE) and
 * count_tokens at `/v1/messages…`, OpenAI Responses and Chat Completions (JSON and SSE) at
 * `/v1/responses` and `/v1/chat/completions`, answering in the real APIs' shapes. Every request is
 * recorded, and each is checked against what the gateway promises: the real key in the provider's
 * header, no other credential, never a gateway token in any header or in the body.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedUpstreamRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the fake does with the next request, instead of its normal answer. */
export type ScriptedAnswer =
  /** Start the stream (headers and the first event), then keep it open until the client leaves. */
  | { kind: "hang" }
  /** Start the stream, then drop the connection. */
  | { kind: "break_off" }
  | { kind: "status"; status: number; body: unknown; headers?: Record<string, string> }
  /** A 200 stream whose only event is an Anthropic `error` event (overloaded mid-stream). */
  | { kind: "stream_error" };

export interface FakeModelUpstream {
  /** The origin, e.g. `http://127.0.0.1:PORT`: Anthropic's base URL; OpenAI's is this plus `/v1`. */
  readonly url: string;
  readonly requests: RecordedUpstreamRequest[];
  /** Broken promises of the gateway; a test asserts it stays empty. */
  readonly violations: string[];
  script(...answers: ScriptedAnswer[]): void;
  /** Resolves when a hanging response's client has gone away. */
  nextClientGone(): Promise<void>;
  close(): Promise<void>;
}

export interface FakeModelUpstreamOptions {
  anthropicKey: string;
  openaiKey: string;
  /** Text that must never reach the upstream (the gateway's token prefix). */
  forbidden: string;
}

export const anthropicModel = "claude-sonnet-5-5";
export const openaiModel = "gpt-5-codex";

/** The usage the fake's Anthropic answers report, streamed or not. */
export const anthropicUsage = {
  input_tokens: 12,
  cache_creation_input_tokens: 300,
  cache_read_input_tokens: 2000,
  cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 0 },
  output_tokens: 25,
  service_tier: "standard",
};

/** The usage the fake's OpenAI answers report: 1200 input of which 1000 cached, 30 output. */
export const openaiUsage = { input: 1200, cached: 1000, output: 30 };

export async function startFakeModelUpstream(options: FakeModelUpstreamOptions): Promise<FakeModelUpstream> {
  const requests: RecordedUpstreamRequest[] = [];
  const violations: string[] = [];
  const scripted: ScriptedAnswer[] = [];
  const goneWaiters: (() => void)[] = [];
  let gone = 0;
  const noteGone = () => {
    gone++;
    goneWaiters.shift()?.();
  };

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const recorded: RecordedUpstreamRequest = {
        method: incoming.method ?? "GET",
        path: incoming.url ?? "/",
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      violations.push(...invariantViolations(recorded, options, requests.length));
      answer(recorded, outgoing, scripted.shift(), noteGone);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    violations,
    script: (...answers) => {
      scripted.push(...answers);
    },
    nextClientGone: () =>
      new Promise((resolve) => {
        if (gone > 0) {
          gone--;
          resolve();
        } else {
          goneWaiters.push(() => {
            gone--;
            resolve();
          });
        }
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function invariantViolations(
  request: RecordedUpstreamRequest,
  options: FakeModelUpstreamOptions,
  number: number,
): string[] {
  const violations: string[] = [];
  const where = `request ${number} (${request.method} ${request.path})`;
  const isAnthropic = request.path.startsWith("/v1/messages");
  const { headers } = request;
  if (isAnthropic) {
    if (headers["x-api-key"] !== options.anthropicKey)
      violations.push(`${where}: x-api-key is not the real key`);
    if (headers.authorization !== undefined)
      violations.push(`${where}: an Authorization header reached Anthropic`);
    if (headers["anthropic-version"] === undefined) violations.push(`${where}: no anthropic-version header`);
  } else {
    if (headers.authorization !== `Bearer ${options.openaiKey}`) {
      violations.push(`${where}: Authorization is not the real OpenAI key`);
    }
    if (headers["x-api-key"] !== undefined) violations.push(`${where}: an x-api-key header reached OpenAI`);
  }
  if (headers["api-key"] !== undefined) violations.push(`${where}: an api-key header reached the upstream`);
  for (const [name, value] of Object.entries(headers)) {
    if (String(value).includes(options.forbidden))
      violations.push(`${where}: header ${name} carries a gateway token`);
  }
  if (request.body.includes(options.forbidden)) violations.push(`${where}: the body carries a gateway token`);
  if (request.method === "POST") {
    try {
      const body = JSON.parse(request.body) as { model?: unknown };
      if (typeof body.model !== "string") violations.push(`${where}: the body names no model`);
    } catch {
      violations.push(`${where}: the body is not JSON`);
    }
  }
  return violations;
}

function answer(
  request: RecordedUpstreamRequest,
  outgoing: ServerResponse,
  scripted: ScriptedAnswer | undefined,
  noteGone: () => void,
): void {
  const body = request.method === "POST" ? (JSON.parse(request.body) as Record<string, unknown>) : {};
  const path = request.path.split("?")[0];
  if (scripted?.kind === "status") {
    outgoing.writeHead(scripted.status, { "content-type": "application/json", ...scripted.headers });
    outgoing.end(JSON.stringify(scripted.body));
    return;
  }
  if (scripted?.kind === "stream_error") {
    outgoing.writeHead(200, { "content-type": "text/event-stream" });
    outgoing.end(
      sse([{ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }], { named: true }),
    );
    return;
  }
  if (path === "/v1/messages/count_tokens") {
    json(outgoing, { input_tokens: 42 });
    return;
  }
  if (path === "/v1/models") {
    json(outgoing, { object: "list", data: [{ id: openaiModel, object: "model", owned_by: "openai" }] });
    return;
  }
  const events =
    path === "/v1/messages"
      ? anthropicEvents()
      : path === "/v1/responses"
        ? responsesEvents()
        : path === "/v1/chat/completions"
          ? chatChunks(
              Boolean((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage),
            )
          : undefined;
  if (events === undefined) {
    outgoing.writeHead(404, { "content-type": "application/json" });
    outgoing.end(JSON.stringify({ error: { message: `no route ${path}` } }));
    return;
  }
  if (body.stream !== true) {
    json(outgoing, events.whole);
    return;
  }
  const headers = {
    "content-type": "text/event-stream",
    "request-id": "req_fake_1",
    "cache-control": "no-cache",
  };
  const named = path !== "/v1/chat/completions";
  if (scripted?.kind === "hang" || scripted?.kind === "break_off") {
    outgoing.writeHead(200, headers);
    const first = sse(events.stream.slice(0, 1), { named });
    if (scripted.kind === "break_off") {
      // Flushed first, then the connection dropped without the chunked body's end.
      outgoing.write(first, () => outgoing.socket?.destroy());
      return;
    }
    outgoing.on("close", noteGone);
    outgoing.write(first);
    return;
  }
  outgoing.writeHead(200, headers);
  // One write per event, as the API flushes them: the gateway must handle events split anywhere.
  for (const event of events.stream) outgoing.write(sse([event], { named }));
  if (!named) outgoing.write("data: [DONE]\n\n");
  outgoing.end();
}

function json(outgoing: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  outgoing.writeHead(200, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "request-id": "req_fake_1",
  });
  outgoing.end(body);
}

function sse(events: Record<string, unknown>[], options: { named: boolean }): string {
  return events
    .map((event) =>
      options.named
        ? `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`
        : `data: ${JSON.stringify(event)}\n\n`,
    )
    .join("");
}

interface Answers {
  whole: unknown;
  stream: Record<string, unknown>[];
}

function anthropicEvents(): Answers {
  const message = {
    id: "msg_fake_1",
    type: "message",
    role: "assistant",
    model: anthropicModel,
    content: [{ type: "text", text: "Hello from the fake.", citations: null }],
    stop_reason: "end_turn",
    stop_sequence: null,
    stop_details: null,
    container: null,
    usage: anthropicUsage,
  };
  return {
    whole: message,
    stream: [
      {
        type: "message_start",
        message: {
          ...message,
          content: [],
          stop_reason: null,
          usage: { ...anthropicUsage, output_tokens: 1 },
        },
      },
      { type: "ping" },
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "", citations: null } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello from " } },
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "the fake." } },
      { type: "content_block_stop", index: 0 },
      {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null, stop_details: null },
        usage: { output_tokens: anthropicUsage.output_tokens },
      },
      { type: "message_stop" },
    ],
  };
}

function responsesEvents(): Answers {
  const usage = {
    input_tokens: openaiUsage.input,
    input_tokens_details: { cached_tokens: openaiUsage.cached },
    output_tokens: openaiUsage.output,
    output_tokens_details: { reasoning_tokens: 10 },
    total_tokens: openaiUsage.input + openaiUsage.output,
  };
  const item = {
    id: "msg_1",
    type: "message",
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text: "Hello from the fake.", annotations: [] }],
  };
  const base = { id: "resp_1", object: "response", created_at: 1_767_225_600, model: openaiModel };
  const completed = { ...base, status: "completed", output: [item], usage };
  const events: Record<string, unknown>[] = [
    { type: "response.created", response: { ...base, status: "in_progress", output: [], usage: null } },
    {
      type: "response.output_item.added",
      output_index: 0,
      item: { ...item, status: "in_progress", content: [] },
    },
    {
      type: "response.output_text.delta",
      item_id: "msg_1",
      output_index: 0,
      content_index: 0,
      delta: "Hello ",
    },
    {
      type: "response.output_text.delta",
      item_id: "msg_1",
      output_index: 0,
      content_index: 0,
      delta: "from the fake.",
    },
    { type: "response.output_item.done", output_index: 0, item },
    { type: "response.completed", response: completed },
  ];
  return { whole: completed, stream: events.map((event, index) => ({ ...event, sequence_number: index })) };
}

function chatChunks(includeUsage: boolean): Answers {
  const usage = {
    prompt_tokens: openaiUsage.input,
    completion_tokens: openaiUsage.output,
    total_tokens: openaiUsage.input + openaiUsage.output,
    prompt_tokens_details: { cached_tokens: openaiUsage.cached },
  };
  const base = { id: "chatcmpl-1", created: 1_767_225_600, model: openaiModel };
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    ...base,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const stream = [
    chunk({ role: "assistant", content: "" }, null),
    chunk({ content: "Hello from the fake." }, null),
    chunk({}, "stop"),
    ...(includeUsage ? [{ ...base, object: "chat.completion.chunk", choices: [], usage }] : []),
  ];
  return {
    whole: {
      ...base,
      object: "chat.completion",
      choices: [
        { index: 0, message: { role: "assistant", content: "Hello from the fake." }, finish_reason: "stop" },
      ],
      usage,
    },
    stream,
  };
}
