/**
 * One connection between the supervisor and a worker host, used both ways: calls that get one
 * answer each (run this command, read the checkout, claim_done), one-way notices (output, activity),
 * and byte streams relayed to a socket on the other side (a worker's tool calls, its model traffic).
 * Messages are JSON lines over any duplex stream (a TCP socket after an HTTP upgrade).
 */
import type { Duplex } from "node:stream";

export type CallHandler = (params: unknown, signal: AbortSignal) => Promise<unknown>;
export type NoticeHandler = (data: unknown) => void;
/** Gets the far side's bytes of a new stream, and a way to send bytes back. */
export type StreamHandler = (target: string, stream: RelayStream) => void;

export interface RelayStream {
  write(chunk: Buffer): void;
  end(): void;
  onData(listener: (chunk: Buffer) => void): void;
  onEnd(listener: () => void): void;
}

/** A call the far side answered with an error, or could not answer because the channel closed. */
export class ChannelCallError extends Error {
  readonly isChannelClosed: boolean;
  constructor(message: string, isChannelClosed = false) {
    super(message);
    this.name = "ChannelCallError";
    this.isChannelClosed = isChannelClosed;
  }
}

type Message =
  | { t: "call"; id: number; method: string; params: unknown }
  | { t: "result"; id: number; ok: true; value: unknown }
  | { t: "result"; id: number; ok: false; error: string }
  | { t: "cancel"; id: number }
  | { t: "notice"; name: string; data: unknown }
  | { t: "open"; stream: number; target: string }
  | { t: "data"; stream: number; bytes: string }
  | { t: "end"; stream: number };

/** A line past this is a broken or hostile peer: the channel closes. Bundles and logs fit under it. */
const maxLineBytes = 512 * 1024 ** 2;

interface StreamEnds {
  data: ((chunk: Buffer) => void)[];
  end: (() => void)[];
  ended: boolean;
}

export class Channel {
  private readonly socket: Duplex;
  private readonly handlers = new Map<string, CallHandler>();
  private readonly noticeHandlers = new Map<string, NoticeHandler>();
  private streamHandler: StreamHandler | undefined;
  private readonly pending = new Map<number, PromiseWithResolvers<unknown>>();
  private readonly serving = new Map<number, AbortController>();
  private readonly streams = new Map<number, StreamEnds>();
  private nextId = 1;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private isClosed = false;
  private readonly closedWith = Promise.withResolvers<string>();

  constructor(socket: Duplex) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    // The other side's end is the channel's (an HTTP server's socket is half-open and would stay so).
    socket.on("end", () => this.close("the other side closed the connection"));
    socket.on("close", () => this.close("the connection closed"));
    socket.on("error", (error: Error) => this.close(`the connection failed: ${error.message}`));
  }

  /** Resolves with why, once the channel is closed (by either side or the network). */
  get closed(): Promise<string> {
    return this.closedWith.promise;
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  handle(method: string, handler: CallHandler): void {
    this.handlers.set(method, handler);
  }

  onNotice(name: string, handler: NoticeHandler): void {
    this.noticeHandlers.set(name, handler);
  }

  onStream(handler: StreamHandler): void {
    this.streamHandler = handler;
  }

  call<T>(method: string, params: unknown, signal?: AbortSignal): Promise<T> {
    if (this.isClosed) return Promise.reject(new ChannelCallError("the host channel is closed", true));
    const id = this.nextId++;
    const answer = Promise.withResolvers<unknown>();
    this.pending.set(id, answer);
    const onAbort = () => this.send({ t: "cancel", id });
    signal?.addEventListener("abort", onAbort, { once: true });
    this.send({ t: "call", id, method, params });
    return answer.promise.finally(() => signal?.removeEventListener("abort", onAbort)) as Promise<T>;
  }

  notify(name: string, data: unknown): void {
    if (!this.isClosed) this.send({ t: "notice", name, data });
  }

  /** Opens a byte stream to `target` on the far side (which connects it to a socket of its own). */
  openStream(target: string): RelayStream {
    const id = this.nextId++;
    this.send({ t: "open", stream: id, target });
    return this.relayStream(id);
  }

  close(reason = "closed by this side"): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const answer of this.pending.values()) {
      answer.reject(new ChannelCallError(`the host channel closed: ${reason}`, true));
    }
    this.pending.clear();
    for (const controller of this.serving.values()) controller.abort();
    this.serving.clear();
    for (const ends of this.streams.values()) endStream(ends);
    this.streams.clear();
    this.socket.destroy();
    this.closedWith.resolve(reason);
  }

  private relayStream(id: number): RelayStream {
    const ends: StreamEnds = { data: [], end: [], ended: false };
    this.streams.set(id, ends);
    return {
      write: (chunk) => this.send({ t: "data", stream: id, bytes: chunk.toString("base64") }),
      end: () => {
        this.send({ t: "end", stream: id });
      },
      onData: (listener) => ends.data.push(listener),
      onEnd: (listener) => {
        if (ends.ended) listener();
        else ends.end.push(listener);
      },
    };
  }

  private send(message: Message): void {
    if (this.isClosed) return;
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  private receive(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.buffered.push(chunk.subarray(start, newline));
      const line = Buffer.concat(this.buffered).toString("utf8");
      this.buffered = [];
      this.bufferedBytes = 0;
      start = newline + 1;
      this.dispatchLine(line);
      if (this.isClosed) return;
    }
    if (start < chunk.length) {
      this.buffered.push(chunk.subarray(start));
      this.bufferedBytes += chunk.length - start;
      if (this.bufferedBytes > maxLineBytes) this.close("the far side sent a message past the size limit");
    }
  }

  private dispatchLine(line: string): void {
    let message: Message;
    try {
      message = JSON.parse(line) as Message;
    } catch {
      this.close("the far side sent something that is not a message");
      return;
    }
    switch (message.t) {
      case "call":
        this.serve(message.id, message.method, message.params);
        return;
      case "result": {
        const answer = this.pending.get(message.id);
        if (!answer) return;
        this.pending.delete(message.id);
        if (message.ok) answer.resolve(message.value);
        else answer.reject(new ChannelCallError(message.error));
        return;
      }
      case "cancel":
        this.serving.get(message.id)?.abort();
        return;
      case "notice":
        this.noticeHandlers.get(message.name)?.(message.data);
        return;
      case "open": {
        const stream = this.relayStream(message.stream);
        if (this.streamHandler) this.streamHandler(message.target, stream);
        else stream.end();
        return;
      }
      case "data": {
        const ends = this.streams.get(message.stream);
        const bytes = Buffer.from(message.bytes, "base64");
        for (const listener of ends?.data ?? []) listener(bytes);
        return;
      }
      case "end": {
        const ends = this.streams.get(message.stream);
        if (!ends) return;
        this.streams.delete(message.stream);
        endStream(ends);
        return;
      }
    }
  }

  private serve(id: number, method: string, params: unknown): void {
    const handler = this.handlers.get(method);
    if (!handler) {
      this.send({ t: "result", id, ok: false, error: `no such call: ${method}` });
      return;
    }
    const controller = new AbortController();
    this.serving.set(id, controller);
    handler(params, controller.signal).then(
      (value) => {
        this.serving.delete(id);
        this.send({ t: "result", id, ok: true, value: value ?? null });
      },
      (error: unknown) => {
        this.serving.delete(id);
        this.send({
          t: "result",
          id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        });
      },
    );
  }
}

function endStream(ends: StreamEnds): void {
  if (ends.ended) return;
  ends.ended = true;
  for (const listener of ends.end) listener();
}
