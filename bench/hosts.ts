/**
 * `hosts_*`: what placing workstreams on worker hosts costs, since a 2-core machine cannot show
 * their speedup: the latency from enqueueing a workstream in BullMQ to a host's start on it (a
 * real redis-server), and the latency a call and a streamed event add on a host channel over TCP
 * loopback (every remote tool call and command crosses one such call; output crosses as events).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Queue, Worker } from "bullmq";
import { Channel } from "../src/hosts/index.ts";
import { median } from "./statistics.ts";

export interface HostsBenchResult {
  enqueueToStartMs: number | null;
  enqueueUnavailable?: string;
  callMs: number;
  eventMs: number;
}

export async function measureHosts(): Promise<HostsBenchResult> {
  const { callMs, eventMs } = await measureChannel();
  try {
    return { enqueueToStartMs: await measureEnqueueToStart(20), callMs, eventMs };
  } catch (error) {
    return {
      enqueueToStartMs: null,
      enqueueUnavailable: error instanceof Error ? error.message : String(error),
      callMs,
      eventMs,
    };
  }
}

async function measureChannel(): Promise<{ callMs: number; eventMs: number }> {
  const accepted = Promise.withResolvers<Socket>();
  const server = createServer((socket) => accepted.resolve(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const client = connect(port, "127.0.0.1");
  client.setNoDelay(true);
  const supervisorSide = new Channel(await accepted.promise);
  const hostSide = new Channel(client);
  hostSide.handle("echo", async (params) => params);
  const input = { tool: "ci_status", input: { note: "x".repeat(200) } };
  for (let warm = 0; warm < 50; warm += 1) await supervisorSide.call("echo", input);
  const calls: number[] = [];
  for (let round = 0; round < 500; round += 1) {
    const started = performance.now();
    await supervisorSide.call("echo", input);
    calls.push(performance.now() - started);
  }
  const delays: number[] = [];
  const received = Promise.withResolvers<void>();
  supervisorSide.onNotice("output", (data) => {
    delays.push(performance.now() - (data as { sentAt: number }).sentAt);
    if (delays.length === 1000) received.resolve();
  });
  for (let round = 0; round < 1000; round += 1) {
    hostSide.notify("output", { sentAt: performance.now(), chunk: "a line of a worker's output\n" });
    if (round % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  await received.promise;
  supervisorSide.close();
  hostSide.close();
  server.close();
  return { callMs: median(calls), eventMs: median(delays) };
}

async function measureEnqueueToStart(jobs: number): Promise<number> {
  execFileSync("sh", ["-c", "command -v redis-server"]);
  const folder = mkdtempSync(join(tmpdir(), "supervise-bench-redis-"));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const redis: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", folder, "--save", ""],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      redis.stdout!.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("Ready to accept connections")) resolve();
      });
      redis.once("exit", () => reject(new Error("redis-server exited")));
    });
    const connection = { url: `redis://127.0.0.1:${port}`, maxRetriesPerRequest: null };
    const queue = new Queue("bench", { connection });
    const added = new Map<string, number>();
    const latencies: number[] = [];
    const allStarted = Promise.withResolvers<void>();
    const worker = new Worker(
      "bench",
      async (job) => {
        latencies.push(performance.now() - added.get(String(job.id))!);
        if (latencies.length === jobs) allStarted.resolve();
      },
      { connection, concurrency: 2 },
    );
    await worker.waitUntilReady();
    for (let index = 0; index < jobs; index += 1) {
      const id = `job-${index}`;
      added.set(id, performance.now());
      await queue.add("workstream", {}, { jobId: id });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await allStarted.promise;
    await worker.close();
    await queue.close();
    return median(latencies);
  } finally {
    redis.kill("SIGKILL");
    rmSync(folder, { recursive: true, force: true });
  }
}
