/**
 * The filtering HTTP proxy of a run whose plan allows a list of hosts (`sandbox.network.allow`).
 * Sandboxed commands have no network route of their own (bwrap's `--unshare-net`); the proxy is
 * their only way out. It listens on a unix socket that isolation binds into every sandbox, where a
 * bridge (network-bridge.ts) exposes it on a loopback port named by HTTP_PROXY and friends.
 *
 * It speaks the two forms clients use: CONNECT for https (a byte tunnel, so TLS stays end to end
 * and the proxy never sees a request) and absolute-URI requests for plain http. Inside a tunnel the
 * TLS SNI and Host are the client's: an allowed host behind a shared front (a CDN) could route to
 * another, which only TLS interception could stop; plain http gets the allowed Host, always. A host that is not
 * allowed gets a 403 whose body names the plan field to change. The proxy adds no credentials,
 * drops `Proxy-Authorization` and logs nothing of a request; a decision is reported only as host,
 * port and verdict, for whoever wants to show it.
 *
 * One proxy serves a whole run (started with it, closed when it ends): a proxy per command would
 * add its start to every command, and the allow-list is the plan's, not a command's.
 */
import { unlink } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { isHostAllowed, parseHostPattern } from "./host-pattern.ts";

export interface NetworkProxy {
  /** The unix socket the proxy listens on; isolation binds it into each sandbox. */
  readonly socketPath: string;
  /** Stops accepting, ends open tunnels and removes the socket. */
  close(): Promise<void>;
}

export interface NetworkDecision {
  host: string;
  port: number;
  isAllowed: boolean;
}

export interface NetworkProxyOptions {
  /** Where to listen; the folder must exist and should be private to the supervisor. */
  socketPath: string;
  /** Patterns as in `sandbox.network.allow` (see host-pattern.ts). */
  allow: readonly string[];
  /** Called for every request or tunnel, allowed or not; never with a path, header or body. */
  onDecision?: (decision: NetworkDecision) => void;
}

/** Headers meant for one hop; forwarding them would confuse the next one or leak proxy credentials. */
const hopByHopHeaders = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

export async function startNetworkProxy(options: NetworkProxyOptions): Promise<NetworkProxy> {
  const patterns = options.allow.map(parseHostPattern);
  const decide = (host: string, port: number): boolean => {
    const isAllowed = isHostAllowed(patterns, host, port);
    options.onDecision?.({ host, port, isAllowed });
    return isAllowed;
  };
  const openSockets = new Set<Duplex>();
  const track = (socket: Duplex) => {
    openSockets.add(socket);
    socket.once("close", () => openSockets.delete(socket));
  };

  const server = createServer((request, response) => forwardRequest(request, response, decide, track));
  server.on("connection", track);
  server.on("connect", (request: IncomingMessage, client: Duplex, head: Buffer) =>
    openTunnel(request, client, head, decide, track),
  );
  // A stale socket from a supervisor that died would make listen fail with EADDRINUSE.
  await unlink(options.socketPath).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.socketPath, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    socketPath: options.socketPath,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of openSockets) socket.destroy();
      await closed;
      await unlink(options.socketPath).catch(() => undefined);
    },
  };
}

/** `CONNECT host:port`: a tunnel to an allowed host, or a 403 before any byte reaches it. */
function openTunnel(
  request: IncomingMessage,
  client: Duplex,
  head: Buffer,
  decide: (host: string, port: number) => boolean,
  track: (socket: Duplex) => void,
): void {
  client.on("error", () => client.destroy());
  const target = parseAuthority(request.url ?? "");
  if (target === undefined) {
    refuseRaw(client, 400, "Bad Request", "supervise: expected CONNECT host:port.\n");
    return;
  }
  if (!decide(target.host, target.port)) {
    refuseRaw(client, 403, "Forbidden", deniedMessage(target.host, target.port));
    return;
  }
  const upstream: Socket = connect({ host: target.host, port: target.port });
  track(upstream);
  let isConnected = false;
  upstream.once("connect", () => {
    isConnected = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.once("error", (error) => {
    if (!isConnected && client.writable) {
      refuseRaw(client, 502, "Bad Gateway", unreachableMessage(target.host, target.port, error));
    } else {
      client.destroy();
    }
  });
  client.once("close", () => upstream.destroy());
}

/** `GET http://host/path`: a plain-http request forwarded to an allowed host. */
function forwardRequest(
  request: IncomingMessage,
  response: ServerResponse,
  decide: (host: string, port: number) => boolean,
  track: (socket: Duplex) => void,
): void {
  const target = parseAbsoluteUrl(request.url ?? "");
  if (target === undefined) {
    refuse(
      response,
      400,
      "supervise: this is an HTTP proxy; send absolute http:// URLs, or CONNECT for https.\n",
    );
    return;
  }
  if (!decide(target.hostname, target.port)) {
    refuse(response, 403, deniedMessage(target.hostname, target.port));
    return;
  }
  const upstream = httpRequest({
    host: target.hostname,
    port: target.port,
    method: request.method,
    path: target.path,
    headers: forwardedHeaders(request, target),
    // One connection per request: no pooled socket outlives the command that asked.
    agent: false,
  });
  upstream.on("socket", track);
  upstream.once("response", (upstreamResponse) => {
    const headers = { ...upstreamResponse.headers };
    for (const name of Object.keys(headers)) {
      if (hopByHopHeaders.has(name)) delete headers[name];
    }
    response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, headers);
    upstreamResponse.pipe(response);
  });
  upstream.once("error", (error) => {
    if (!response.headersSent) {
      refuse(response, 502, unreachableMessage(target.hostname, target.port, error));
    } else {
      response.destroy();
    }
  });
  request.pipe(upstream);
}

/**
 * The request's headers without hop-by-hop ones (and those its `Connection` names), and with
 * `Host` set to the host that was allowed: a different Host would let a shared front (a CDN, a
 * virtual-host server) route the request to a host not on the list.
 */
function forwardedHeaders(
  request: IncomingMessage,
  target: { hostname: string; port: number },
): Record<string, string | string[]> {
  const named = new Set(
    String(request.headers.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.length > 0),
  );
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || hopByHopHeaders.has(name) || named.has(name)) continue;
    headers[name] = value;
  }
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  headers.host = target.port === 80 ? host : `${host}:${target.port}`;
  return headers;
}

function refuse(response: ServerResponse, statusCode: number, body: string): void {
  response.writeHead(statusCode, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  response.end(body);
}

/** A response on the raw socket of a CONNECT, which has no ServerResponse. */
function refuseRaw(client: Duplex, statusCode: number, reason: string, body: string): void {
  client.end(
    `HTTP/1.1 ${statusCode} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

function deniedMessage(host: string, port: number): string {
  return (
    `supervise: ${host}:${port} is not on the sandbox's network allow-list. ` +
    `To allow it, add "${host}" (ports 80 and 443) or "${host}:${port}" to sandbox.network.allow in the plan.\n`
  );
}

function unreachableMessage(host: string, port: number, error: Error): string {
  const code = (error as NodeJS.ErrnoException).code ?? error.message;
  return `supervise: ${host}:${port} is allowed, but the proxy could not reach it (${code}).\n`;
}

/** `host:port` of a CONNECT line; `[v6]:port` is parsed too, so the refusal names the host. */
function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1] ?? match[2] ?? "", port };
}

function parseAbsoluteUrl(text: string): { hostname: string; port: number; path: string } | undefined {
  if (!/^http:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    const hostname = url.hostname.replace(/^\[|\]$/g, "");
    return { hostname, port: url.port === "" ? 80 : Number(url.port), path: `${url.pathname}${url.search}` };
  } catch {
    return undefined;
  }
}
