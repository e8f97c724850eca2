/**
 * The gateway's one way out: an HTTP(S) request to a provider, both bodies streamed. The gateway
 * gets it passed in (a narrow interface, like fetch elsewhere); this module is its default.
 *
 * node:http rather than fetch: in the bench (bench/gateway.ts) undici's fetch, with web streams on
 * both bodies, cost about 1 ms more CPU per request than http.request, half the 2 ms the gateway
 * may add. It also decodes nothing, and the gateway asks for no compression (it drops the agent's
 * accept-encoding), so the agent gets the provider's bytes unchanged, lengths included, and the
 * usage readers read plain text. It follows no redirects, which would carry the key elsewhere.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";

export interface UpstreamRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** Piped upstream as it arrives, attached before `send` returns; null for a request without a body. */
  body: Readable | null;
  /** Aborting destroys the request and, once it has come, the response. */
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

export interface UpstreamTransport {
  /** Resolves at the response's headers; rejects when no response comes (refused, reset, aborted). */
  send(request: UpstreamRequest): Promise<UpstreamResponse>;
  /** Closes idle kept-alive connections. */
  close(): void;
}

export function createNodeHttpTransport(): UpstreamTransport {
  // Kept-alive connections: a new TLS handshake per model call would cost more than the gateway.
  const httpAgent = new HttpAgent({ keepAlive: true });
  const httpsAgent = new HttpsAgent({ keepAlive: true });
  return {
    send(request) {
      return new Promise((resolve, reject) => {
        const url = new URL(request.url);
        const isHttps = url.protocol === "https:";
        const outgoing = (isHttps ? httpsRequest : httpRequest)(url, {
          method: request.method,
          headers: request.headers,
          agent: isHttps ? httpsAgent : httpAgent,
          signal: request.signal,
        });
        outgoing.once("response", (response: IncomingMessage) =>
          resolve({ status: response.statusCode ?? 502, headers: response.headers, body: response }),
        );
        outgoing.once("error", reject);
        if (request.body === null) outgoing.end();
        else request.body.pipe(outgoing);
      });
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
