/**
 * Sockets carried over a host channel: on the host, a local listener whose every connection
 * becomes a stream to the supervisor; on the supervisor, each such stream joined to one of its own
 * sockets (the worker tools' server, the model gateway). Bytes only: neither side reads them.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import type { Channel, RelayStream } from "./channel.ts";

/** Joins a stream of the channel to a socket, both ways, until either ends. */
export function joinStreamToSocket(stream: RelayStream, socket: Socket): void {
  let isOver = false;
  const over = () => {
    if (isOver) return;
    isOver = true;
    stream.end();
    socket.destroy();
  };
  stream.onData((chunk) => socket.write(chunk));
  stream.onEnd(() => {
    if (!isOver) {
      isOver = true;
      socket.end();
    }
  });
  socket.on("data", (chunk: Buffer) => stream.write(chunk));
  socket.on("end", over);
  socket.on("close", over);
  socket.on("error", over);
}

export interface RelayListener {
  /** The unix socket path, or `127.0.0.1:<port>` for a TCP listener. */
  readonly address: string;
  readonly port: number | undefined;
  close(): Promise<void>;
}

/** Listens on `where` (a unix socket path, or a TCP port on loopback when a number) and relays every connection. */
export async function startRelayListener(
  channel: () => Channel | undefined,
  target: string,
  where: string | number,
): Promise<RelayListener> {
  const server: Server = createServer((socket) => {
    const current = channel();
    if (!current?.isOpen) {
      socket.destroy();
      return;
    }
    joinStreamToSocket(current.openStream(target), socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (typeof where === "number") server.listen(where, "127.0.0.1", () => resolve());
    else server.listen(where, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : undefined;
  return {
    address: typeof where === "number" ? `127.0.0.1:${port}` : where,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

/** Where a stream's target leads on the supervisor: a unix socket, or a TCP origin's host and port. */
export type RelayTarget = { socketPath: string } | { host: string; port: number };

export function connectRelayTarget(target: RelayTarget): Socket {
  return "socketPath" in target ? connect(target.socketPath) : connect(target.port, target.host);
}
