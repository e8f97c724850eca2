/**
 * OS isolation for every command a worker's code runs: the `isolate` hook of createCommandRunner,
 * wrapping each invocation in bubblewrap (`bwrap … -- /bin/bash -c …`).
 *
 * Why we write the bwrap arguments ourselves instead of using @anthropic-ai/sandbox-runtime (srt),
 * which also drives bwrap on Linux (NOTES-deps §12):
 * - Latency. Every gate, CI and worker command goes through here. Through createCommandRunner this
 *   isolation added 6.5 ms to a `true` (median of 50, 2 cores; 10-14 ms while other suites ran);
 *   srt's wrapWithSandbox plus its shell wrapper added ~28 ms.
 * - Reads. srt mounts the host's `/` and denies listed paths; we mount an allow-list, so secrets
 *   nobody listed stay invisible.
 * - Shape. srt is a process-wide SandboxManager that starts HTTP/SOCKS proxies at initialize();
 *   we need one stateless policy per workstream. For a host allow-list we borrow its design (a
 *   proxy outside, socat inside, see network-proxy.ts and network-bridge.ts) in ~300 lines we own;
 *   the filtering relies on programs honouring proxy variables either way, and a program that
 *   ignores them still has no route out.
 * - It is a 0.0.x research preview; bwrap is the stable layer beneath it and a Debian package.
 */
import { lstat, mkdir, readlink, realpath, stat, unlink } from "node:fs/promises";
import { isAbsolute } from "node:path";
import {
  type HiddenPath,
  isInside,
  isolationArguments,
  privateTemporaryDirectory,
  type SandboxLayout,
  type SystemEntry,
} from "./isolation-arguments.ts";
import { bridgeArgv, bridgePort, type ProxiedNetwork, proxyEnvironment } from "./network-bridge.ts";
import type { CommandInvocation, IsolateCommand } from "./run-command.ts";

export interface IsolationPolicy {
  /** Directories the command may write (the checkout; a private temp dir is always added). */
  writable: string[];
  /**
   * Directories it may read but not write, beyond the usual system directories: the mirror a
   * checkout borrows objects from (alternates), the node binary's directory, the supervise source
   * for the `supervise` shim.
   */
  readOnly: string[];
  /**
   * Paths that must be invisible inside mounted directories: the state dir, ~/.ssh, ~/.aws, the
   * user's repository, other checkouts, `.env` files. A path under no mounted directory is
   * invisible anyway; listing it costs nothing.
   */
  hidden: string[];
  /** Unix sockets to bind in (the supervisor's tool socket, so `supervise tool` still works). */
  sockets: string[];
  /**
   * `none`: a network namespace of its own, loopback only. `host`: the host's network. A proxied
   * network: loopback only too, plus a bridge to the run's filtering proxy, which decides which
   * hosts the command reaches (see network-proxy.ts).
   */
  network: "none" | "host" | ProxiedNetwork;
}

export interface IsolationOptions {
  /** The bwrap program; default `bwrap`, found on the command's PATH. */
  bwrapPath?: string;
}

/**
 * Mounted read-only when present. Merged-/usr systems have symlinks for /bin, /lib…, which are
 * recreated as symlinks (no mount needed). /opt holds tools some projects install there.
 * Not mounted: /home, /root, /var, /run, /srv, /mnt, /media, /sys and whatever else is at the top.
 */
export const systemDirectories: readonly string[] = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/etc",
  "/opt",
];

/** Readable only by root in /etc, which is mounted whole: hidden, as a root supervisor could read them. */
export const systemSecrets: readonly string[] = [
  "/etc/shadow",
  "/etc/shadow-",
  "/etc/gshadow",
  "/etc/gshadow-",
];

/** A path the policy names as writable, read-only or a socket does not exist: a bug in the caller's setup. */
export class IsolationPathError extends Error {
  readonly path: string;

  constructor(path: string, role: string) {
    super(`Cannot isolate the command: its ${role} path ${path} does not exist.`);
    this.name = "IsolationPathError";
    this.path = path;
  }
}

/**
 * Returns the hook for createCommandRunner's `isolate` option. The paths are looked at again for
 * every command (a checkout or socket may appear or move during a run); the system directories
 * once. TMPDIR points at the private temporary directory, an empty tmpfs that ends with the command.
 * HOME, unless a writable path holds it, is an empty private tmpfs too: tools that keep caches
 * there still work, and nothing of the user's home (keys, tokens, configs) shows. A command given
 * a persistent HOME (`CommandRequest.home`) gets that folder there instead, whole or as ~/.cache.
 */
export function createIsolation(policy: IsolationPolicy, options: IsolationOptions = {}): IsolateCommand {
  validatePolicy(policy);
  const bwrapPath = options.bwrapPath ?? "bwrap";
  let system: Promise<SystemEntry[]> | undefined;
  return async (invocation: CommandInvocation): Promise<CommandInvocation> => {
    system ??= inspectSystem(policy.network);
    const layout = await inspectLayout(policy, invocation, await system);
    const proxied = typeof policy.network === "object" ? policy.network : undefined;
    const bridges = [
      ...(proxied === undefined ? [] : [{ port: bridgePort, socketPath: proxied.proxySocketPath }]),
      ...(proxied?.loopback ?? []),
      ...(invocation.loopback?.bridges ?? []),
    ];
    const socatPath = proxied?.bridgePath ?? invocation.loopback?.socatPath;
    return {
      argv: [
        bwrapPath,
        ...isolationArguments(layout),
        "--",
        ...(bridges.length === 0 || socatPath === undefined ? [] : bridgeArgv(socatPath, bridges)),
        ...invocation.argv,
      ],
      cwd: invocation.cwd,
      // bwrap hands its own environment to the command, so the tree's markers stay on every process.
      env: {
        ...(invocation.home === undefined || invocation.env.HOME === undefined
          ? {}
          : cacheEnvironment(invocation.env.HOME)),
        ...invocation.env,
        ...(proxied === undefined ? {} : proxyEnvironment()),
        TMPDIR: privateTemporaryDirectory,
      },
    };
  };
}

async function inspectLayout(
  policy: IsolationPolicy,
  invocation: CommandInvocation,
  system: SystemEntry[],
): Promise<SandboxLayout> {
  const proxied = typeof policy.network === "object" ? policy.network : undefined;
  const loopback = invocation.loopback;
  const sockets = [
    ...policy.sockets,
    ...(proxied === undefined ? [] : [proxied.proxySocketPath]),
    ...(proxied?.loopback?.map((bridge) => bridge.socketPath) ?? []),
    ...(loopback?.bridges.map((bridge) => bridge.socketPath) ?? []),
  ];
  // socat must be visible inside; it usually is, under /usr, and then this mount is skipped.
  const readOnly = [
    ...policy.readOnly,
    ...(proxied === undefined ? [] : [proxied.bridgePath]),
    ...(loopback === undefined ? [] : [loopback.socatPath]),
  ];
  const [writable, readOnlyPaths, socketPaths, hidden, home, workingDirectory, persistentHome] =
    await Promise.all([
      Promise.all(policy.writable.map((path) => requiredRealPath(path, "writable"))),
      Promise.all(readOnly.map((path) => requiredRealPath(path, "read-only"))),
      Promise.all(sockets.map((path) => requiredRealPath(path, "socket"))),
      Promise.all([...systemSecrets, ...policy.hidden].map(inspectHidden)),
      invocation.env.HOME === undefined ? undefined : realPathOrItself(invocation.env.HOME),
      realPathOrItself(invocation.cwd),
      persistentHomeOf(invocation),
    ]);
  if (persistentHome?.kind === "whole" && home !== undefined) {
    await unlinkSymlinksOnMountPaths(persistentHome.directory, home, [
      ...readOnlyPaths,
      ...socketPaths,
      ...hidden.flatMap((entry) => (entry === undefined ? [] : [entry.path])),
    ]);
  }
  return {
    system,
    writable,
    readOnly: readOnlyPaths,
    sockets: socketPaths,
    hidden: hidden.filter((path) => path !== undefined),
    home,
    ...(persistentHome === undefined ? {} : { persistentHome }),
    workingDirectory,
    network: policy.network === "host" ? "host" : "none",
  };
}

/** Made on first use, private to the supervisor's user: later commands given it find what earlier ones kept. */
async function persistentHomeOf(invocation: CommandInvocation): Promise<SandboxLayout["persistentHome"]> {
  if (invocation.home === undefined || invocation.env.HOME === undefined) return undefined;
  await mkdir(invocation.home.directory, { recursive: true, mode: 0o700 });
  return { kind: invocation.home.kind, directory: await realpath(invocation.home.directory) };
}

/**
 * A whole persistent HOME is the worker's to write, and the toolchains mounted inside HOME
 * (`~/.cargo`, an agent under `~/.local`) are mounted onto paths in it: a symlink the worker left
 * on such a path would carry the mount (and a mask hiding a credential) somewhere else. Each one is
 * removed before the command starts; bwrap then makes the mount point afresh.
 */
async function unlinkSymlinksOnMountPaths(directory: string, home: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    if (!path.startsWith(`${home}/`)) continue;
    let current = directory;
    for (const part of path.slice(home.length + 1).split("/")) {
      current = `${current}/${part}`;
      const status = await lstat(current).catch(() => undefined);
      if (status === undefined) break;
      if (status.isSymbolicLink()) {
        await unlink(current);
        break;
      }
    }
  }
}

/**
 * Where toolchains keep what they download and build, all under `~/.cache`, so a `caches` HOME
 * keeps them and nothing else: Go's build cache already defaults there (through XDG_CACHE_HOME),
 * but its module cache defaults to ~/go/pkg/mod and npm's to ~/.npm. pip and yarn use ~/.cache by
 * default; cargo's target/ is in the checkout. A value the command is given explicitly wins.
 */
function cacheEnvironment(home: string): Record<string, string> {
  return {
    XDG_CACHE_HOME: `${home}/.cache`,
    GOMODCACHE: `${home}/.cache/go-mod`,
    npm_config_cache: `${home}/.cache/npm`,
  };
}

async function inspectSystem(network: IsolationPolicy["network"]): Promise<SystemEntry[]> {
  const entries = await Promise.all(systemDirectories.map(inspectSystemEntry));
  const system = entries.filter((entry) => entry !== undefined);
  if (network === "host") {
    // /etc/resolv.conf is often a symlink into /run (systemd-resolved, NetworkManager): its
    // directory is mounted too, or DNS fails with the host's network in reach.
    const resolver = await realpath("/etc/resolv.conf").catch(() => undefined);
    const isVisible = system.some((entry) => resolver !== undefined && isInside(resolver, entry.path));
    if (resolver !== undefined && !isVisible) {
      system.push({ path: resolver.slice(0, resolver.lastIndexOf("/")) || "/" });
    }
  }
  return system;
}

async function inspectSystemEntry(path: string): Promise<SystemEntry | undefined> {
  const status = await lstat(path).catch(() => undefined);
  if (status === undefined) return undefined;
  if (status.isSymbolicLink()) return { path, symlinkTarget: await readlink(path) };
  return status.isDirectory() ? { path } : undefined;
}

async function inspectHidden(path: string): Promise<HiddenPath | undefined> {
  try {
    const real = await realpath(path);
    return { path: real, isDirectory: (await stat(real)).isDirectory() };
  } catch {
    return undefined;
  }
}

async function requiredRealPath(path: string, role: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    throw new IsolationPathError(path, role);
  }
}

/** A HOME that does not exist still gets its private tmpfs, at the path the command was given. */
async function realPathOrItself(path: string): Promise<string> {
  return realpath(path).catch(() => path);
}

function validatePolicy(policy: IsolationPolicy): void {
  const lists = {
    writable: policy.writable,
    readOnly: policy.readOnly,
    hidden: policy.hidden,
    sockets: policy.sockets,
  };
  for (const [name, paths] of Object.entries(lists)) {
    for (const path of paths) {
      if (!isAbsolute(path)) {
        throw new TypeError(`Expected every \`${name}\` path to be absolute, got ${JSON.stringify(path)}.`);
      }
    }
  }
  const network = policy.network;
  const isProxied =
    typeof network === "object" &&
    network !== null &&
    isAbsolute(network.proxySocketPath) &&
    isAbsolute(network.bridgePath);
  if (network !== "none" && network !== "host" && !isProxied) {
    throw new TypeError(
      `Expected \`network\` to be "none", "host" or { proxySocketPath, bridgePath } with absolute paths, got ${JSON.stringify(network)}.`,
    );
  }
}
