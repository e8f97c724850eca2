/**
 * The host channel over a real HTTP upgrade on loopback, as the supervisor serves it and a host
 * connects: calls both ways, errors, cancellation, byte streams, and how it ends.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Channel, ChannelCallError, connectChannel } from "../../src/hosts/index.ts";

let server: Server;
let port = 0;
let accepted: PromiseWithResolvers<Channel>;
let supervisorSide: Promise<Channel>;
let hostSide: Channel;

function nextAccepted(): Promise<Channel> {
  accepted = Promise.withResolvers<Channel>();
  return accepted.promise;
}

beforeEach(async () => {
  supervisorSide = nextAccepted();
  // As the supervisor's endpoint does: an HTTP server's upgraded socket (half-open allowed).
  server = createServer((_request, response) => response.writeHead(404).end());
  server.on("upgrade", (_request, socket: Socket, head) => {
    socket.write(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: supervise-host/1\r\nConnection: Upgrade\r\n\r\n",
    );
    if (head.length > 0) socket.unshift(head);
    accepted.resolve(new Channel(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  port = (server.address() as AddressInfo).port;
  hostSide = await connectChannel(`http://127.0.0.1:${port}`, "token");
});

/** A host's upgraded socket itself, for a test that ends it as a dying process's kernel would. */
function upgradedSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const outgoing = request(`http://127.0.0.1:${port}/hosts/channel`, {
      headers: { connection: "Upgrade", upgrade: "supervise-host/1" },
    });
    outgoing.on("upgrade", (_response, socket) => resolve(socket));
    outgoing.on("error", reject);
    outgoing.end();
  });
}

afterEach(async () => {
  hostSide.close();
  (await supervisorSide).close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("the host channel", () => {
  it("answers calls both ways, and a handler's error reaches the caller as one, the channel still open", async () => {
    const supervisor = await supervisorSide;
    hostSide.handle("checkout.read", async () => ({ head: "abc", uncommittedChanges: [] }));
    supervisor.handle("attach", async (params) => ({ welcome: (params as { host: string }).host }));
    hostSide.handle("broken", async () => {
      throw new Error("no such commit");
    });

    expect(await supervisor.call("checkout.read", {})).toEqual({ head: "abc", uncommittedChanges: [] });
    expect(await hostSide.call("attach", { host: "h1" })).toEqual({ welcome: "h1" });
    const failed = await supervisor.call("broken", {}).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ChannelCallError);
    expect((failed as ChannelCallError).message).toContain("no such commit");
    expect((failed as ChannelCallError).isChannelClosed).toBe(false);
    expect(supervisor.isOpen).toBe(true);
  });

  it("tells a handler its call was canceled when the caller's signal aborts", async () => {
    const supervisor = await supervisorSide;
    const handlerAborted = Promise.withResolvers<string>();
    hostSide.handle("command.run", (_params, signal) => {
      signal.addEventListener("abort", () => handlerAborted.resolve("aborted"));
      return new Promise(() => {});
    });
    const controller = new AbortController();
    void supervisor.call("command.run", {}, controller.signal).catch(() => {});
    // The call is on its way before the abort: a notice sent after it arrives after it.
    const delivered = Promise.withResolvers<void>();
    hostSide.onNotice("after", () => delivered.resolve());
    supervisor.notify("after", {});
    await delivered.promise;
    controller.abort();
    expect(await handlerAborted.promise).toBe("aborted");
  });

  it("relays a byte stream both ways and ends it", async () => {
    const supervisor = await supervisorSide;
    const received: Buffer[] = [];
    const ended = Promise.withResolvers<void>();
    supervisor.onStream((target, stream) => {
      expect(target).toBe("tools");
      stream.onData((chunk) => stream.write(Buffer.concat([Buffer.from("echo:"), chunk])));
      stream.onEnd(() => stream.end());
    });
    const stream = hostSide.openStream("tools");
    stream.onData((chunk) => received.push(chunk));
    stream.onEnd(() => ended.resolve());
    stream.write(Buffer.from([0, 1, 2, 255]));
    stream.end();
    await ended.promise;
    expect(Buffer.concat(received)).toEqual(Buffer.from([...Buffer.from("echo:"), 0, 1, 2, 255]));
  });

  it("closes on the supervisor's side when the host's end of the connection goes, failing what was in flight", async () => {
    hostSide.close();
    supervisorSide = nextAccepted();
    const hostSocket = await upgradedSocket();
    hostSide = new Channel(hostSocket);
    const supervisor = await supervisorSide;
    hostSide.handle("gates.observe", () => new Promise(() => {}));
    const inFlight = supervisor.call("gates.observe", {}).catch((error: unknown) => error);
    // A host process that dies: its socket is ended by the kernel (FIN), never by the channel.
    const delivered = Promise.withResolvers<void>();
    hostSide.onNotice("sync", () => delivered.resolve());
    supervisor.notify("sync", {});
    await delivered.promise;
    hostSocket.end();

    expect(await supervisor.closed).toMatch(/closed the connection/);
    const failed = await inFlight;
    expect(failed).toBeInstanceOf(ChannelCallError);
    expect((failed as ChannelCallError).isChannelClosed).toBe(true);
    expect(supervisor.isOpen).toBe(false);
  });
});
