/**
 * Protocol rules every Messages API request of the loop must keep, checked on the request body as
 * sent. Replay checks them on each request it serves, and so does the test fake of the API, so a
 * loop that leaves a tool call unanswered fails loudly instead of being served a made-up turn.
 */

export interface InvariantViolation {
  invariant: string;
  detail: string;
}

interface Block {
  type?: unknown;
  id?: unknown;
  name?: unknown;
  tool_use_id?: unknown;
  text?: unknown;
  cache_control?: unknown;
}
interface RequestMessage {
  role?: unknown;
  content?: unknown;
}

export function findRequestViolations(body: unknown): InvariantViolation[] {
  const request = (body ?? {}) as { tools?: unknown; messages?: unknown; system?: unknown };
  const violations: InvariantViolation[] = [];
  const violate = (invariant: string, detail: string) => violations.push({ invariant, detail });

  if (!Array.isArray(request.tools) || request.tools.length === 0) {
    violate("tools-offered", "the request offers no tools, so the model cannot act");
  }
  const messages = Array.isArray(request.messages) ? (request.messages as RequestMessage[]) : [];
  if (messages[0]?.role !== "user") violate("first-message-from-user", "the first message is not the user's");

  messages.forEach((message, index) => {
    const blocks = blocksOf(message);
    if (message.role === "assistant") {
      const next = messages[index + 1];
      const answered = new Set(
        next?.role === "user"
          ? blocksOf(next)
              .filter(isToolResult)
              .map((block) => block.tool_use_id)
          : [],
      );
      for (const call of blocks.filter((block) => block.type === "tool_use")) {
        if (!answered.has(call.id)) {
          violate(
            "tool-use-answered",
            `tool_use ${String(call.id)} (${String(call.name)}) of messages[${index}] has no tool_result in messages[${index + 1}]`,
          );
        }
      }
    }
    if (message.role === "user") {
      const firstOther = blocks.findIndex((block) => !isToolResult(block));
      const lateResult = blocks.findIndex(
        (block, position) => isToolResult(block) && firstOther !== -1 && position > firstOther,
      );
      if (lateResult !== -1) {
        violate(
          "tool-results-first",
          `messages[${index}] has a tool_result after other content (block ${lateResult})`,
        );
      }
      const previous = messages[index - 1];
      const calls = new Set(
        previous?.role === "assistant"
          ? blocksOf(previous)
              .filter((block) => block.type === "tool_use")
              .map((block) => block.id)
          : [],
      );
      for (const result of blocks.filter(isToolResult)) {
        if (!calls.has(result.tool_use_id)) {
          violate(
            "tool-result-answers-a-call",
            `tool_result for ${String(result.tool_use_id)} in messages[${index}] answers no tool_use of the message before it`,
          );
        }
      }
    }
    for (const block of blocks) {
      if (block.type === "text" && block.text === "") {
        violate("no-empty-text", `messages[${index}] has an empty text block`);
      }
    }
  });

  const breakpoints = [
    ...(Array.isArray(request.system) ? (request.system as Block[]) : []),
    ...(Array.isArray(request.tools) ? (request.tools as Block[]) : []),
    ...messages.flatMap(blocksOf),
  ].filter((block) => block.cache_control !== undefined && block.cache_control !== null).length;
  if (breakpoints > 4) {
    violate("at-most-four-cache-breakpoints", `the request has ${breakpoints} cache_control breakpoints`);
  }
  return violations;
}

export function describeViolations(violations: readonly InvariantViolation[]): string {
  return violations
    .map((violation) => `request invariant "${violation.invariant}" violated: ${violation.detail}`)
    .join("; ");
}

function blocksOf(message: RequestMessage): Block[] {
  return Array.isArray(message.content) ? (message.content as Block[]) : [];
}

function isToolResult(block: Block): boolean {
  return block.type === "tool_result";
}
