/**
 * The host's way to its supervisor: an HTTP upgrade to the `supervise-host` protocol on the
 * supervisor's host endpoint, authorized by the workstream's token; the socket then carries a Channel.
 */
import { request } from "node:http";
import { Channel } from "./channel.ts";

export const channelProtocol = "supervise-host/1";
export const channelPath = "/hosts/channel";

export function connectChannel(endpoint: string, token: string, timeoutMs = 10_000): Promise<Channel> {
  return new Promise((resolve, reject) => {
    const url = new URL(channelPath, endpoint);
    const outgoing = request(url, {
      method: "GET",
      headers: { connection: "Upgrade", upgrade: channelProtocol, authorization: `Bearer ${token}` },
      timeout: timeoutMs,
    });
    outgoing.on("upgrade", (_response, socket, head) => {
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 5_000);
      if (head.length > 0) socket.unshift(head);
      resolve(new Channel(socket));
    });
    outgoing.on("response", (response) => {
      response.resume();
      reject(new Error(`the supervisor at ${url.origin} refused this host: HTTP ${response.statusCode}`));
    });
    outgoing.on("timeout", () =>
      outgoing.destroy(new Error(`no answer from the supervisor at ${url.origin}`)),
    );
    outgoing.on("error", reject);
    outgoing.end();
  });
}
