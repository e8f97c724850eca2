/**
 * Serves worker tools to CLI agents (`supervise tool`, `supervise mcp`) over a unix socket. Each
 * worker start gets its own bearer token bound to one workstream, so a worker can call tools only
 * as itself; the human decision commands are not reachable through it at all.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ToolResult, WorkerServices } from "../tools/tool-definition.ts";
import { callWorkerTool } from "../tools/tool-registry.ts";
import { cliReplyStatus } from "./worker-shim.ts";

export interface ToolServer {
  readonly socketPath: string;
  /** Binds a fresh token to one workstream's services; returns the token for the worker's environment. */
  grant(workstream: string, services: WorkerServices, observer?: ToolCallObserver): string;
  revoke(token: string): void;
  close(): Promise<void>;
}

/** Sees every call made with a grant: the transcript and idle detection use it. */
export interface ToolCallObserver {
  onCall(tool: string, input: unknown): void;
  onResult(tool: string, result: ToolResult): void;
}

interface Grant {
  workstream: string;
  services: WorkerServices;
  observer: ToolCallObserver | undefined;
}

const maxRequestBytes = 1024 * 1024;

export async function startToolServer(socketPath: string): Promise<ToolServer> {
  const grants = new Map<string, Grant>();
  const server = createServer((request, response) => {
    handleRequest(request, response, grants).catch((error: unknown) => {
      const result = { isError: true, text: `supervisor error: ${String(error)}` };
      if (request.url?.endsWith("?reply=cli")) replyAsCli(response, 500, result);
      else respond(response, 500, result);
    });
  });
  // Tool calls such as claim_done (gates) and ask_human (a person) may take many minutes.
  server.requestTimeout = 0;
  server.timeout = 0;
  await listen(server, socketPath);
  return {
    socketPath,
    grant(workstream, services, observer) {
      const token = randomBytes(24).toString("base64url");
      grants.set(token, { workstream, services, observer });
      return token;
    },
    revoke(token) {
      grants.delete(token);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, socketPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Two reply formats. JSON (the default) is a ToolResult for `supervise tool` and `supervise mcp` in
 * Node. `?reply=cli` serves the shim's curl (worker-shim.ts): the body is exactly what `supervise
 * tool` prints and the status names its exit code, so the shell needs no JSON parser.
 */
async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  grants: Map<string, Grant>,
): Promise<void> {
  const match = /^\/tools\/([a-z_]+)(\?reply=cli)?$/.exec(request.url ?? "");
  const reply = match?.[2] ? replyAsCli : replyAsJson;
  const grant = findGrant(request.headers.authorization, grants);
  if (!grant) {
    reply(response, 401, {
      isError: true,
      text: "This worker token is not valid (any more): the supervisor refused the call.",
    });
    return;
  }
  if (request.method !== "POST" || !match) {
    reply(response, 404, { isError: true, text: `Unknown endpoint ${request.method} ${request.url}` });
    return;
  }
  const body = await readBody(request);
  const input = reply === replyAsCli ? parseCliInput(body) : parseJsonInput(body);
  if (input === invalidJson) {
    if (reply === replyAsCli) {
      // The CLI has its own message and exit code for input that is not JSON; the shim runs it.
      response.writeHead(cliReplyStatus.askTheCli).end();
    } else {
      respond(response, 200, { isError: true, text: "The tool input is not valid JSON." });
    }
    return;
  }
  const tool = match[1]!;
  grant.observer?.onCall(tool, input);
  const result = await callWorkerTool(tool, input, grant.services);
  grant.observer?.onResult(tool, result);
  reply(response, 200, result);
}

const invalidJson = Symbol("invalid JSON");

function parseJsonInput(body: string): unknown {
  try {
    return body.length === 0 ? {} : JSON.parse(body);
  } catch {
    return invalidJson;
  }
}

/** As the CLI reads `--input`: the shim sends the argument as is, and the CLI sends JSON.stringify(input ?? {}). */
function parseCliInput(body: string): unknown {
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return invalidJson;
  }
  return JSON.parse(JSON.stringify(input ?? {}));
}

type Reply = (response: ServerResponse, status: number, result: ToolResult) => void;

const replyAsJson: Reply = respond;

/** The CLI prints the text with a final newline and exits 2 on bad input, 1 on any other error. */
const replyAsCli: Reply = (response, _status, result) => {
  const status = result.isBadInput
    ? cliReplyStatus.badInput
    : result.isError
      ? cliReplyStatus.toolError
      : cliReplyStatus.success;
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(result.text.endsWith("\n") ? result.text : `${result.text}\n`);
};

function findGrant(authorization: string | undefined, grants: Map<string, Grant>): Grant | undefined {
  const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
  if (!token) return undefined;
  for (const [candidate, grant] of grants) {
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    if (a.length === b.length && timingSafeEqual(a, b)) return grant;
  }
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxRequestBytes) throw new Error("tool input larger than 1 MiB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function respond(response: ServerResponse, status: number, result: ToolResult): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(result));
}
