/**
 * A loopback HTTP server standing in for the Anthropic Messages API, for a CLI run as a child
 * (ANTHROPIC_BASE_URL). It answers from a script keyed on the request itself (the workstream named
 * in the first message, the number of assistant turns so far), so a worker restarted from scratch
 * gets a consistent conversation. A seeded share of requests get a fault instead: 429, 529, 500,
 * a connection held then dropped without an answer, or an SSE stream cut off mid-message.
 * Every request is recorded and checked: each tool_use must be answered by the next message.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const faultKinds = [
  "rate_limited",
  "overloaded",
  "server_error",
  "dropped",
  "truncated_stream",
] as const;
export type FaultKind = (typeof faultKinds)[number];

interface Block {
  type: "text" | "tool_use";
  text?: string;
  name?: string;
  input?: Record<string, unknown>;
}

export type Script = (workstream: string, turn: number) => Block[];

interface RequestBody {
  messages: {
    role: string;
    content: string | { type: string; text?: string; id?: string; tool_use_id?: string }[];
  }[];
}

export interface FaultyMessagesApi {
  baseUrl: string;
  requests: number;
  faults: { request: number; kind: FaultKind }[];
  violations: string[];
  close(): Promise<void>;
}

export interface FaultyMessagesApiOptions {
  script: Script;
  /** Called once per request: true injects the next fault kind (they take turns). */
  shouldFault: () => boolean;
  /** How long a dropped request is held before its connection is closed. */
  holdMs?: number;
}

export async function startFaultyMessagesApi(options: FaultyMessagesApiOptions): Promise<FaultyMessagesApi> {
  const api: FaultyMessagesApi = {
    baseUrl: "",
    requests: 0,
    faults: [],
    violations: [],
    close: async () => {},
  };
  const server: Server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      api.violations.push(`the fake failed: ${String(error)}`);
      response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    api.requests += 1;
    const number = api.requests;
    if (request.method !== "POST" || request.url?.split("?")[0] !== "/v1/messages") {
      api.violations.push(`request ${number}: ${request.method} ${request.url}`);
      sendError(response, 404, "not_found_error", "only POST /v1/messages");
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RequestBody;
    api.violations.push(...toolUseViolations(body, number));
    if (options.shouldFault()) {
      const kind = faultKinds[api.faults.length % faultKinds.length]!;
      api.faults.push({ request: number, kind });
      injectFault(kind, response, options.holdMs ?? 1_000, number);
      return;
    }
    const workstream = workstreamOf(body);
    if (workstream === undefined) {
      api.violations.push(`request ${number}: no workstream named in the first message`);
      sendError(response, 400, "invalid_request_error", "no workstream in the prompt");
      return;
    }
    const turn = body.messages.filter((message) => message.role === "assistant").length;
    response.writeHead(200, { "content-type": "text/event-stream", "request-id": `req_fake_${number}` });
    response.end(streamOf(options.script(workstream, turn), number).join(""));
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  api.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  api.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return api;
}

function injectFault(kind: FaultKind, response: ServerResponse, holdMs: number, number: number): void {
  switch (kind) {
    case "rate_limited":
      // As the API does: the SDK waits as long as retry-after(-ms) says before trying again.
      sendError(response, 429, "rate_limit_error", "Number of requests has exceeded your rate limit", {
        "retry-after-ms": "50",
      });
      return;
    case "overloaded":
      sendError(response, 529, "overloaded_error", "Overloaded");
      return;
    case "server_error":
      sendError(response, 500, "api_error", "Internal server error");
      return;
    case "dropped":
      setTimeout(() => response.socket?.destroy(), holdMs);
      return;
    case "truncated_stream": {
      const events = streamOf([{ type: "text", text: "Starting on it and then" }], number);
      response.writeHead(200, { "content-type": "text/event-stream", "request-id": `req_fake_${number}` });
      // message_start and the block's start: the stream ends before any stop event.
      response.end(events.slice(0, 2).join(""));
      return;
    }
  }
}

function sendError(
  response: ServerResponse,
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify({ type: "error", error: { type, message } }));
}

function workstreamOf(body: RequestBody): string | undefined {
  const first = body.messages[0]?.content;
  const text = typeof first === "string" ? first : (first ?? []).map((block) => block.text ?? "").join("\n");
  return /## Your workstream: (\S+)/.exec(text)?.[1];
}

function sse(event: Record<string, unknown>): string {
  return `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`;
}

function streamOf(blocks: Block[], number: number): string[] {
  const callsTool = blocks.some((block) => block.type === "tool_use");
  const usage = {
    input_tokens: 900,
    output_tokens: 1,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
  };
  const events: string[] = [
    sse({
      type: "message_start",
      message: {
        id: `msg_fake_${number}`,
        type: "message",
        role: "assistant",
        model: "claude-sonnet-5-5",
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage,
      },
    }),
  ];
  blocks.forEach((block, index) => {
    if (block.type === "text") {
      events.push(sse({ type: "content_block_start", index, content_block: { type: "text", text: "" } }));
      events.push(
        sse({ type: "content_block_delta", index, delta: { type: "text_delta", text: block.text } }),
      );
    } else {
      const id = `toolu_fake_${number}_${index}`;
      events.push(
        sse({
          type: "content_block_start",
          index,
          content_block: { type: "tool_use", id, name: block.name, input: {} },
        }),
      );
      events.push(
        sse({
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input ?? {}) },
        }),
      );
    }
    events.push(sse({ type: "content_block_stop", index }));
  });
  events.push(
    sse({
      type: "message_delta",
      delta: { stop_reason: callsTool ? "tool_use" : "end_turn", stop_sequence: null },
      usage: { output_tokens: 40 },
    }),
    sse({ type: "message_stop" }),
  );
  return events;
}

/** Every tool_use of an assistant message is answered by a tool_result in the next message. */
function toolUseViolations(body: RequestBody, number: number): string[] {
  const violations: string[] = [];
  body.messages.forEach((message, index) => {
    if (message.role !== "assistant" || typeof message.content === "string") return;
    const next = body.messages[index + 1]?.content;
    const answered = new Set(
      (typeof next === "string" || next === undefined ? [] : next)
        .filter((block) => block.type === "tool_result")
        .map((block) => block.tool_use_id),
    );
    for (const block of message.content) {
      if (block.type === "tool_use" && !answered.has(block.id)) {
        violations.push(`request ${number}: tool_use ${block.id} of messages[${index}] is not answered`);
      }
    }
  });
  return violations;
}
