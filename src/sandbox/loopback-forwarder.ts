/**
 * A loopback port of the supervisor's machine that a plan allows (`127.0.0.1:5432` in
 * `sandbox.network.allow`), offered to sandboxes as a unix socket: each sandbox has a private
 * loopback, so its bridge (network-bridge.ts) listens on the same port inside and connects here,
 * and this forwards each connection to the real port. Nothing else of the host's loopback is reachable.
 */
import { createConnection, createServer, type Socket } from "node:net";

export interface LoopbackForwarder {
  port: number;
  socketPath: string;
  close(): Promise<void>;
}

export async function startLoopbackForwarder(port: number, socketPath: string): Promise<LoopbackForwarder> {
  const connections = new Set<Socket>();
  const server = createServer((inside) => {
    const outside = createConnection({ host: "127.0.0.1", port });
    connections.add(inside).add(outside);
    const forget = () => {
      connections.delete(inside);
      connections.delete(outside);
    };
    inside.pipe(outside).pipe(inside);
    // A refused or dropped connection on either side ends the other: the client sees a closed socket.
    inside.on("error", () => outside.destroy()).on("close", forget);
    outside.on("error", () => inside.destroy()).on("close", forget);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, resolve);
  });
  return {
    port,
    socketPath,
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of connections) connection.destroy();
        server.close(() => resolve());
      }),
  };
}
