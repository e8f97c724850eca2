/**
 * One workstream on a worker host: its checkout (cloned from the forge's git remote), the commands
 * the supervisor runs in it (the worker's, the CLI agent itself), the checkout gates observed in
 * it, and the commits handed back as git bundles. It answers the supervisor's calls and decides
 * nothing: verdicts, the journal and the forge stay with the supervisor.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { callCheckoutFileTool } from "../agent/index.ts";
import { type GateServices, verifyClaim } from "../evidence/index.ts";
import type { Forge } from "../forge/index.ts";
import type { Plan } from "../plan/index.ts";
import { type CommandRunner, type RunningCommand, withHome } from "../sandbox/index.ts";
import { createSafeGit, Workspace, workerCloneConfig } from "../workspace/index.ts";
import type { Channel } from "./channel.ts";
import { gitHttpEnvironment } from "./git-http-client.ts";
import type {
  AttachAnswer,
  ObserveGatesAnswer,
  ObserveGatesRequest,
  RemoteCommand,
  RemoteCommandResult,
} from "./host-protocol.ts";

/** What the host process gives each of its workstreams. */
export interface HostWorkstreamResources {
  /** This host's folder for the run: checkouts, caches, homes, gate logs. */
  runFolder: string;
  environment: Record<string, string>;
  /** The host's own scrubbed environment commands start from (no secret of the host's either). */
  baseEnvironment: Record<string, string>;
  /** Sandboxed runners of this host for one workstream under its plan's sandbox, its tools' relay socket mounted. */
  runners(relays: WorkstreamRelays, plan: Plan): CommandRunner;
  /** socat on this host, for a sandboxed agent's loopback way to the model gateway; undefined without it. */
  socatPath: string | undefined;
  /** The `supervise` shim's folder on this host. */
  shimDirectory: string;
}

/** The host's own ends of what the supervisor's commands name. */
export interface WorkstreamRelays {
  toolSocket: string;
  gatewaySocket: string | null;
  /** `http://127.0.0.1:<port>` on this host, when the supervisor's gateway is reached by TCP. */
  gatewayOrigin: string | null;
  /** This host's sockets for the plan's allow-list, relayed to the supervisor's proxy and loopback forwarders. */
  allowList: { proxySocket: string; loopback: { port: number; socketPath: string }[] } | null;
}

export interface HostCheckout {
  path: string;
  head: string;
}

/** Makes (or finds again) the workstream's checkout on this host. */
export async function prepareCheckout(
  answer: AttachAnswer,
  token: string,
  resources: HostWorkstreamResources,
): Promise<HostCheckout> {
  const cache = join(resources.runFolder, "cache.git");
  const path = join(resources.runFolder, "checkouts", answer.workstream);
  const gitEnvironment = { ...resources.environment, ...gitHttpEnvironment(token) };
  await mkdir(join(resources.runFolder, "checkouts"), { recursive: true });
  const outside = await createSafeGit(resources.runFolder, { environment: resources.environment });
  // One bare cache per run on this host, brought up to date by one workstream at a time: every
  // checkout clones from it locally, and only what is new on the forge crosses the network.
  await oneAtATime(cache, async () => {
    if (!existsSync(cache)) {
      await gitWithToken(
        ["clone", "--bare", "--quiet", "--", answer.git.url, cache],
        resources.runFolder,
        gitEnvironment,
      );
    } else {
      await gitWithToken(
        ["fetch", "--quiet", "--prune", "--", answer.git.url, "+refs/heads/*:refs/heads/*"],
        cache,
        gitEnvironment,
      );
    }
  });
  const cached = await createSafeGit(cache, { environment: resources.environment });
  // The workstream resumes from what it pushed; a workstream that pushed nothing starts where the supervisor says.
  const pushed = await cached.resolveCommit(`refs/heads/${answer.branch}`);
  const start = pushed ?? answer.startSha;
  if (existsSync(path)) {
    const workspace = hostWorkspace(resources, cache);
    return { path, head: (await workspace.readCheckout(path)).head };
  }
  const partial = `${path}.partial-${randomUUID()}`;
  await outside.raw(["clone", "--no-checkout", "--no-tags", ...workerCloneConfig, "--", cache, partial]);
  const clone = await createSafeGit(partial, { environment: resources.environment, isUnsharedClone: true });
  await clone.raw(["checkout", "-q", "-B", answer.branch, start]);
  await rm(path, { recursive: true, force: true });
  await rename(partial, path);
  return { path, head: start };
}

const cacheQueues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(key: string, step: () => Promise<T>): Promise<T> {
  const next = (cacheQueues.get(key) ?? Promise.resolve()).catch(() => {}).then(step);
  cacheQueues.set(key, next);
  return next;
}

/**
 * git against the forge's remote, the host's token in the environment only (never an argument or a
 * config file). The remote is the supervisor's or the forge's, never a worker's: plain git is safe.
 */
function gitWithToken(args: string[], cwd: string, environment: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: environment, timeout: 10 * 60_000 }, (error, _stdout, stderr) => {
      if (error)
        reject(new Error(`git ${args[0]} from the forge failed: ${String(stderr).trim() || error.message}`));
      else resolve();
    });
  });
}

function hostWorkspace(resources: HostWorkstreamResources, cache: string): Workspace {
  return new Workspace({
    stateDir: resources.runFolder,
    userRepository: cache,
    base: "main",
    environment: resources.environment,
  });
}

/**
 * Serves the supervisor's calls for one workstream over `channel` until it is released; resolves
 * then, or rejects when the channel closes first.
 */
export function serveWorkstream(input: {
  channel: Channel;
  answer: AttachAnswer;
  checkout: HostCheckout;
  resources: HostWorkstreamResources;
  relays: WorkstreamRelays;
}): Promise<void> {
  const { channel, answer, checkout, resources, relays } = input;
  const cache = join(resources.runFolder, "cache.git");
  const workspace = hostWorkspace(resources, cache);
  const homes = join(resources.runFolder, "homes", answer.workstream);
  const runner = resources.runners(relays, answer.plan);
  const runners = {
    worker: withHome(runner, { kind: "whole", directory: join(homes, "worker") }),
    gates: withHome(runner, { kind: "caches", directory: join(homes, "gates") }),
    base: withHome(runner, { kind: "caches", directory: join(resources.runFolder, "homes", "base") }),
  };
  const running = new Map<string, RunningCommand>();
  const paused = new Map<string, { resume(): void }>();
  const released = Promise.withResolvers<void>();

  channel.handle("checkout.read", () => workspace.readCheckout(checkout.path));
  channel.handle("checkout.hidden", (params) =>
    workspace.hiddenChanges(checkout.path, (params as { head: string }).head),
  );
  channel.handle("checkout.fileTool", (params) => {
    const { name, input } = params as { name: string; input: unknown };
    return callCheckoutFileTool(name, input, checkout.path);
  });
  channel.handle("checkout.diffStat", async (params) =>
    (await workspace.repository(checkout.path)).diff(["--stat", (params as { base: string }).base]),
  );
  channel.handle("checkout.bundle", async (params) => {
    const { sha, basis } = params as { sha: string; basis: string[] };
    return {
      bundle: (await bundleOf(workspace, resources.runFolder, checkout.path, sha, basis)).toString("base64"),
    };
  });
  channel.handle("command.run", async (params, signal) => {
    const request = params as RemoteCommand;
    const result = await runners.worker.run({
      command: request.command,
      cwd: checkout.path,
      env: commandEnvironment(request, answer, resources, relays),
      timeoutMs: request.timeoutMs,
      ...(request.stdin === undefined ? {} : { stdin: request.stdin }),
      ...(request.outputCapBytes === undefined ? {} : { outputCapBytes: request.outputCapBytes }),
      readOnly: (request.readOnly ?? []).filter((path) => existsSync(path)),
      ...(request.gatewayPorts && relays.gatewaySocket && resources.socatPath
        ? {
            loopback: {
              socatPath: resources.socatPath,
              bridges: request.gatewayPorts.map((port) => ({ port, socketPath: relays.gatewaySocket! })),
            },
          }
        : {}),
      markers: { SUPERVISE_RUN: answer.run, SUPERVISE_HOST_WORKSTREAM: answer.workstream },
      signal,
      onStarted: (control) => running.set(request.id, control),
      onOutput: (chunk) => channel.notify("command.output", { id: request.id, chunk }),
    });
    running.delete(request.id);
    return result satisfies RemoteCommandResult;
  });
  channel.handle("command.pause", async (params) => {
    const { id } = params as { id: string };
    const control = running.get(id);
    if (control && !paused.has(id)) paused.set(id, await control.pause());
    return null;
  });
  channel.handle("command.resume", async (params) => {
    const { id } = params as { id: string };
    paused.get(id)?.resume();
    paused.delete(id);
    return null;
  });
  channel.handle("gates.observe", async (params, signal) =>
    observeGates(params as ObserveGatesRequest, {
      answer,
      checkoutPath: checkout.path,
      workspace,
      resources,
      runners,
      cache,
      signal,
    }),
  );
  channel.handle("release", async () => {
    released.resolve();
    return null;
  });
  void channel.closed.then((reason) => released.reject(new Error(reason)));
  return released.promise;
}

/** The supervisor's variables, with its paths replaced by this host's: tools, gateway, the shim on PATH. */
function commandEnvironment(
  request: RemoteCommand,
  answer: AttachAnswer,
  resources: HostWorkstreamResources,
  relays: WorkstreamRelays,
): Record<string, string> {
  const environment = { ...resources.baseEnvironment };
  const { toolSocket, gatewayOrigin } = answer.supervisorPaths;
  for (const [name, value] of Object.entries(request.env)) {
    if (name === "PATH") continue;
    let mapped = value === toolSocket ? relays.toolSocket : value;
    if (gatewayOrigin && relays.gatewayOrigin && mapped.startsWith(gatewayOrigin)) {
      mapped = relays.gatewayOrigin + mapped.slice(gatewayOrigin.length);
    }
    environment[name] = mapped;
  }
  if (request.purpose === "agent") {
    environment.PATH = `${resources.shimDirectory}:${resources.baseEnvironment.PATH ?? "/usr/bin:/bin"}`;
  }
  return environment;
}

/** The claimed commit and what it adds to `basis`, as a git bundle the supervisor fetches from. */
async function bundleOf(
  workspace: Workspace,
  bundleFolder: string,
  path: string,
  sha: string,
  basis: string[],
): Promise<Buffer> {
  const git = await workspace.repository(path);
  if ((await git.resolveCommit(sha)) !== sha) throw new Error(`the checkout holds no commit ${sha}`);
  const known: string[] = [];
  for (const commit of basis) if ((await git.resolveCommit(commit)) === commit) known.push(commit);
  const ref = `refs/supervise-bundle/${sha}`;
  const outside = join(bundleFolder, `bundle-${randomUUID()}.bundle`);
  await git.raw(["update-ref", ref, sha]);
  try {
    await git.raw(["bundle", "create", "-q", outside, ref, ...known.map((commit) => `^${commit}`)]);
    return await readFile(outside);
  } finally {
    await git.raw(["update-ref", "-d", ref]);
    await rm(outside, { force: true });
  }
}

async function observeGates(
  request: ObserveGatesRequest,
  context: {
    answer: AttachAnswer;
    checkoutPath: string;
    workspace: Workspace;
    resources: HostWorkstreamResources;
    runners: { gates: CommandRunner; base: CommandRunner };
    cache: string;
    signal: AbortSignal;
  },
): Promise<ObserveGatesAnswer> {
  const { answer, resources, runners } = context;
  const runDirectory = join(resources.runFolder, "run");
  const startedAt = Date.now();
  const services: GateServices = {
    runner: runners.gates,
    baseRunner: runners.base,
    environment: { ...resources.baseEnvironment },
    runDirectory,
    readCheckout: () => context.workspace.readCheckout(context.checkoutPath),
    forge: forgeNotOnHosts,
    plan: answer.plan,
    trustedRepositories: { mirror: context.cache, user: context.cache },
    signal: context.signal,
  };
  const workstream = { ...request.claim.workstream, done: request.gates };
  const results = await verifyClaim(
    { ...request.claim, workstream, checkoutPath: context.checkoutPath },
    services,
    async () => {},
  );
  const evidence = join("evidence", request.claim.workstream.id);
  return { results, files: await filesWrittenSince(runDirectory, evidence, startedAt) };
}

/**
 * Every file of the workstream's evidence (`runDirectory/evidence/<ws>`) written at or after
 * `since`, by path relative to the run directory, base64. Other workstreams' gates write beside it
 * at the same time (their caches come and go): only this workstream's own folder is read.
 */
async function filesWrittenSince(
  runDirectory: string,
  evidence: string,
  since: number,
): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const folder = join(runDirectory, evidence);
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = await stat(path)
      .then(async ({ mtimeMs }) => (mtimeMs + 1000 < since ? null : await readFile(path)))
      .catch(() => null);
    if (content !== null) files[relative(runDirectory, path)] = content.toString("base64");
  }
  return files;
}

/** Checkout gates never ask the forge; one that did would be a bug, said plainly. */
const forgeNotOnHosts = new Proxy({} as Forge, {
  get: (_target, name) => () => {
    throw new Error(
      `a gate asked the forge (${String(name)}) on a worker host: only the supervisor talks to it`,
    );
  },
});
