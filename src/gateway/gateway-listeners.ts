/**
 * Where the gateway listens: loopback TCP on a free port (for workers without a sandbox, and for
 * tests), and optionally a unix socket. Sandboxes have no network of their own; the run binds the
 * socket into each one, where a loopback bridge (like the proxy's, sandbox/network-bridge.ts)
 * makes it an http://127.0.0.1:PORT origin again. One request handler serves both.
 */
import { rm } from "node:fs/promises";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface GatewayListeners {
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  /** Stops accepting, drops open connections and removes the socket file. */
  close(): Promise<void>;
}

export async function listenForGateway(
  onRequest: RequestListener,
  socketPath: string | undefined,
): Promise<GatewayListeners> {
  const servers: Server[] = [];
  const tcpServer = createServer(onRequest);
  servers.push(tcpServer);
  await listen(tcpServer, { host: "127.0.0.1", port: 0 });
  const origin = `http://127.0.0.1:${(tcpServer.address() as AddressInfo).port}`;
  if (socketPath !== undefined) {
    const socketServer = createServer(onRequest);
    servers.push(socketServer);
    // A socket file left by a supervisor that died would make listen fail with EADDRINUSE.
    await rm(socketPath, { force: true });
    await listen(socketServer, { path: socketPath });
  }
  return {
    origin,
    async close() {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
      if (socketPath !== undefined) await rm(socketPath, { force: true });
    },
  };
}

function listen(server: Server, address: { host: string; port: number } | { path: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
