/**
 * The message history of one worker start, and the few ways the loop may change it: append a turn,
 * append user content, drop the tool calls of a cut-off turn, and elide old tool results when the
 * context budget or window is full (context-budget.ts). The first user message (the task) is
 * never changed.
 */
import type {
  ContentBlock,
  ContentBlockParam,
  MessageParam,
  ToolResultBlockParam,
} from "@anthropic-ai/sdk/resources/messages";

export class Conversation {
  private readonly messages: MessageParam[];
  /** The first message changed since the transcript last saw the conversation. */
  private firstUnloggedIndex = 0;
  /** Tool results already replaced by a placeholder, by tool_use id. */
  private readonly elidedResults = new Set<string>();

  constructor(firstPrompt: string) {
    this.messages = [{ role: "user", content: [{ type: "text", text: firstPrompt }] }];
  }

  get length(): number {
    return this.messages.length;
  }

  addAssistantTurn(content: readonly ContentBlockParam[]): void {
    if (content.length === 0) return;
    this.messages.push({ role: "assistant", content: [...content] });
  }

  /**
   * Appends to the last message when it is the user's: two user messages in a row would be merged
   * by the API anyway, and tool_result blocks must stay first in theirs, which appending keeps.
   */
  addUserContent(content: readonly ContentBlockParam[]): void {
    const last = this.messages.at(-1);
    if (last?.role === "user" && Array.isArray(last.content)) {
      last.content.push(...content);
      this.firstUnloggedIndex = Math.min(this.firstUnloggedIndex, this.messages.length - 1);
      return;
    }
    this.messages.push({ role: "user", content: [...content] });
  }

  /**
   * The messages of the next request, with one cache breakpoint on the last block that can carry
   * one. Together with the breakpoint on the system prompt, each request reads everything before
   * its newest message from the cache written by the previous one. Only the copy is marked: stale
   * breakpoints left in the history would pass the API's limit of four.
   */
  requestMessages(): MessageParam[] {
    const messages = [...this.messages];
    const last = messages.at(-1);
    if (!last || !Array.isArray(last.content)) return messages;
    const index = last.content.findLastIndex(canCarryCacheControl);
    if (index === -1) return messages;
    const content = [...last.content];
    content[index] = { ...content[index], cache_control: { type: "ephemeral" } } as ContentBlockParam;
    messages[messages.length - 1] = { ...last, content } as MessageParam;
    return messages;
  }

  /** Messages added or changed since the last call, for the transcript (which logs each once). */
  takeUnloggedMessages(): MessageParam[] {
    const unlogged = this.messages.slice(this.firstUnloggedIndex);
    this.firstUnloggedIndex = this.messages.length;
    return structuredClone(unlogged);
  }

  /** The size of every message's content in characters, for the context estimate. */
  characters(): number {
    let total = 0;
    for (const message of this.messages) {
      if (typeof message.content === "string") total += message.content.length;
      else for (const block of message.content) total += blockCharacters(block);
    }
    return total;
  }

  /**
   * Replaces the bodies of tool results older than the last `keepRecentMessages` messages with a
   * placeholder, oldest first, until `charactersToFree` are freed (all of them when omitted). The
   * first message (the task) and the newest messages are never touched, and tool_use/tool_result
   * pairs stay whole: only a result's content changes. Results not longer than their placeholder
   * are left alone, as eliding them frees nothing. Returns the tool_use ids of the elided results.
   */
  elideOldToolResults(options: {
    placeholderFor: (characters: number) => string;
    keepRecentMessages: number;
    charactersToFree?: number;
  }): { elided: string[]; freedCharacters: number } {
    const charactersToFree = options.charactersToFree ?? Number.POSITIVE_INFINITY;
    const elided: string[] = [];
    let freedCharacters = 0;
    const end = Math.max(1, this.messages.length - options.keepRecentMessages);
    for (const message of this.messages.slice(1, end)) {
      if (message.role !== "user" || !Array.isArray(message.content)) continue;
      for (const [index, block] of message.content.entries()) {
        if (freedCharacters >= charactersToFree) return { elided, freedCharacters };
        if (block.type !== "tool_result" || this.elidedResults.has(block.tool_use_id)) continue;
        const characters = blockCharacters(block);
        const placeholder = options.placeholderFor(characters);
        if (characters <= placeholder.length) continue;
        message.content[index] = { ...block, content: placeholder } satisfies ToolResultBlockParam;
        this.elidedResults.add(block.tool_use_id);
        elided.push(block.tool_use_id);
        freedCharacters += characters - placeholder.length;
      }
    }
    return { elided, freedCharacters };
  }
}

function blockCharacters(block: ContentBlockParam): number {
  switch (block.type) {
    case "text":
      return block.text.length;
    case "thinking":
      return block.thinking.length + block.signature.length;
    case "redacted_thinking":
      return block.data.length;
    case "tool_use":
      return block.name.length + JSON.stringify(block.input).length;
    case "tool_result":
      if (typeof block.content === "string") return block.content.length;
      return (block.content ?? []).reduce(
        (sum, part) => sum + (part.type === "text" ? part.text.length : JSON.stringify(part).length),
        0,
      );
    default:
      return JSON.stringify(block).length;
  }
}

/** Thinking blocks take no cache_control; everything else this loop sends does. */
function canCarryCacheControl(block: ContentBlockParam): boolean {
  return block.type !== "thinking" && block.type !== "redacted_thinking";
}

/**
 * A response's blocks as request blocks. Thinking blocks go back unchanged (their signature must
 * verify); tool inputs are copied as parsed, which also drops the SDK's lazy partial-JSON getter.
 */
export function toRequestContent(content: readonly ContentBlock[]): ContentBlockParam[] {
  // The API refuses empty text blocks in a request, and a streamed turn can end on one.
  const sendable = content.filter((block) => block.type !== "text" || block.text !== "");
  return sendable.map((block): ContentBlockParam => {
    switch (block.type) {
      case "text":
        return { type: "text", text: block.text };
      case "thinking":
        return { type: "thinking", thinking: block.thinking, signature: block.signature };
      case "redacted_thinking":
        return { type: "redacted_thinking", data: block.data };
      case "tool_use":
        return { type: "tool_use", id: block.id, name: block.name, input: block.input };
      default:
        // Server-tool blocks: this loop offers no server tools, so they are passed back as received.
        return block as unknown as ContentBlockParam;
    }
  });
}

/**
 * The blocks of a cut-off turn without its tool calls, which may be incomplete and are not run.
 * Thinking alone is not kept: it belongs to the calls it reasoned towards.
 */
export function withoutToolUses(content: readonly ContentBlockParam[]): {
  content: ContentBlockParam[];
  droppedToolUses: number;
} {
  const kept = content.filter((block) => block.type !== "tool_use");
  const droppedToolUses = content.length - kept.length;
  const isOnlyThinking = kept.every(
    (block) => block.type === "thinking" || block.type === "redacted_thinking",
  );
  return { content: isOnlyThinking ? [] : kept, droppedToolUses };
}
