/**
 * What the model gateway costs. Latency: the same streamed Messages request (a 32 KB body, as an
 * agent's request with its tools and some history; a 20-event answer) sent by fetch straight to a
 * loopback fake and through the gateway, alternated so both see the same machine load; the
 * figures are the medians and 99th percentiles, and what the gateway adds to each. Memory: 50
 * workers streaming at once through the gateway (each answer 100 deltas, 20 ms apart), the
 * gateway's process sampled while they stream, against its idle size after a GC.
 *
 * The gateway runs in its own process (gateway-process.ts), as in the supervisor, so its memory is
 * its own; the fake and the clients share this one. Loopback only, every loop bounded.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { GatewayProcessAnswer, GatewayProcessRequest } from "./gateway-process.ts";
import { median, percentile } from "./statistics.ts";

export interface GatewayBenchResult {
  samples: number;
  directMedianMs: number;
  directP99Ms: number;
  gatewayMedianMs: number;
  gatewayP99Ms: number;
  addedMedianMs: number;
  addedP99Ms: number;
  /** The gateway process's own CPU per forwarded request: what it adds, whatever the machine's load. */
  gatewayCpuMsPerRequest: number;
  streams: number;
  idleRssMb: number;
  peakRssMb: number;
  idleHeapMb: number;
  peakHeapMb: number;
  /** Turns the gateway recorded while streaming; equals `streams` when every usage was read. */
  streamedTurns: number;
}

export interface GatewayBenchOptions {
  samples: number;
  streams: number;
}

const requestBody = JSON.stringify({
  model: "claude-sonnet-5-5",
  max_tokens: 4096,
  stream: true,
  system: "x".repeat(32 * 1024),
  messages: [{ role: "user", content: "Say hello." }],
});

/** A streamed Messages call, read to its end; checked, so a broken gateway cannot look fast. */
async function streamedCall(url: string, key: string): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key, "anthropic-version": "2023-06-01" },
    body: requestBody,
  });
  const text = await response.text();
  if (response.status !== 200 || !text.includes("message_stop")) {
    throw new Error(`the gateway bench got ${response.status}: ${text.slice(0, 300)}`);
  }
}

export async function measureGateway(options: GatewayBenchOptions): Promise<GatewayBenchResult> {
  const upstream = await startStreamingUpstream();
  const gateway = await startGatewayProcess(upstream.url, options.streams);
  try {
    const memory = await measureStreamingMemory(gateway, options.streams);
    const latency = await measureAddedLatency(gateway, upstream.url, options.samples);
    return { ...latency, ...memory, samples: options.samples, streams: options.streams };
  } finally {
    await gateway.close();
    await upstream.close();
  }
}

/** First, on a fresh process: its idle size after a GC, then its peak while every token streams at once. */
async function measureStreamingMemory(gateway: GatewayProcess, streams: number) {
  const idle = await gateway.memory(true);
  let peakRssBytes = idle.rssBytes;
  let peakHeapBytes = idle.heapUsedBytes;
  let isStreaming = true;
  const streaming = Promise.all(
    gateway.tokens.map((token) => streamedCall(`${gateway.messagesUrl}?deltas=100&intervalMs=20`, token)),
  ).finally(() => {
    isStreaming = false;
  });
  // Each stream lasts about 2 s: some 40 samples 50 ms apart.
  while (isStreaming) {
    const sample = await gateway.memory(false);
    peakRssBytes = Math.max(peakRssBytes, sample.rssBytes);
    peakHeapBytes = Math.max(peakHeapBytes, sample.heapUsedBytes);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await streaming;
  const after = await gateway.memory(false);
  if (after.internalErrors > 0 || after.turns - idle.turns !== streams) {
    throw new Error(`the gateway recorded ${after.turns - idle.turns} turns of ${streams} streams`);
  }
  const megabytes = (bytes: number) => bytes / 1024 / 1024;
  return {
    idleRssMb: megabytes(idle.rssBytes),
    peakRssMb: megabytes(peakRssBytes),
    idleHeapMb: megabytes(idle.heapUsedBytes),
    peakHeapMb: megabytes(peakHeapBytes),
    streamedTurns: after.turns - idle.turns,
  };
}

/** Direct and through the gateway, alternated, after a warm-up of both. */
async function measureAddedLatency(gateway: GatewayProcess, upstreamUrl: string, samples: number) {
  const token = gateway.tokens[0]!;
  const time = async (url: string, key: string) => {
    const startedMs = performance.now();
    await streamedCall(`${url}?deltas=20`, key);
    return performance.now() - startedMs;
  };
  const direct = () => time(`${upstreamUrl}/v1/messages`, "sk-ant-bench-key");
  const viaGateway = () => time(gateway.messagesUrl, token);
  for (let index = 0; index < 30; index++) {
    await direct();
    await viaGateway();
  }
  const before = await gateway.memory(false);
  const directMs: number[] = [];
  const gatewayMs: number[] = [];
  for (let index = 0; index < samples; index++) {
    directMs.push(await direct());
    gatewayMs.push(await viaGateway());
  }
  const after = await gateway.memory(false);
  const directMedianMs = median(directMs);
  const gatewayMedianMs = median(gatewayMs);
  const directP99Ms = percentile(directMs, 99);
  const gatewayP99Ms = percentile(gatewayMs, 99);
  return {
    directMedianMs,
    directP99Ms,
    gatewayMedianMs,
    gatewayP99Ms,
    addedMedianMs: gatewayMedianMs - directMedianMs,
    addedP99Ms: gatewayP99Ms - directP99Ms,
    // The memory samples in between cost a little of this too; they are two of `samples` messages.
    gatewayCpuMsPerRequest: (after.cpuMicroseconds - before.cpuMicroseconds) / 1000 / samples,
  };
}

type MemoryAnswer = Extract<GatewayProcessAnswer, { kind: "memory" }>;

interface GatewayProcess {
  messagesUrl: string;
  tokens: string[];
  memory(isCollected: boolean): Promise<MemoryAnswer>;
  close(): Promise<void>;
}

async function startGatewayProcess(upstreamUrl: string, workstreams: number): Promise<GatewayProcess> {
  const child: ChildProcess = fork(
    new URL("./gateway-process.ts", import.meta.url),
    [upstreamUrl, String(workstreams)],
    {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  // One listener for all answers: the child answers each request in order.
  const waiting: { resolve: (answer: GatewayProcessAnswer) => void; reject: (error: Error) => void }[] = [];
  child.on("message", (answer: GatewayProcessAnswer) => waiting.shift()?.resolve(answer));
  const exited = once(child, "exit");
  void exited.then(([code]) => {
    for (const waiter of waiting.splice(0))
      waiter.reject(new Error(`the gateway process exited (${String(code)})`));
  });
  const next = () =>
    new Promise<GatewayProcessAnswer>((resolve, reject) => {
      waiting.push({ resolve, reject });
    });
  const started = (await next()) as Extract<GatewayProcessAnswer, { kind: "started" }>;
  return {
    messagesUrl: `${started.origin}/anthropic/v1/messages`,
    tokens: started.tokens,
    async memory(isCollected) {
      const answer = next();
      child.send({ kind: "memory", isCollected } satisfies GatewayProcessRequest);
      return (await answer) as MemoryAnswer;
    },
    async close() {
      child.send({ kind: "close" } satisfies GatewayProcessRequest);
      await exited;
    },
  };
}

/**
 * A Messages API fake that streams `deltas` text deltas (`?deltas=`), `intervalMs` apart
 * (`?intervalMs=`, 0: all at once), between message_start and message_stop, with usage.
 */
async function startStreamingUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((incoming, outgoing) => {
    const query = new URL(incoming.url ?? "/", "http://fake").searchParams;
    const deltas = Number(query.get("deltas") ?? 20);
    const intervalMs = Number(query.get("intervalMs") ?? 0);
    incoming.resume();
    incoming.on("end", () => {
      const event = (value: Record<string, unknown>) =>
        `event: ${String(value.type)}\ndata: ${JSON.stringify(value)}\n\n`;
      const usage = { input_tokens: 12, cache_read_input_tokens: 9000, cache_creation_input_tokens: 100 };
      outgoing.writeHead(200, { "content-type": "text/event-stream", "request-id": "req_bench" });
      outgoing.write(
        event({
          type: "message_start",
          message: {
            id: "msg_bench",
            type: "message",
            role: "assistant",
            model: "claude-sonnet-5-5",
            content: [],
            stop_reason: null,
            usage: { ...usage, output_tokens: 1 },
          },
        }) + event({ type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }),
      );
      const delta = event({
        type: "content_block_delta",
        index: 0,
        delta: {
          type: "text_delta",
          text: "A sentence of about a hundred bytes, as a model streams text. ".repeat(2),
        },
      });
      const finish = () =>
        outgoing.end(
          event({ type: "content_block_stop", index: 0 }) +
            event({
              type: "message_delta",
              delta: { stop_reason: "end_turn" },
              usage: { output_tokens: deltas * 25 },
            }) +
            event({ type: "message_stop" }),
        );
      if (intervalMs === 0) {
        for (let index = 0; index < deltas; index++) outgoing.write(delta);
        finish();
        return;
      }
      let sent = 0;
      const timer = setInterval(() => {
        outgoing.write(delta);
        if (++sent < deltas) return;
        clearInterval(timer);
        finish();
      }, intervalMs);
      outgoing.on("close", () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (import.meta.main) {
  process.stdout.write(`${JSON.stringify(await measureGateway({ samples: 500, streams: 50 }), null, 2)}\n`);
}
