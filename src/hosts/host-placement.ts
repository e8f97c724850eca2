/**
 * The supervisor's side of worker hosts: it queues each remote workstream in BullMQ (one job a
 * workstream, in the queue of its labels), serves the hosts' channels and the forge's git over one
 * HTTP endpoint, and is the one place the run reaches a remote checkout through: reads of it,
 * commands in it, its checkout gates, its commits as bundles. A host executes; the supervisor
 * decides, journals and talks to the forge.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import { dirname, join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { ToolResult } from "../agent/index.ts";
import { errorMessage, SuperviseError } from "../errors.ts";
import type { CommittedClaim, GateResult } from "../evidence/index.ts";
import type { Plan } from "../plan/index.ts";
import type { CommandRequest, CommandResult, RunningCommand } from "../sandbox/index.ts";
import { Channel, ChannelCallError } from "./channel.ts";
import { handleGitHttp } from "./git-http-server.ts";
import { channelPath, channelProtocol } from "./host-connection.ts";
import type {
  AttachAnswer,
  AttachRequest,
  ObserveGatesAnswer,
  PlacementJob,
  RemoteCommand,
} from "./host-protocol.ts";
import { queueNameFor, releasedKeyOf } from "./host-protocol.ts";
import { connectRelayTarget, joinStreamToSocket, type RelayTarget } from "./relay.ts";

/** Journals what hosts did, through the run's own journal and state. */
export type HostRecorder = (
  type: "host.placed" | "host.attached" | "host.lost" | "host.problem",
  workstream: string,
  data: Record<string, unknown>,
) => Promise<void>;

export interface HostPlacementOptions {
  plan: Plan & { hosts: NonNullable<Plan["hosts"]> };
  runId: string;
  runDirectory: string;
  /** The workstreams that run on hosts. */
  remoteWorkstreams: readonly string[];
  /** The bare repository hosts clone from (the local forge's origin), served as `origin.git`. */
  servedRepository: string | null;
  /** Where hosts clone from when nothing is served (a GitHub remote they can read themselves). */
  forgeRemoteUrl: string | null;
  /** PATH for the `git http-backend` it serves the origin with. */
  searchPath?: string;
  /** The supervisor's sockets a remote worker reaches through its host. */
  toolSocket: string;
  gateway: { socketPath: string | null; origin: string | null } | null;
  /** The allow-list's filtering proxy and loopback forwarders (their sockets), when the plan has one. */
  allowList?: { proxySocket: string; loopback: { port: number; socketPath: string }[] } | null;
  /** The run's stop: whatever waits for a host then stops waiting (a PlacementStoppedError). */
  signal?: AbortSignal;
}

/** No host could take the workstream: its job failed for good, with the last host's reason. */
export class PlacementFailedError extends Error {}

/** The run stopped while the workstream waited for a host. */
export class PlacementStoppedError extends Error {}

interface Session {
  channel: Channel;
  host: string;
  path: string;
  outputs: Map<string, (chunk: string) => void>;
}

export class HostPlacement {
  private readonly options: HostPlacementOptions;
  private readonly secret: Buffer;
  private readonly sessions = new Map<string, Session>();
  private readonly waiting = new Map<string, PromiseWithResolvers<Session>>();
  private readonly released = new Set<string>();
  private readonly startShas = new Map<string, string>();
  private readonly jobs = new Map<string, { queue: Queue; id: string }>();
  private recordEvent: HostRecorder;
  private server: Server | undefined;
  private queues = new Map<string, Queue>();
  private redis: Redis | undefined;
  private endpoint = "";
  private nextCommand = 1;
  private readonly channels = new Set<Channel>();
  private readonly heldEvents: {
    type: Parameters<HostRecorder>[0];
    workstream: string;
    data: Record<string, unknown>;
  }[] = [];

  private constructor(options: HostPlacementOptions, secret: Buffer) {
    this.options = options;
    this.secret = secret;
    // Until the run exists, what hosts do is held and journaled once it does: a host that comes
    // back to a resumed supervisor may attach before the run has opened its journal.
    this.recordEvent = async (type, workstream, data) => {
      this.heldEvents.push({ type, workstream, data });
    };
  }

  /** Listens where the plan says and announces the endpoint in Redis; the run's key survives a resume. */
  static async start(options: HostPlacementOptions): Promise<HostPlacement> {
    const placement = new HostPlacement(options, await runSecret(options.runDirectory));
    await placement.listen();
    return placement;
  }

  /** Journals through the run once it exists (the placement starts before it). */
  async useRecorder(record: HostRecorder): Promise<void> {
    this.recordEvent = record;
    for (const { type, workstream, data } of this.heldEvents.splice(0)) await record(type, workstream, data);
  }

  /** The commit the workstream's checkout started from, as the supervisor made it. */
  startShaOf(workstream: string): string | undefined {
    return this.startShas.get(workstream);
  }

  isRemote(workstream: string): boolean {
    return this.options.remoteWorkstreams.includes(workstream);
  }

  get endpointUrl(): string {
    return this.endpoint;
  }

  /** Queues the workstream (once: a job already queued or held is left as it is) and waits for a host. */
  async place(
    workstream: string,
    labels: readonly string[],
    startSha: string,
    signal?: AbortSignal,
  ): Promise<void> {
    this.released.delete(workstream);
    await this.redis?.srem(releasedKeyOf(this.options.runId), workstream).catch(() => {});
    this.startShas.set(workstream, startSha);
    const queueName = queueNameFor(labels);
    const queue = this.queueFor(queueName);
    const jobId = `${this.options.runId}.${workstream}`;
    this.jobs.set(workstream, { queue, id: jobId });
    const existing = await queue.getJob(jobId);
    const state = existing ? await existing.getState() : null;
    if (existing && (state === "completed" || state === "failed")) await existing.remove();
    if (!existing || state === "completed" || state === "failed") {
      const job: PlacementJob = {
        run: this.options.runId,
        workstream,
        endpoint: this.endpoint,
        endpointKey: this.endpointKey,
        token: this.tokenOf(workstream),
      };
      // A host that could not make the checkout fails the job; BullMQ gives it to a host again.
      await queue.add("workstream", job, {
        jobId,
        removeOnComplete: true,
        removeOnFail: 100,
        attempts: placementAttempts,
        backoff: { type: "exponential", delay: 1000 },
      });
      await this.recordEvent("host.placed", workstream, { queue: queueName, job: jobId });
    }
    await untilAborted(this.sessionOf(workstream), signal, workstream);
  }

  /** The workstream's host is done with it: the job completes and the host removes its checkout. */
  async release(workstream: string): Promise<void> {
    this.released.add(workstream);
    // Said in Redis too, without waiting on it (Redis may be down; the command waits for it): a host
    // that takes the job after this, its holder dead before completing it, lets it go at once.
    const key = releasedKeyOf(this.options.runId);
    void this.redis
      ?.multi()
      .sadd(key, workstream)
      .expire(key, releasedMemorySeconds)
      .exec()
      .catch(() => {});
    const session = this.sessions.get(workstream);
    if (!session) return;
    await session.channel.call("release", {}).catch(() => {});
  }

  async readCheckout(workstream: string): Promise<{ head: string; uncommittedChanges: string[] }> {
    return this.callHost(workstream, "checkout.read", {});
  }

  async hiddenChanges(workstream: string, head: string): Promise<string[]> {
    return this.callHost(workstream, "checkout.hidden", { head });
  }

  /** A worker tool that acts on the checkout's files (read, write, edit), run by the host on its checkout. */
  async runCheckoutFileTool(workstream: string, name: string, input: unknown): Promise<ToolResult> {
    const session = await this.sessionOrWhyNone(workstream);
    if (session instanceof Error)
      return { isError: true, text: `${name} could not run: ${session.message}.` };
    try {
      return await session.channel.call<ToolResult>("checkout.fileTool", { name, input });
    } catch (error) {
      // Never asked again of the next host: an edit meant for the lost checkout must not land in a fresh one.
      if (!(error instanceof ChannelCallError && error.isChannelClosed)) throw error;
      return {
        isError: true,
        text: `${name} did not complete: the worker host ${session.host} holding the checkout was lost. The workstream continues on another host from its last pushed commit; edits that were not pushed are gone there. Check the file with read_file before going on.`,
      };
    }
  }

  async diffStat(workstream: string, base: string): Promise<string> {
    return this.callHost(workstream, "checkout.diffStat", { base });
  }

  /** The commit as a git bundle from the host, written to `file`: what the supervisor then fetches from. */
  async bundle(workstream: string, sha: string, basis: string[], file: string): Promise<void> {
    const answer = await this.callHost<{ bundle: string }>(workstream, "checkout.bundle", { sha, basis });
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, Buffer.from(answer.bundle, "base64"));
  }

  /**
   * Runs a command in the workstream's checkout on its host. A host lost meanwhile ends it as
   * canceled, with why: the workstream goes on with its next host, never a hung command.
   */
  async runCommand(
    workstream: string,
    purpose: RemoteCommand["purpose"],
    request: CommandRequest,
    baseEnvironment: Record<string, string>,
  ): Promise<CommandResult> {
    const session = await this.sessionOrWhyNone(workstream, request.signal);
    if (session instanceof PlacementStoppedError) return canceledCommand(0, null);
    if (session instanceof PlacementFailedError) return canceledCommand(0, session.message);
    const id = `c${this.nextCommand++}`;
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.env)) {
      if (baseEnvironment[name] !== value) env[name] = value;
    }
    const remote: RemoteCommand = {
      id,
      purpose,
      command: request.command,
      env,
      timeoutMs: request.timeoutMs,
      ...(request.stdin === undefined ? {} : { stdin: request.stdin }),
      ...(request.outputCapBytes === undefined ? {} : { outputCapBytes: request.outputCapBytes }),
      ...(request.readOnly ? { readOnly: [...request.readOnly] } : {}),
      ...(request.loopback ? { gatewayPorts: request.loopback.bridges.map((bridge) => bridge.port) } : {}),
    };
    if (request.onOutput) session.outputs.set(id, request.onOutput);
    const control: RunningCommand = {
      pause: async () => {
        await session.channel.call("command.pause", { id }).catch(() => {});
        return { resume: () => void session.channel.call("command.resume", { id }).catch(() => {}) };
      },
    };
    request.onStarted?.(control);
    const startedAt = Date.now();
    try {
      return await session.channel.call<CommandResult>("command.run", remote, request.signal);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const durationMs = Date.now() - startedAt;
      // Stopped by the supervisor (the workstream ended, its worker was stopped): not a loss.
      if (this.released.has(workstream) || request.signal?.aborted) return canceledCommand(durationMs, null);
      return canceledCommand(durationMs, `the worker host ${session.host} was lost: ${reason}`);
    } finally {
      session.outputs.delete(id);
    }
  }

  /** Whether the workstream ended here and its host was let go. */
  isReleased(workstream: string): boolean {
    return this.released.has(workstream);
  }

  /** Whether the command's end was the host's loss, not the command's own. */
  static isHostLoss(result: CommandResult): boolean {
    return result.error?.startsWith("the worker host ") === true;
  }

  /** The checkout gates of a claim, observed on the host; their logs are copied into this run's directory. */
  async observeCheckoutGates(claim: CommittedClaim, gates: readonly string[]): Promise<GateResult[]> {
    const { workstream } = claim;
    let problem = "";
    // A host lost mid-verification: the host that takes the workstream over observes again, when
    // its checkout (cloned from the pushed branch) is the claimed commit, clean.
    for (let round = 1; round <= maxObservationRounds; round += 1) {
      const session = await this.sessionOrWhyNone(workstream.id);
      if (session instanceof Error) {
        problem = problem ? `${problem}; ${session.message}` : session.message;
        break;
      }
      if (round > 1) {
        const checkout = await session.channel
          .call<{ head: string; uncommittedChanges: string[] }>("checkout.read", {})
          .catch(() => null);
        if (checkout?.head !== claim.commit || checkout.uncommittedChanges.length > 0) {
          problem = `${problem}; ${session.host}, which took the workstream over, has ${checkout ? checkout.head.slice(0, 12) : "no readable checkout"}, not the claimed commit (it reaches a new host only once pushed)`;
          break;
        }
      }
      try {
        const answer = await session.channel.call<ObserveGatesAnswer>("gates.observe", { claim, gates });
        await this.keepFiles(workstream.id, answer.files);
        return answer.results;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        problem = `the worker host ${session.host} could not observe the gates: ${message}`;
        if (!(error instanceof ChannelCallError && error.isChannelClosed)) break;
      }
    }
    return gates.map((id) => ({
      id,
      status: "error" as const,
      detail: problem,
      observed: {},
      environmentProblem: problem,
    }));
  }

  /**
   * Files a host's gates wrote, kept at the same place in this run's directory: only under the
   * workstream's own evidence folder (a host never writes the journal, the key or another's files).
   */
  private async keepFiles(workstream: string, files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      const segments = path.split("/");
      const isItsEvidence = segments[0] === "evidence" && segments[1] === workstream && segments.length > 2;
      if (!isItsEvidence || segments.some((segment) => segment === ".." || segment === "." || segment === ""))
        continue;
      const target = join(this.options.runDirectory, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, Buffer.from(content, "base64"));
    }
  }

  async close(): Promise<void> {
    for (const [workstream, waiter] of this.waiting) {
      waiter.reject(
        new PlacementStoppedError(`the supervisor stopped while ${workstream} waited for a host`),
      );
    }
    this.waiting.clear();
    for (const channel of this.channels) channel.close("the supervisor stopped");
    this.sessions.clear();
    await new Promise<void>((resolve) => {
      if (!this.server) resolve();
      else {
        this.server.close(() => resolve());
        this.server.closeAllConnections();
      }
    });
    // A Redis that is down must not keep the supervisor from exiting: its connections are dropped.
    const closing = Promise.all([
      ...[...this.queues.values()].map((queue) => queue.close()),
      this.redis?.quit().catch(() => {}),
    ]);
    await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    for (const queue of this.queues.values()) void queue.disconnect().catch(() => {});
    this.redis?.disconnect();
  }

  private get endpointKey(): string {
    return `supervise:endpoint:${this.options.runId}`;
  }

  private queueFor(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: { url: this.options.plan.hosts.queue, maxRetriesPerRequest: null },
      });
      queue.on("error", () => {});
      this.queues.set(name, queue);
    }
    return queue;
  }

  private async callHost<T>(workstream: string, method: string, params: unknown): Promise<T> {
    for (;;) {
      const session = await this.sessionOf(workstream);
      try {
        return await session.channel.call<T>(method, params);
      } catch (error) {
        // A read asked of a host that went away is asked again of the next one.
        if (!(error instanceof ChannelCallError && error.isChannelClosed)) throw error;
      }
    }
  }

  /** The workstream's host, or why there is none: no host could take it, or the run stopped. */
  private sessionOrWhyNone(
    workstream: string,
    signal?: AbortSignal,
  ): Promise<Session | PlacementFailedError | PlacementStoppedError> {
    return untilAborted(this.sessionOf(workstream), signal, workstream).catch((error: unknown) => {
      if (error instanceof PlacementFailedError || error instanceof PlacementStoppedError) return error;
      throw error;
    });
  }

  /**
   * The workstream's host once one attached; while none is, its job is watched, and a job that
   * failed for good (every try ended in the host's problem) rejects with a PlacementFailedError.
   */
  private sessionOf(workstream: string): Promise<Session> {
    const session = this.sessions.get(workstream);
    if (session?.channel.isOpen) return Promise.resolve(session);
    // Its host was let go with the workstream's end: no host will come for it again.
    if (this.released.has(workstream)) {
      return Promise.reject(new PlacementStoppedError(`${workstream} ended and its host was let go`));
    }
    let waiter = this.waiting.get(workstream);
    if (!waiter) {
      waiter = Promise.withResolvers<Session>();
      this.waiting.set(workstream, waiter);
      void this.watchJob(workstream, waiter);
    }
    // The wait itself stays until a host comes or close() ends it; only this caller stops waiting.
    return untilAborted(waiter.promise, this.options.signal, workstream);
  }

  private async watchJob(workstream: string, waiter: PromiseWithResolvers<Session>): Promise<void> {
    while (this.waiting.get(workstream) === waiter) {
      await new Promise((resolve) => setTimeout(resolve, jobWatchIntervalMs).unref());
      const placed = this.jobs.get(workstream);
      if (!placed || this.waiting.get(workstream) !== waiter) continue;
      const job = await placed.queue.getJob(placed.id).catch(() => undefined);
      const state = job ? await job.getState().catch(() => "unknown") : "unknown";
      if (state !== "failed" || this.waiting.get(workstream) !== waiter) continue;
      this.waiting.delete(workstream);
      waiter.reject(
        new PlacementFailedError(
          `no worker host could take ${workstream} after ${job?.attemptsMade ?? placementAttempts} tries: ${job?.failedReason || "no reason given"}`,
        ),
      );
    }
  }

  private tokenOf(workstream: string): string {
    return createHmac("sha256", this.secret)
      .update(`${this.options.runId}/${workstream}`)
      .digest("base64url");
  }

  private workstreamOfToken(header: string | undefined): string | null {
    const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length) : null;
    if (!token) return null;
    for (const workstream of this.options.remoteWorkstreams) {
      const expected = Buffer.from(this.tokenOf(workstream));
      const given = Buffer.from(token);
      if (expected.length === given.length && timingSafeEqual(expected, given)) return workstream;
    }
    return null;
  }

  private async listen(): Promise<void> {
    const { hosts } = this.options.plan;
    const separator = hosts.listen.lastIndexOf(":");
    const address = hosts.listen.slice(0, separator);
    const port = Number(hosts.listen.slice(separator + 1));
    const repositories = new Map<string, string>();
    if (this.options.servedRepository) repositories.set("origin.git", this.options.servedRepository);
    const server = createServer((request, response) => {
      const isServed = handleGitHttp(request, response, {
        repositories,
        pathPrefix: "/git/",
        ...(this.options.searchPath ? { searchPath: this.options.searchPath } : {}),
        isAuthorized: (header: string | undefined) => this.workstreamOfToken(header) !== null,
      });
      if (!isServed) {
        response.writeHead(404).end();
      }
    });
    server.on("upgrade", (request, socket, head) => this.accept(request, socket as Socket, head));
    server.requestTimeout = 0;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, address, () => resolve());
    });
    this.server = server;
    const bound = server.address();
    const boundPort = typeof bound === "object" && bound ? bound.port : port;
    this.endpoint = hosts.advertise
      ? withPortIfNone(hosts.advertise, boundPort)
      : `http://${address === "0.0.0.0" ? "127.0.0.1" : address}:${boundPort}`;
    this.redis = new Redis(hosts.queue, {
      maxRetriesPerRequest: null,
      lazyConnect: true,
      connectTimeout: 10_000,
    });
    let lastRedisError = "";
    this.redis.on("error", (error: Error) => {
      lastRedisError = error.message;
    });
    try {
      await this.redis.connect();
    } catch (error) {
      this.redis.disconnect();
      server.close();
      // Unreachable at the start is the environment's problem, said at once; later, a Redis that
      // goes away is waited for (its connections retry) and the run goes on.
      throw new SuperviseError(
        `Cannot reach the Redis that places workstreams on hosts, ${withoutCredentials(hosts.queue)} (the plan's hosts.queue): ${(lastRedisError || errorMessage(error)).replace(/\.$/, "")}.`,
        {
          hint: "Start Redis there (Debian's redis-server), or correct hosts.queue; without `hosts:` every workstream runs on this machine.",
        },
      );
    }
    await this.redis.set(this.endpointKey, this.endpoint);
  }

  private accept(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const workstream = this.workstreamOfToken(request.headers.authorization);
    if (request.url !== channelPath || request.headers.upgrade !== channelProtocol || workstream === null) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${channelProtocol}\r\nConnection: Upgrade\r\n\r\n`,
    );
    socket.setNoDelay(true);
    if (head.length > 0) socket.unshift(head);
    const channel = new Channel(socket);
    this.channels.add(channel);
    void channel.closed.then(() => this.channels.delete(channel));
    let host = "unknown";
    const outputs = new Map<string, (chunk: string) => void>();
    channel.onNotice("command.output", (data) => {
      const { id, chunk } = data as { id: string; chunk: string };
      outputs.get(id)?.(chunk);
    });
    channel.onStream((target, stream) => {
      const where = this.relayTarget(target);
      if (!where) {
        stream.end();
        return;
      }
      joinStreamToSocket(stream, connectRelayTarget(where));
    });
    channel.onNotice("problem", (data) => {
      void this.recordEvent("host.problem", workstream, {
        host,
        message: String((data as { message: string }).message),
      });
    });
    let resumed = false;
    channel.handle("attach", async (params) => {
      const attach = params as AttachRequest;
      host = String(attach.host);
      resumed = attach.checkout !== null;
      return this.attachAnswer(workstream);
    });
    channel.onNotice("ready", (data) => {
      const { path, head: checkoutHead } = data as { path: string; head: string };
      // The workstream ended while this host was away: it is let go at once, not kept.
      if (this.released.has(workstream)) {
        void channel.call("release", {}).catch(() => {});
        return;
      }
      const previous = this.sessions.get(workstream);
      if (previous && previous.channel !== channel) {
        // BullMQ gave the workstream to this host: the one before stopped renewing its lock, so it
        // is taken for lost even if its connection still looks open.
        previous.channel.close("another host took the workstream");
        void this.recordEvent("host.lost", workstream, {
          host: previous.host,
          reason: `${host} took the workstream over: its lock in the queue expired`,
        });
      }
      const session: Session = { channel, host, path, outputs };
      this.sessions.set(workstream, session);
      void this.recordEvent("host.attached", workstream, { host, path, head: checkoutHead, resumed }).then(
        () => {
          const waiter = this.waiting.get(workstream);
          this.waiting.delete(workstream);
          waiter?.resolve(session);
        },
      );
    });
    void channel.closed.then((reason) => {
      if (this.sessions.get(workstream)?.channel !== channel) return;
      this.sessions.delete(workstream);
      if (!this.released.has(workstream)) void this.recordEvent("host.lost", workstream, { host, reason });
    });
  }

  private attachAnswer(workstream: string): AttachAnswer {
    const { plan } = this.options;
    const served = this.options.servedRepository !== null;
    return {
      run: this.options.runId,
      plan,
      workstream,
      branch:
        plan.workstreams.find((candidate) => candidate.id === workstream)?.branch ??
        `supervise/${workstream}`,
      startSha: this.startShas.get(workstream) ?? plan.base,
      git: {
        url: served ? `${this.endpoint}/git/origin.git` : (this.options.forgeRemoteUrl ?? ""),
        base: plan.base,
      },
      supervisorPaths: {
        toolSocket: this.options.toolSocket,
        gatewaySocket: this.options.gateway?.socketPath ?? null,
        gatewayOrigin: this.options.gateway?.origin ?? null,
      },
      allowList: this.options.allowList
        ? { loopbackPorts: this.options.allowList.loopback.map((forwarder) => forwarder.port) }
        : null,
    };
  }

  private relayTarget(target: string): RelayTarget | null {
    if (target === "tools") return { socketPath: this.options.toolSocket };
    const { allowList } = this.options;
    if (target === "proxy" && allowList) return { socketPath: allowList.proxySocket };
    const forwarder = allowList?.loopback.find((candidate) => target === `loopback:${candidate.port}`);
    if (forwarder) return { socketPath: forwarder.socketPath };
    if (target === "gateway" && this.options.gateway) {
      if (this.options.gateway.socketPath) return { socketPath: this.options.gateway.socketPath };
      if (this.options.gateway.origin) {
        const url = new URL(this.options.gateway.origin);
        return { host: url.hostname, port: Number(url.port) };
      }
    }
    return null;
  }
}

/** The promise, or a PlacementStoppedError once the signal aborts (the caller stopped waiting for a host). */
function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  workstream: string,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    // Whatever the wait ends in later (close() rejects it) is nobody's to handle now.
    promise.catch(() => {});
    return Promise.reject(new PlacementStoppedError(`${workstream} stopped waiting for a host`));
  }
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(new PlacementStoppedError(`${workstream} stopped waiting for a host`));
    signal.addEventListener("abort", stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

/** A Redis URL as it may be printed: a password in it is left out. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.href.replace(/\/$/, "");
  } catch {
    return "(a Redis URL that does not parse)";
  }
}

/** The advertised URL, given the bound port when it names none (`http://sup.internal` with `listen: 0.0.0.0:0`). */
function withPortIfNone(advertise: string, port: number): string {
  const url = new URL(advertise);
  const namesPort = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/]*):\d+/i.test(advertise);
  if (!namesPort) url.port = String(port);
  return url.href.replace(/\/$/, "");
}

/** A command ended by the supervisor or by its host's loss (`why`), before it could answer. */
function canceledCommand(durationMs: number, why: string | null): CommandResult {
  return {
    exitCode: null,
    signal: null,
    isTimedOut: false,
    isCanceled: true,
    durationMs,
    output: why === null ? "" : `[supervise: ${why}]`,
    outputBytes: 0,
    isOutputTruncated: false,
    error: why,
  };
}

/** How long Redis remembers a run's released workstreams: longer than any job of it can wait in a queue. */
const releasedMemorySeconds = 7 * 24 * 3600;

/** Tries of a workstream's job before it fails for good (hosts that could not make its checkout). */
const placementAttempts = 5;

/** How often the job of a workstream waiting for a host is looked at. */
const jobWatchIntervalMs = 1000;

/** Hosts a claim's checkout gates are asked of before a lost host makes them an environment problem. */
const maxObservationRounds = 3;

/** The run's secret the hosts' tokens derive from: kept in the run's directory, so a resumed supervisor knows them. */
async function runSecret(runDirectory: string): Promise<Buffer> {
  const file = join(runDirectory, "hosts.key");
  if (existsSync(file)) return readFileSync(file);
  const secret = randomBytes(32);
  await mkdir(runDirectory, { recursive: true });
  await writeFile(file, secret, { mode: 0o600 });
  return secret;
}
