/**
 * `supervise host`: takes workstreams from the run's BullMQ queues (those its labels satisfy), up to
 * its concurrency, and holds each until its supervisor releases it. BullMQ renews the job's lock
 * while the host lives; a host that dies stops renewing, and BullMQ's stalled-job check gives the
 * workstream to another host, which resumes it from its pushed branch.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Job, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Channel } from "./channel.ts";
import { connectChannel } from "./host-connection.ts";
import type { AttachAnswer, AttachRequest, PlacementJob } from "./host-protocol.ts";
import { queueNamesForHost } from "./host-protocol.ts";
import {
  type HostCheckout,
  type HostWorkstreamResources,
  prepareCheckout,
  serveWorkstream,
  type WorkstreamRelays,
} from "./host-workstream.ts";
import { startRelayListener } from "./relay.ts";

export interface HostOptions {
  queue: string;
  name: string;
  labels: string[];
  concurrency: number;
  workFolder: string;
  /** How long a workstream waits for its supervisor to come back before this host gives it up. */
  reattachMs: number;
  /** BullMQ's lock on a job: a host silent this long is taken for dead. */
  lockMs: number;
  resourcesFor(run: string): Promise<Omit<HostWorkstreamResources, "runFolder">>;
  log(line: string): void;
  signal: AbortSignal;
}

export async function runHost(options: HostOptions): Promise<void> {
  const connection = { url: options.queue, maxRetriesPerRequest: null };
  const endpoints = new Redis(options.queue, { maxRetriesPerRequest: null, lazyConnect: true });
  endpoints.on("error", () => {});
  const workers = queueNamesForHost(options.labels).map(
    (name) =>
      new Worker<PlacementJob>(name, (job) => holdWorkstream(job, options, endpoints), {
        connection,
        concurrency: options.concurrency,
        lockDuration: options.lockMs,
        stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
        maxStalledCount: 1000,
        autorun: false,
        name: options.name,
      }),
  );
  for (const worker of workers) {
    worker.on("error", (error) => options.log(`queue: ${error.message}`));
    void worker.run();
  }
  options.log(
    `host ${options.name} takes workstreams from ${options.queue.replace(/\/\/[^@]*@/, "//")} (labels: ${options.labels.join(", ") || "none"}, up to ${options.concurrency} at once)`,
  );
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  await Promise.all(workers.map((worker) => worker.close(true)));
  endpoints.disconnect();
}

/** One workstream from its placement to its release; throws when its supervisor stays away. */
async function holdWorkstream(
  job: Job<PlacementJob>,
  options: HostOptions,
  endpoints: Redis,
): Promise<string> {
  const placement = job.data;
  const runFolder = join(options.workFolder, placement.run);
  await mkdir(runFolder, { recursive: true });
  const resources: HostWorkstreamResources = { ...(await options.resourcesFor(placement.run)), runFolder };
  const socketFolder = await mkdtemp(join(tmpdir(), "supervise-host-"));
  let channel: Channel | undefined;
  const relays: WorkstreamRelays = {
    toolSocket: join(socketFolder, "tools.sock"),
    gatewaySocket: null,
    gatewayOrigin: null,
  };
  const listeners = [await startRelayListener(() => channel, "tools", relays.toolSocket)];
  let checkout: HostCheckout | null = null;
  options.log(`${placement.workstream}: placed here (job ${job.id})`);
  try {
    for (;;) {
      channel = await reachSupervisor(placement, options, endpoints);
      const attach: AttachRequest = { host: options.name, workstream: placement.workstream, checkout };
      const answer = await channel.call<AttachAnswer>("attach", attach);
      if (answer.supervisorPaths.gatewaySocket && relays.gatewaySocket === null) {
        relays.gatewaySocket = join(socketFolder, "gateway.sock");
        listeners.push(await startRelayListener(() => channel, "gateway", relays.gatewaySocket));
      }
      if (answer.supervisorPaths.gatewayOrigin && relays.gatewayOrigin === null) {
        const listener = await startRelayListener(() => channel, "gateway", 0);
        listeners.push(listener);
        relays.gatewayOrigin = `http://${listener.address}`;
      }
      try {
        checkout ??= await prepareCheckout(answer, placement.token, resources);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        channel.notify("problem", { message: `cannot make the checkout: ${message}` });
        throw error;
      }
      channel.notify("ready", { path: checkout.path, head: checkout.head });
      try {
        await serveWorkstream({ channel, answer, checkout, resources, relays });
        options.log(`${placement.workstream}: released`);
        channel.close();
        await rm(checkout.path, { recursive: true, force: true });
        return "released";
      } catch (error) {
        options.log(
          `${placement.workstream}: lost its supervisor (${(error as Error).message}); reattaching`,
        );
      }
    }
  } finally {
    channel?.close();
    await Promise.all(listeners.map((listener) => listener.close()));
    await rm(socketFolder, { recursive: true, force: true });
  }
}

/** The supervisor's channel, tried until `reattachMs` passes; a resumed supervisor may listen elsewhere. */
async function reachSupervisor(
  placement: PlacementJob,
  options: HostOptions,
  endpoints: Redis,
): Promise<Channel> {
  const giveUpAt = Date.now() + options.reattachMs;
  let lastError = "";
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    const endpoint = (await endpoints.get(placement.endpointKey).catch(() => null)) ?? placement.endpoint;
    try {
      return await connectChannel(endpoint, placement.token);
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > giveUpAt || options.signal.aborted) {
      throw new Error(`cannot reach the supervisor of ${placement.workstream}: ${lastError}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
