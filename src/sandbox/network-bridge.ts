/**
 * Inside a sandbox with an allow-listed network: a loopback port that leads to the run's proxy.
 * The sandbox's own network namespace has only loopback, and a proxy URL must be TCP for curl,
 * npm, git, pip and Node to use it, so a bridge inside turns `127.0.0.1:3128` into the proxy's
 * unix socket, which isolation binds in.
 *
 * The bridge is socat, as in @anthropic-ai/sandbox-runtime (NOTES-deps §12): a 400 KB Debian
 * package that starts in about a millisecond. Rejected: a Node bridge (40+ ms of Node start per
 * command, and the Node binary mounted into every sandbox), and sharing one network namespace per
 * run with the proxy listening in it (commands of different workstreams could then reach each
 * other's loopback servers).
 *
 * Pure, except `findNetworkBridge`, which looks for socat on disk.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";

/** The loopback port the bridge listens on, in each sandbox's private network namespace. */
export const bridgePort = 3128;

/** The proxy URL every allow-listed sandbox gets. */
export const bridgeProxyUrl = `http://127.0.0.1:${bridgePort}`;

/**
 * Where the run's proxy is and how to reach it from inside a sandbox: the proxy's unix socket on
 * the host (bound into the sandbox at the same path) and the absolute path of socat.
 */
export interface ProxiedNetwork {
  proxySocketPath: string;
  bridgePath: string;
  /** Loopback ports of the supervisor's machine the plan allows, each bridged in at its own port. */
  loopback?: readonly LoopbackBridge[];
}

/**
 * The variables that point programs at the bridge. Both spellings, since curl reads only the
 * lower-case `http_proxy` and some tools only the upper-case ones. Loopback stays direct: a test
 * talking to the server it started must not go through the proxy. NODE_USE_ENV_PROXY makes Node's
 * fetch and http honour them (Node 24).
 */
export function proxyEnvironment(): Record<string, string> {
  const direct = "localhost,127.0.0.1,::1";
  return {
    HTTP_PROXY: bridgeProxyUrl,
    HTTPS_PROXY: bridgeProxyUrl,
    ALL_PROXY: bridgeProxyUrl,
    http_proxy: bridgeProxyUrl,
    https_proxy: bridgeProxyUrl,
    all_proxy: bridgeProxyUrl,
    NO_PROXY: direct,
    no_proxy: direct,
    NODE_USE_ENV_PROXY: "1",
  };
}

/** A loopback port inside the sandbox that leads to a unix socket of the supervisor's. */
export interface LoopbackBridge {
  port: number;
  socketPath: string;
}

/** The port, inside each sandbox, of the run's model gateway (see src/gateway). */
export const gatewayBridgePort = 3129;

/**
 * The argv prefix that starts one socat per bridge inside the sandbox, waits until every one
 * listens, then execs the command (which stays the sandbox's main process, so its exit still ends
 * the sandbox and the bridges with it). Waiting matters: a command that connects before socat
 * listens would fail at random. The wait reads /proc/net/tcp with builtins only (no process per
 * check), and gives up when a socat exits, e.g. because its socket is gone.
 */
export function bridgeArgv(socatPath: string, bridges: readonly LoopbackBridge[]): string[] {
  const script = [
    'socat="$1"; count="$2"; shift 2',
    "pids=(); wanted=()",
    "for ((i = 0; i < count; i++)); do",
    '  "$socat" "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$2" </dev/null >/dev/null 2>&1 &',
    "  pids+=($!)",
    '  printf -v hex "%04X" "$1"',
    '  wanted+=(": 0100007F:$hex 00000000:0000 0A ")',
    "  shift 2",
    "done",
    "until mapfile -t lines </proc/net/tcp; all=1",
    '  for want in "${wanted[@]}"; do [[ "${lines[*]}" == *"$want"* ]] || all=0; done',
    "  ((all)); do",
    '  for pid in "${pids[@]}"; do',
    '    if ! kill -0 "$pid" 2>/dev/null; then',
    '      echo "supervise: a loopback bridge (socat) into the sandbox did not start." >&2',
    "      exit 125",
    "    fi",
    "  done",
    "done",
    'exec "$@"',
  ].join("\n");
  return [
    "/bin/bash",
    "--norc",
    "-c",
    script,
    "bash",
    socatPath,
    String(bridges.length),
    ...bridges.flatMap((bridge) => [String(bridge.port), bridge.socketPath]),
  ];
}

export type NetworkBridgeAvailability =
  | { available: true; bridgePath: string }
  | { available: false; reason: string };

/** Finds socat on `path` (a PATH value); a plan with an allow-list cannot run without it. */
export async function findNetworkBridge(path: string): Promise<NetworkBridgeAvailability> {
  for (const directory of path.split(":")) {
    if (!directory.startsWith("/")) continue;
    const candidate = join(directory, "socat");
    const isExecutable = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (isExecutable) return { available: true, bridgePath: candidate };
  }
  return {
    available: false,
    reason:
      "socat was not found; `sandbox.network.allow` needs it to bridge each sandbox to the run's proxy.",
  };
}
