/**
 * `supervise host`: takes workstreams from the run's BullMQ queues (those its labels satisfy), up to
 * its concurrency, and holds each until its supervisor releases it. BullMQ renews the job's lock
 * while the host lives; a host that dies stops renewing, and BullMQ's stalled-job check gives the
 * workstream to another host, which resumes it from its pushed branch.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DelayedError, type Job, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Channel } from "./channel.ts";
import { connectChannel } from "./host-connection.ts";
import { withoutCredentials } from "./host-placement.ts";
import type { AttachAnswer, AttachRequest, PlacementJob } from "./host-protocol.ts";
import { queueNamesForHost, releasedKeyOf } from "./host-protocol.ts";
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
  // Its reads give up after a while when Redis is away: the channel is tried with the endpoint the job carries.
  const endpoints = new Redis(options.queue, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    commandTimeout: 2000,
  });
  endpoints.on("error", () => {});
  const lockSettings = {
    lockDuration: options.lockMs,
    stalledInterval: Math.max(1000, Math.floor(options.lockMs / 2)),
    maxStalledCount: 1000,
  };
  const queueNames = queueNamesForHost(options.labels);
  const workers = queueNames.map(
    (name) =>
      new Worker<PlacementJob>(name, (job, token) => takeWorkstream(job, token, options, endpoints, intake), {
        connection,
        concurrency: options.concurrency,
        ...lockSettings,
        // The watchers below check for stalled jobs: these pause while the host is full.
        skipStalledCheck: true,
        autorun: false,
        name: options.name,
      }),
  );
  // One watcher a queue that takes no job and never pauses: it hands a dead host's workstreams
  // back to the queue (BullMQ's stalled-job check) even while this host is full or cooling down.
  const stallWatchers = queueNames.map(
    (name) =>
      new Worker<PlacementJob>(name, null, {
        connection,
        ...lockSettings,
        autorun: false,
        name: options.name,
      }),
  );
  // Redis away: every queue's connection says so again and again while it retries; said once a minute.
  const queueLog = onceAMinute((line) => options.log(line));
  for (const worker of [...workers, ...stallWatchers]) {
    worker.on("error", (error) => queueLog(`queue: ${error.message}`));
  }
  for (const worker of workers) void worker.run();
  for (const watcher of stallWatchers) void watcher.startStalledCheckTimer();
  const intake = new HostIntake(workers, options.concurrency, options.log);
  options.log(
    `host ${options.name} takes workstreams from ${withoutCredentials(options.queue)} (labels: ${options.labels.join(", ") || "none"}, up to ${options.concurrency} at once)`,
  );
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  intake.stop();
  await Promise.all([...workers, ...stallWatchers].map((worker) => worker.close(true)));
  endpoints.disconnect();
}

/**
 * A job one of the host's queues handed it: held when the host has room (its concurrency counts
 * every queue's jobs together), else given back at once, unspent, for another host to take.
 */
async function takeWorkstream(
  job: Job<PlacementJob>,
  token: string | undefined,
  options: HostOptions,
  endpoints: Redis,
  intake: HostIntake,
): Promise<string> {
  if (!intake.take()) {
    await job.moveToDelayed(Date.now() + givenBackDelayMs, token);
    throw new DelayedError();
  }
  try {
    return await holdWorkstream(job, options, endpoints, intake);
  } finally {
    intake.release();
  }
}

/** One workstream from its placement to its release; throws when its supervisor stays away. */
async function holdWorkstream(
  job: Job<PlacementJob>,
  options: HostOptions,
  endpoints: Redis,
  intake: HostIntake,
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
    allowList: null,
  };
  const listeners = [await startRelayListener(() => channel, "tools", relays.toolSocket)];
  let checkout: HostCheckout | null = null;
  options.log(`${placement.workstream}: placed here (job ${job.id})`);
  try {
    for (;;) {
      const reached = await reachSupervisor(placement, options, endpoints);
      if (reached === null) {
        options.log(`${placement.workstream}: its supervisor let it go; nothing to do here`);
        if (checkout) await rm(checkout.path, { recursive: true, force: true });
        return "released";
      }
      channel = reached;
      const attach: AttachRequest = { host: options.name, workstream: placement.workstream, checkout };
      const answer = await channel.call<AttachAnswer>("attach", attach);
      if (answer.supervisorPaths.gatewaySocket && relays.gatewaySocket === null) {
        relays.gatewaySocket = join(socketFolder, "gateway.sock");
        listeners.push(await startRelayListener(() => channel, "gateway", relays.gatewaySocket));
      }
      if (answer.allowList && relays.allowList === null) {
        relays.allowList = { proxySocket: join(socketFolder, "proxy.sock"), loopback: [] };
        listeners.push(await startRelayListener(() => channel, "proxy", relays.allowList.proxySocket));
        for (const port of answer.allowList.loopbackPorts) {
          const socketPath = join(socketFolder, `loopback-${port}.sock`);
          listeners.push(await startRelayListener(() => channel, `loopback:${port}`, socketPath));
          relays.allowList.loopback.push({ port, socketPath });
        }
      }
      if (answer.supervisorPaths.gatewayOrigin && relays.gatewayOrigin === null) {
        const listener = await startRelayListener(() => channel, "gateway", 0);
        listeners.push(listener);
        relays.gatewayOrigin = `http://${listener.address}`;
      }
      try {
        checkout ??= await prepareCheckout(answer, placement.token, resources);
        intake.checkoutMade();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        channel.notify("problem", { message: `cannot make the checkout: ${message}` });
        intake.checkoutFailed(message);
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

/**
 * The supervisor's channel, tried until `reattachMs` passes (a resumed supervisor may listen
 * elsewhere); null when the supervisor already let the workstream go. A supervisor away for longer
 * fails this try of the job, and BullMQ hands it to a host again (one with a route this one lacks).
 */
async function reachSupervisor(
  placement: PlacementJob,
  options: HostOptions,
  endpoints: Redis,
): Promise<Channel | null> {
  const giveUpAt = Date.now() + options.reattachMs;
  let lastError = "";
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    if (await isReleased(placement, endpoints)) return null;
    const endpoint = (await endpoints.get(placement.endpointKey).catch(() => null)) ?? placement.endpoint;
    try {
      return await connectChannel(endpoint, placement.token);
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > giveUpAt || options.signal.aborted) {
      // Another host (with a route this one lacks) or a later try may reach it: BullMQ tries again.
      throw new Error(`cannot reach the supervisor of ${placement.workstream}: ${lastError}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Whether the run's supervisor released the workstream; unknown (Redis away) counts as not. */
async function isReleased(placement: PlacementJob, endpoints: Redis): Promise<boolean> {
  const member = await endpoints.sismember(releasedKeyOf(placement.run), placement.workstream).catch(() => 0);
  return member === 1;
}

/**
 * Whether the host takes new workstreams: not while it holds `concurrency` of them (one BullMQ
 * worker per queue, each with that concurrency, would otherwise take up to that many each), and
 * not for a while after it could not make a checkout (it cannot reach the forge, its disk is full),
 * longer after each failure in a row, so a job's next tries go to hosts that can. The workstreams
 * in hand go on either way.
 */
class HostIntake {
  private held = 0;
  private failuresInARow = 0;
  private isCoolingDown = false;
  private isPaused = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly workers: readonly Worker[];
  private readonly concurrency: number;
  private readonly log: (line: string) => void;

  constructor(workers: readonly Worker[], concurrency: number, log: (line: string) => void) {
    this.workers = workers;
    this.concurrency = concurrency;
    this.log = log;
  }

  /** Counts a workstream in, or says the host is full (two queues handed it one each at once). */
  take(): boolean {
    if (this.held >= this.concurrency) return false;
    this.held += 1;
    this.apply();
    return true;
  }

  release(): void {
    this.held -= 1;
    this.apply();
  }

  checkoutFailed(reason: string): void {
    this.failuresInARow += 1;
    const pauseMs = Math.min(coolDownStepMs * this.failuresInARow, coolDownMaxMs);
    this.log(`takes no new workstream for ${pauseMs / 1000} s: ${reason}`);
    clearTimeout(this.timer);
    this.isCoolingDown = true;
    this.apply();
    this.timer = setTimeout(() => {
      this.isCoolingDown = false;
      this.apply();
    }, pauseMs);
  }

  checkoutMade(): void {
    this.failuresInARow = 0;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private apply(): void {
    const shouldPause = this.isCoolingDown || this.held >= this.concurrency;
    if (shouldPause === this.isPaused) return;
    this.isPaused = shouldPause;
    for (const worker of this.workers) {
      if (shouldPause) void worker.pause(true);
      else void worker.resume();
    }
  }
}

/** The pause after each checkout failure in a row grows by this much, up to the cap. */
const coolDownStepMs = 1000;
const coolDownMaxMs = 60_000;

/** A job a full host was handed waits this long before any host takes it again. */
const givenBackDelayMs = 500;

/** A log that says a line again only after a minute, then with how often it was held back. */
function onceAMinute(log: (line: string) => void): (line: string) => void {
  const said = new Map<string, { at: number; heldBack: number }>();
  return (line) => {
    const now = Date.now();
    const last = said.get(line);
    if (last && now - last.at < 60_000) {
      last.heldBack += 1;
      return;
    }
    log(last?.heldBack ? `${line} (and ${last.heldBack} times more in the last minute)` : line);
    said.set(line, { at: now, heldBack: 0 });
  };
}
