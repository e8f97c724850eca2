/**
 * `hosts_*`: what placing workstreams on worker hosts costs, since a 2-core machine cannot show
 * their speedup: the latency from enqueueing a workstream in BullMQ to a host's start on it (a
 * real redis-server), the latency a call and a streamed event add on a host channel over TCP
 * loopback (every remote tool call and command crosses one such call; output crosses as events),
 * and the supervisor's own CPU per workstream when its workstreams run on hosts against when they
 * run beside it (the same forge campaign, the real CLI, two `supervise host` processes).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Queue, Worker } from "bullmq";
import { execa, type ResultPromise } from "execa";
import { Channel } from "../src/hosts/index.ts";
import { cliPath } from "./run-supervisor.ts";
import { runScenario } from "./scenario.ts";
import { median } from "./statistics.ts";

export interface HostsBenchResult {
  enqueueToStartMs: number | null;
  enqueueUnavailable?: string;
  callMs: number;
  eventMs: number;
  /** The supervisor process's CPU per workstream, its workstreams local and on hosts (medians of the rounds). */
  supervisorCpu: { localMsPerWorkstream: number; remoteMsPerWorkstream: number; ratio: number } | null;
  supervisorCpuUnavailable?: string;
}

export async function measureHosts(options: { cpuRounds: number }): Promise<HostsBenchResult> {
  const { callMs, eventMs } = await measureChannel();
  const result: HostsBenchResult = { enqueueToStartMs: null, callMs, eventMs, supervisorCpu: null };
  let redis: BenchRedis | undefined;
  try {
    redis = await startBenchRedis();
    result.enqueueToStartMs = await measureEnqueueToStart(redis.url, 20);
    result.supervisorCpu = await measureSupervisorCpu(redis.url, 6, options.cpuRounds);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (result.enqueueToStartMs === null) result.enqueueUnavailable = why;
    result.supervisorCpuUnavailable = why;
  } finally {
    redis?.stop();
  }
  return result;
}

/**
 * The same forge campaign (each worker commits, opens its PR, merges it once CI is green, claims)
 * run by the real CLI with its workstreams local, then on two worker hosts; the supervisor
 * process's own CPU (the preload's measure, never its children's) per workstream, each way.
 */
async function measureSupervisorCpu(
  redisUrl: string,
  workstreams: number,
  rounds: number,
): Promise<{ localMsPerWorkstream: number; remoteMsPerWorkstream: number; ratio: number }> {
  const hostsFolder = mkdtempSync(join(tmpdir(), "supervise-bench-hosts-"));
  const hosts: ResultPromise[] = ["bench-h1", "bench-h2"].map((name) =>
    execa(
      process.execPath,
      [cliPath, "host", "--queue", redisUrl, "--name", name, "--work-dir", join(hostsFolder, name)],
      { reject: false, env: { NO_COLOR: "1" } },
    ),
  );
  try {
    const local: number[] = [];
    const remote: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      for (const hostsQueue of [undefined, redisUrl]) {
        const campaign = await runScenario({
          workstreams,
          variant: "forge",
          concurrency: 2,
          isolation: "default",
          ...(hostsQueue ? { hostsQueue } : {}),
        });
        (hostsQueue ? remote : local).push(campaign.supervisor.supervisorCpuMs / workstreams);
      }
    }
    const localMsPerWorkstream = median(local);
    const remoteMsPerWorkstream = median(remote);
    return {
      localMsPerWorkstream,
      remoteMsPerWorkstream,
      ratio: remoteMsPerWorkstream / localMsPerWorkstream,
    };
  } finally {
    for (const host of hosts) host.kill("SIGTERM");
    await Promise.allSettled(hosts);
    rmSync(hostsFolder, { recursive: true, force: true });
  }
}

interface BenchRedis {
  url: string;
  stop(): void;
}

async function startBenchRedis(): Promise<BenchRedis> {
  execFileSync("sh", ["-c", "command -v redis-server"]);
  const folder = mkdtempSync(join(tmpdir(), "supervise-bench-redis-"));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const redis: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", folder, "--save", ""],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  const stop = () => {
    redis.kill("SIGKILL");
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      redis.stdout!.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("Ready to accept connections")) resolve();
      });
      redis.once("exit", () => reject(new Error("redis-server exited")));
    });
  } catch (error) {
    stop();
    throw error;
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
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

async function measureEnqueueToStart(url: string, jobs: number): Promise<number> {
  const connection = { url, maxRetriesPerRequest: null };
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
  await queue.obliterate({ force: true });
  await queue.close();
  return median(latencies);
}
