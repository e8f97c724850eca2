/**
 * What a host of `sandbox.network.allow` means: the one definition, used by the plan schema to
 * validate and by the network proxy to decide. Pure.
 *
 * - `registry.npmjs.org`: that host exactly (case-insensitive), on port 80 or 443.
 * - `*.github.com`: any host below github.com (`api.github.com`, `a.b.github.com`), not github.com
 *   itself; list both when both are needed (the same rule as TLS wildcard certificates).
 * - `api.anthropic.com:443`, `localhost:8080`: that port only.
 * Without a port only the web ports are allowed: a plan that lists a registry has not said that
 * the same host's SSH or database ports are fine.
 * - `127.0.0.1:5432`, `localhost:5432`: a port of the supervisor's machine's loopback, bridged into
 *   each sandbox at the same address (a sandbox's own loopback is private); the port is required,
 *   and the ports of the sandbox's own bridges are refused. An IPv4 address is a host like any other; IPv6
 * literals and a bare `*` are refused (the latter is `network: host`).
 */

export interface HostPattern {
  /** Lower-case host, or for a wildcard the suffix after `*.`. */
  host: string;
  isWildcard: boolean;
  /** Undefined: the default ports. */
  port: number | undefined;
}

/** The ports a pattern without a port allows. */
export const defaultAllowedPorts: readonly number[] = [80, 443];

const label = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const hostName = new RegExp(`^${label}(?:\\.${label})*$`);

/** Why `text` is not a host pattern, in words for the plan's author; undefined when it is one. */
export function hostPatternProblem(text: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) || text.includes("/")) {
    return "expected a host name, not a URL (drop the scheme and path: registry.npmjs.org)";
  }
  const parsed = splitPort(text.toLowerCase());
  if (parsed.portText !== undefined) {
    const port = Number(parsed.portText);
    if (!/^\d+$/.test(parsed.portText) || port < 1 || port > 65_535) {
      return "expected a port from 1 to 65535 after the colon";
    }
  }
  const host = parsed.host;
  if (host === "*" || host === "") {
    return "expected a host name like registry.npmjs.org or *.github.com (for every host, use `network: host`)";
  }
  const name = host.startsWith("*.") ? host.slice(2) : host;
  if (name.includes("*")) {
    return "a wildcard is only allowed as the whole first label, as in *.github.com";
  }
  if (name.length > 253 || !hostName.test(name)) {
    return "expected a host name of letters, digits, hyphens and dots, like registry.npmjs.org";
  }
  return loopbackPatternProblem(text);
}

/** The loopback ports inside every sandbox that lead to the proxy and the model gateway. */
const reservedLoopbackPorts = new Set([3128, 3129]);

/** Whether `host` names the machine's own loopback interface. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Why a loopback entry cannot be bridged, or undefined (also for entries that are not loopback). */
export function loopbackPatternProblem(text: string): string | undefined {
  const { host, portText } = splitPort(text.toLowerCase());
  if (!isLoopbackHost(host)) return undefined;
  if (host !== "localhost" && host !== "127.0.0.1") {
    return "only 127.0.0.1 and localhost of the loopback are bridged into the sandbox";
  }
  if (portText === undefined) {
    return "a loopback entry needs its port (127.0.0.1:5432): each allowed loopback port is bridged into the sandbox on its own";
  }
  if (reservedLoopbackPorts.has(Number(portText))) {
    return `port ${portText} of the sandbox's loopback is taken by its bridge to the proxy (3128) or the model gateway (3129)`;
  }
  return undefined;
}

/** The loopback ports an allow-list bridges into each sandbox. */
export function allowedLoopbackPorts(patterns: readonly string[]): number[] {
  const ports = patterns.flatMap((text) => {
    const pattern = parseHostPattern(text);
    return !pattern.isWildcard && isLoopbackHost(pattern.host) && pattern.port !== undefined
      ? [pattern.port]
      : [];
  });
  return [...new Set(ports)];
}

/** Parses a pattern the plan schema has validated; anything else is a caller's bug. */
export function parseHostPattern(text: string): HostPattern {
  const problem = hostPatternProblem(text);
  if (problem !== undefined) {
    throw new TypeError(`Invalid host pattern ${JSON.stringify(text)}: ${problem}.`);
  }
  const { host, portText } = splitPort(text.toLowerCase());
  const isWildcard = host.startsWith("*.");
  return {
    host: isWildcard ? host.slice(2) : host,
    isWildcard,
    port: portText === undefined ? undefined : Number(portText),
  };
}

/** Whether a request for `host`:`port` is allowed by any of the patterns. */
export function isHostAllowed(patterns: readonly HostPattern[], host: string, port: number): boolean {
  // A fully qualified `example.com.` is the same host as `example.com`.
  const name = host.toLowerCase().replace(/\.$/, "");
  return patterns.some((pattern) => {
    const isPortAllowed =
      pattern.port === undefined ? defaultAllowedPorts.includes(port) : pattern.port === port;
    if (!isPortAllowed) return false;
    return pattern.isWildcard ? name.endsWith(`.${pattern.host}`) : name === pattern.host;
  });
}

function splitPort(text: string): { host: string; portText: string | undefined } {
  const index = text.lastIndexOf(":");
  if (index === -1) return { host: text, portText: undefined };
  return { host: text.slice(0, index), portText: text.slice(index + 1) };
}
