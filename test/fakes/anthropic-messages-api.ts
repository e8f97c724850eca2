/**
 * An HTTP fake of the Messages API for msw: scripted turns streamed as SSE in the API's event
 * shapes, every request recorded, and the tool-use protocol checked on each one (every tool_use
 * of an assistant turn answered by a tool_result in the next message). The event builders are the
 * fake's own, so the loop's parsing is checked against them rather than against itself.
 */
import { HttpResponse, http } from "msw";

export interface FakeBlock {
  events(index: number): Record<string, unknown>[];
}

export interface FakeTurn {
  blocks: FakeBlock[];
  stopReason: string;
  usage?: Partial<FakeUsage>;
  stopDetails?: { category: string | null; explanation: string | null };
  /** Stream the first block, then keep the response open until the request is aborted. */
  isHanging?: boolean;
  /** Answer with this HTTP error instead of a stream. */
  httpError?: { status: number; type: string; message: string };
}

interface FakeUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export interface RecordedRequest {
  headers: Record<string, string>;
  body: {
    model: string;
    max_tokens: number;
    stream?: boolean;
    system?: { type: string; text: string; cache_control?: unknown }[];
    tools?: { name: string; description?: string; input_schema: unknown; cache_control?: unknown }[];
    messages: { role: string; content: Record<string, unknown>[] }[];
  };
}

export function text(value: string): FakeBlock {
  return {
    events: (index) => [
      { type: "content_block_start", index, content_block: { type: "text", text: "", citations: null } },
      { type: "content_block_delta", index, delta: { type: "text_delta", text: value } },
      { type: "content_block_stop", index },
    ],
  };
}

export function thinking(value: string, signature: string): FakeBlock {
  return {
    events: (index) => [
      {
        type: "content_block_start",
        index,
        content_block: { type: "thinking", thinking: "", signature: "" },
      },
      { type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: value } },
      { type: "content_block_delta", index, delta: { type: "signature_delta", signature } },
      { type: "content_block_stop", index },
    ],
  };
}

export function toolUse(id: string, name: string, input: Record<string, unknown>): FakeBlock {
  return partialToolUse(id, name, JSON.stringify(input));
}

/** A tool call whose input JSON is streamed as given, e.g. cut off in the middle by max_tokens. */
export function partialToolUse(id: string, name: string, partialJson: string): FakeBlock {
  const half = Math.floor(partialJson.length / 2);
  return {
    events: (index) => [
      {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id, name, input: {}, caller: { type: "direct" } },
      },
      {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: partialJson.slice(0, half) },
      },
      {
        type: "content_block_delta",
        index,
        delta: { type: "input_json_delta", partial_json: partialJson.slice(half) },
      },
      { type: "content_block_stop", index },
    ],
  };
}

export class FakeMessagesApi {
  readonly requests: RecordedRequest[] = [];
  /** Protocol violations seen on any request; a test asserts this stays empty. */
  readonly violations: string[] = [];
  private readonly turns: FakeTurn[] = [];
  private readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  enqueue(...turns: FakeTurn[]): void {
    this.turns.push(...turns);
  }

  handler() {
    return http.post(`${this.baseUrl}/v1/messages`, async ({ request }) => {
      const body = (await request.json()) as RecordedRequest["body"];
      this.requests.push({ headers: Object.fromEntries(request.headers), body });
      this.violations.push(...toolUseViolations(body, this.requests.length));
      const turn = this.turns.shift();
      if (!turn) {
        return HttpResponse.json(
          {
            type: "error",
            error: { type: "invalid_request_error", message: "the fake has no scripted turn left" },
          },
          { status: 400 },
        );
      }
      if (turn.httpError) {
        const { status, type, message } = turn.httpError;
        return HttpResponse.json(
          { type: "error", error: { type, message } },
          { status, headers: { "request-id": `req_fake_${this.requests.length}` } },
        );
      }
      return new HttpResponse(streamOf(turn, this.requests.length, request.signal), {
        headers: { "content-type": "text/event-stream", "request-id": `req_fake_${this.requests.length}` },
      });
    });
  }
}

function streamOf(turn: FakeTurn, number: number, signal: AbortSignal): ReadableStream<Uint8Array> {
  const usage: FakeUsage = {
    input_tokens: 0,
    output_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    ...turn.usage,
  };
  const start = {
    type: "message_start",
    message: {
      id: `msg_fake_${number}`,
      type: "message",
      role: "assistant",
      model: "claude-sonnet-5-5",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: { ...usage, output_tokens: 1 },
    },
  };
  const blockEvents = turn.blocks.flatMap((block, index) => block.events(index));
  const end = [
    {
      type: "message_delta",
      delta: { stop_reason: turn.stopReason, stop_sequence: null, stop_details: turn.stopDetails ?? null },
      usage: { output_tokens: usage.output_tokens },
    },
    { type: "message_stop" },
  ];
  const encoder = new TextEncoder();
  const encode = (event: Record<string, unknown>) =>
    encoder.encode(`event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(encode(start));
      if (turn.isHanging) {
        for (const event of blockEvents.slice(0, 2)) controller.enqueue(encode(event));
        signal.addEventListener("abort", () => controller.error(new Error("aborted by the client")));
        return;
      }
      for (const event of [...blockEvents, ...end]) controller.enqueue(encode(event));
      controller.close();
    },
  });
}

/** Every tool_use of an assistant message is answered by a tool_result in the next message. */
function toolUseViolations(body: RecordedRequest["body"], requestNumber: number): string[] {
  const violations: string[] = [];
  body.messages.forEach((message, index) => {
    if (message.role !== "assistant" || !Array.isArray(message.content)) return;
    const next = body.messages[index + 1];
    const answered = new Set(
      (Array.isArray(next?.content) ? next.content : [])
        .filter((block) => block.type === "tool_result")
        .map((block) => block.tool_use_id),
    );
    for (const block of message.content) {
      if (block.type === "tool_use" && !answered.has(block.id)) {
        violations.push(
          `request ${requestNumber}: tool_use ${String(block.id)} of messages[${index}] is not answered`,
        );
      }
    }
  });
  return violations;
}
