/**
 * `--record`: the assistant turns a live worker receives, written as a cassette that
 * `agent: { provider: replay, cassette: FILE }` plays back (same format, see cassette.ts). Every
 * start of the workstream appends to the same cassette in order, as replay continues one cursor
 * across starts. The file is rewritten after each turn, so a run that dies still leaves a cassette
 * of what happened; every string in it goes through the run's redactor first.
 */
import type { Message } from "@anthropic-ai/sdk/resources/messages";
import writeFileAtomic from "write-file-atomic";
import { Document } from "yaml";
import type { Redactor } from "../sandbox/index.ts";
import { type Cassette, type CassetteBlock, type CassetteTurn, parseCassette } from "./cassette.ts";

export interface TurnRecorder {
  record(message: Message): Promise<void>;
}

export interface CassetteRecorderOptions {
  file: string;
  workstreamId: string;
  redact: Redactor;
  /** Turns recorded by an earlier process of the same run (a resume); recording appends to them. */
  earlierTurns?: readonly CassetteTurn[];
}

export function createCassetteRecorder(options: CassetteRecorderOptions): TurnRecorder {
  const turns: unknown[] = [...(options.earlierTurns ?? [])];
  let model: string | undefined;
  return {
    async record(message) {
      model ??= message.model || undefined;
      turns.push(redactStrings(cassetteTurnOf(message), options.redact));
      const cassette = { ...(model ? { model } : {}), turns };
      // What is written must load again: a recorder that wrote an unplayable cassette would only
      // be found out at replay time.
      parseCassette(cassette, options.file);
      const document = new Document(cassette);
      document.commentBefore = ` Recorded by \`supervise --record\` from workstream ${options.workstreamId}.\n Replay: agent: { provider: replay, cassette: <this file> }. Format: sandbox/cassettes/README.md`;
      await writeFileAtomic(options.file, document.toString({ lineWidth: 0 }));
    },
  };
}

/** One response as a cassette turn: its blocks, stop reason, refusal details and usage. */
export function cassetteTurnOf(message: Message): Cassette["turns"][number] {
  const content: CassetteBlock[] = [];
  for (const block of message.content) {
    switch (block.type) {
      case "text":
        if (block.text !== "") content.push({ type: "text", text: block.text });
        break;
      case "thinking":
        content.push({ type: "thinking", thinking: block.thinking, signature: block.signature });
        break;
      case "redacted_thinking":
        content.push({ type: "redacted_thinking", data: block.data });
        break;
      case "tool_use":
        content.push({ type: "tool_use", name: block.name, input: block.input as Record<string, unknown> });
        break;
      default:
        // Server-tool blocks: the worker offers no server tools, so none arrive to be recorded.
        break;
    }
  }
  // A cassette turn needs a block; an empty turn (the model had nothing to add) replays as this note.
  if (content.length === 0) content.push({ type: "text", text: "(the recorded turn had no content)" });
  const usage = message.usage;
  return {
    content,
    ...(message.stop_reason ? { stop_reason: message.stop_reason } : {}),
    ...(message.stop_details
      ? {
          stop_details: {
            category: message.stop_details.category ?? null,
            explanation: message.stop_details.explanation ?? null,
          },
        }
      : {}),
    usage: {
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
      cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
    },
  };
}

function redactStrings(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)]));
  }
  return value;
}
