/**
 * A loopback fake of the Messages API for the real Claude Code CLI (and the supervisor's own model
 * loop), in the API's shapes (SSE for streams, every usage field, tool_use blocks), scripted by the
 * number of assistant turns so far: what a conversation's requests get; Claude Code's side requests
 * (titles, counts) get plain text.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  apiKey: string | undefined;
  authorization: string | undefined;
  body: { model?: string; stream?: boolean; tools?: { name: string }[]; messages?: { role: string }[] };
}

/** The Messages API, in its shapes: SSE for streams, every usage field, tool_use blocks. */
export function startFakeMessagesApi(
  script: (step: number) => object,
): Promise<{ server: Server; url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      const body = text ? JSON.parse(text) : {};
      requests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        apiKey: request.headers["x-api-key"] as string | undefined,
        authorization: request.headers.authorization,
        body,
      });
      if (request.method !== "POST") return response.writeHead(200).end();
      if (request.url?.includes("count_tokens")) {
        return response.writeHead(200, { "content-type": "application/json" }).end('{"input_tokens":12}');
      }
      // Claude Code's conversation offers Bash; the supervisor's own loop, bash.
      const isConversation = (body.tools ?? []).some(
        (tool: { name: string }) => tool.name === "Bash" || tool.name === "bash",
      );
      const step = (body.messages ?? []).filter(
        (message: { role: string }) => message.role === "assistant",
      ).length;
      const block = isConversation ? script(step) : { type: "text", text: "ok" };
      const message = {
        id: `msg_${requests.length}`,
        type: "message",
        role: "assistant",
        model: body.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: 100,
          output_tokens: 1,
          cache_read_input_tokens: 40,
          cache_creation_input_tokens: 10,
        },
      };
      const stopReason = "name" in block ? "tool_use" : "end_turn";
      if (!body.stream) {
        return response.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            ...message,
            content: [block],
            stop_reason: stopReason,
            usage: { ...message.usage, output_tokens: 20 },
          }),
        );
      }
      response.writeHead(200, { "content-type": "text/event-stream" });
      const send = (type: string, data: object) =>
        response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      send("message_start", { message });
      if ("name" in block) {
        send("content_block_start", { index: 0, content_block: { ...block, input: {} } });
        send("content_block_delta", {
          index: 0,
          delta: {
            type: "input_json_delta",
            partial_json: JSON.stringify((block as unknown as { input: object }).input),
          },
        });
      } else {
        send("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
        send("content_block_delta", {
          index: 0,
          delta: { type: "text_delta", text: (block as { text: string }).text },
        });
      }
      send("content_block_stop", { index: 0 });
      send("message_delta", {
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: 20 },
      });
      send("message_stop", {});
      response.end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests }),
    ),
  );
}

/** An honest worker: a Bash call that records what it sees and makes the fix, then the claim through MCP. */
export const honestScript = (step: number): object => {
  if (step === 0) {
    return {
      type: "tool_use",
      id: "toolu_fix",
      name: "Bash",
      input: {
        command:
          "env > .git/worker-env.txt; (cat /proc/[0-9]*/environ | tr '\\0' '\\n'; find \"$HOME\" -type f -size -1M -print0 | xargs -0 cat) 2>/dev/null | head -c 20000000 > .git/visible.txt; echo 2 > src/value.txt && git commit -qam 'value is 2'",
        description: "Fix the value and commit",
      },
    };
  }
  if (step === 1) {
    return {
      type: "tool_use",
      id: "toolu_claim",
      name: "mcp__supervise__claim_done",
      input: { summary: "value set to 2 and committed" },
    };
  }
  return { type: "text", text: "Done: the claim was accepted." };
};
