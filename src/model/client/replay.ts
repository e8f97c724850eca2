/**
 * `provider: replay`: model turns from a cassette, served through the real SDK. The client is an
 * ordinary `Anthropic` whose `fetch` answers POST /v1/messages itself, with the next recorded turn
 * as an SSE stream (or JSON when the request did not ask to stream). Before serving a turn it
 * checks the request's protocol invariants; a violation is answered as a 400 naming it, which the
 * SDK raises as a BadRequestError and the loop ends the start with. No API key, no network.
 *
 * The cursor lives in the client: a second start on the same client continues where the first
 * stopped, so one cassette can script a restart. A turn's branches are chosen on the request that
 * follows it, from what the supervisor said there (branch-conditions.ts). Once exhausted, every
 * request gets an end_turn. Replay reads no clock: what it serves depends only on the cassette and
 * the requests.
 */
import { basename } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import type { ContentBlock, Message } from "@anthropic-ai/sdk/resources/messages";
import { type Cassette, type CassetteTurn, loadCassette } from "../cassette.ts";
import { branchConditionFor } from "./branch-conditions.ts";
import { CassetteCursor } from "./cassette-cursor.ts";
import { describeViolations, findRequestViolations } from "./request-invariants.ts";
import { encodeServerSentEvents, messageStreamEvents } from "./server-sent-events.ts";

/** Never contacted: the replay fetch answers every request itself. */
const replayBaseUrl = "http://replay.invalid";

export interface ReplayOptions {
  /**
   * Turns already served in earlier processes of the same run (a resume): the journal knows how many
   * model turns the workstream used, so replay continues there instead of starting over.
   */
  startTurn?: number;
  /** Playbook ids to titles, for branches taken `when: { intervention: ID }`. */
  interventionTitles?: ReadonlyMap<string, string>;
}

export function createReplayClient(cassettePath: string, options: ReplayOptions = {}): Anthropic {
  return createReplayClientFor(loadCassette(cassettePath), basename(cassettePath), options);
}

export function createReplayClientFor(
  cassette: Cassette,
  label: string,
  options: ReplayOptions = {},
): Anthropic {
  return new Anthropic({
    // Passing a key keeps the SDK from reading ANTHROPIC_API_KEY; this one opens nothing.
    apiKey: "replay-needs-no-key",
    baseURL: replayBaseUrl,
    fetch: createReplayFetch(cassette, label, options),
    // A replayed answer is the same on every try; an invariant violation must not be retried.
    maxRetries: 0,
    logLevel: "off",
  });
}

export function createReplayFetch(
  cassette: Cassette,
  label: string,
  options: ReplayOptions = {},
): typeof fetch {
  const cursor = new CassetteCursor(cassette.turns);
  cursor.skip(options.startTurn ?? 0);
  const interventionTitles = options.interventionTitles ?? new Map<string, string>();
  return async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    if (request.method !== "POST" || path !== "/v1/messages") {
      return apiError(
        404,
        "not_found_error",
        `replay serves only POST /v1/messages, not ${request.method} ${path}`,
      );
    }
    const body = (await request.json()) as { model?: string; stream?: boolean; tools?: { name?: string }[] };
    const violations = findRequestViolations(body);
    if (violations.length > 0) return apiError(400, "invalid_request_error", describeViolations(violations));

    const turnNumber = cursor.served + 1;
    const turn = cursor.next(branchConditionFor(body, interventionTitles));
    const message = turn
      ? replayedMessage(turn, turnNumber, cassette.model ?? body.model ?? "replay")
      : exhaustedMessage(label, cursor.served, turnNumber, cassette.model ?? body.model ?? "replay");
    const offered = new Set((body.tools ?? []).map((tool) => tool.name));
    for (const block of message.content) {
      if (block.type === "tool_use" && !offered.has(block.name)) {
        return apiError(
          400,
          "invalid_request_error",
          `request invariant "replayed-tool-offered" violated: turn ${turnNumber} of ${label} calls the tool ${block.name}, which the request does not offer`,
        );
      }
    }
    const headers = { "request-id": `req_replay_${turnNumber}` };
    if (body.stream === true) {
      return new Response(encodeServerSentEvents(messageStreamEvents(message)), {
        headers: { ...headers, "content-type": "text/event-stream" },
      });
    }
    return Response.json(message, { headers });
  };
}

function replayedMessage(turn: CassetteTurn, turnNumber: number, model: string): Message {
  const content = turn.content.map((block, index): ContentBlock => {
    switch (block.type) {
      case "text":
        return { type: "text", text: block.text, citations: null };
      case "thinking":
        return { type: "thinking", thinking: block.thinking, signature: block.signature };
      case "redacted_thinking":
        return { type: "redacted_thinking", data: block.data };
      default: // tool_use, the last kind a cassette block can be
        return {
          type: "tool_use",
          id: `toolu_replay_${turnNumber}_${index}`,
          name: block.name,
          input: block.input,
          caller: { type: "direct" },
        };
    }
  });
  const callsTools = content.some((block) => block.type === "tool_use");
  const stopDetails = turn.stop_details ? { type: "refusal" as const, ...turn.stop_details } : null;
  return message(turnNumber, model, content, turn.stop_reason ?? (callsTools ? "tool_use" : "end_turn"), {
    usage: turn.usage,
    stopDetails,
  });
}

function exhaustedMessage(label: string, turnCount: number, turnNumber: number, model: string): Message {
  const text = `The replay cassette ${label} has no more turns: all ${turnCount} were played.`;
  return message(turnNumber, model, [{ type: "text", text, citations: null }], "end_turn", {
    usage: { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    stopDetails: null,
  });
}

function message(
  turnNumber: number,
  model: string,
  content: ContentBlock[],
  stopReason: Message["stop_reason"],
  extra: { usage: CassetteTurn["usage"]; stopDetails: Message["stop_details"] },
): Message {
  return {
    id: `msg_replay_${turnNumber}`,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details: extra.stopDetails,
    container: null,
    diagnostics: null,
    usage: {
      ...extra.usage,
      cache_creation: null,
      inference_geo: null,
      output_tokens_details: null,
      server_tool_use: null,
      service_tier: "standard",
      speed: null,
    },
  };
}

function apiError(status: number, type: string, message: string): Response {
  return Response.json({ type: "error", error: { type, message } }, { status });
}
