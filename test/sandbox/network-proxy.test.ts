/**
 * The allow-list proxy on its own (requests sent to its unix socket) and through real bwrap, where
 * curl inside the sandbox finds it through the proxy variables. Every server is a loopback server
 * of this test, and refused hosts are refused before any lookup: nothing here reaches the internet.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CommandRequest,
  checkIsolationAvailable,
  createCommandRunner,
  createIsolation,
  findNetworkBridge,
  type NetworkDecision,
  type NetworkProxy,
  startLoopbackForwarder,
  startNetworkProxy,
} from "../../src/sandbox/index.ts";
import { testEnvironment } from "./process-fixtures.ts";

let root: string;
let proxy: NetworkProxy | undefined;
const servers: (Server | TcpServer)[] = [];

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "supervise-proxy-")));
});

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(root, { recursive: true, force: true });
});

/** A loopback HTTP server that answers with what it was asked, headers included. */
async function startUpstream(): Promise<{ port: number; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => response.end(`reached ${request.method} ${request.url} ${body}`.trimEnd()));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, seen };
}

async function startProxy(allow: string[], decisions: NetworkDecision[] = []): Promise<NetworkProxy> {
  proxy = await startNetworkProxy({
    socketPath: join(root, "proxy.sock"),
    allow,
    onDecision: (decision) => decisions.push(decision),
  });
  return proxy;
}

/** One request to the proxy's socket, as a client configured with the proxy would send it. */
function viaProxy(
  socketPath: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({
      socketPath,
      method: options.method ?? "GET",
      path: options.path,
      headers: options.headers,
    });
    request.on("response", (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.end(options.body);
  });
}

/** A CONNECT to the proxy: the status, and when it was accepted, what came back through the tunnel. */
function tunnel(
  socketPath: string,
  authority: string,
  send: string,
): Promise<{ status: number; received: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ socketPath, method: "CONNECT", path: authority });
    request.on("connect", (response, socket, head) => {
      let received = head.toString();
      socket.on("data", (chunk) => {
        received += chunk;
      });
      socket.on("end", () => resolve({ status: response.statusCode ?? 0, received }));
      socket.write(send);
    });
    request.on("response", (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, received: body }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("startNetworkProxy", () => {
  it("forwards plain http to an allowed host, without the client's proxy credentials", async () => {
    const upstream = await startUpstream();
    const decisions: NetworkDecision[] = [];
    const { socketPath } = await startProxy([`localhost:${upstream.port}`], decisions);
    const answer = await viaProxy(socketPath, {
      method: "POST",
      path: `http://localhost:${upstream.port}/packages?q=1`,
      headers: {
        host: `localhost:${upstream.port}`,
        "proxy-authorization": "Basic c2VjcmV0",
        "x-kept": "yes",
      },
      body: "payload",
    });
    expect(answer).toEqual({ status: 200, body: "reached POST /packages?q=1 payload" });
    expect(upstream.seen[0]?.["proxy-authorization"]).toBeUndefined();
    expect(upstream.seen[0]?.["x-kept"]).toBe("yes");
    expect(decisions).toEqual([{ host: "localhost", port: upstream.port, isAllowed: true }]);
  });

  it("sends the allowed host as Host, never the one the client names (no fronting to a host not listed)", async () => {
    const upstream = await startUpstream();
    const { socketPath } = await startProxy([`localhost:${upstream.port}`], []);
    const answer = await viaProxy(socketPath, {
      path: `http://localhost:${upstream.port}/`,
      headers: { host: "evil.example.com", connection: "x-private", "x-private": "drop me" },
    });
    expect(answer.status).toBe(200);
    expect(upstream.seen[0]?.host).toBe(`localhost:${upstream.port}`);
    expect(upstream.seen[0]?.["x-private"]).toBeUndefined();
  });

  it("answers 403 naming the plan field for a host that is not listed, and never contacts it", async () => {
    const upstream = await startUpstream();
    const { socketPath } = await startProxy(["registry.npmjs.org"]);
    const answer = await viaProxy(socketPath, { path: `http://localhost:${upstream.port}/` });
    expect(answer).toEqual({
      status: 403,
      body: `supervise: localhost:${upstream.port} is not on the sandbox's network allow-list. To allow it, add "localhost" (ports 80 and 443) or "localhost:${upstream.port}" to sandbox.network.allow in the plan.\n`,
    });
    expect(upstream.seen).toEqual([]);
  });

  it("tunnels CONNECT to an allowed host and refuses it to any other", async () => {
    // Answers the first bytes and hangs up, which ends the tunnel on both sides.
    const echo = createTcpServer((socket) => socket.once("data", (chunk) => socket.end(chunk)));
    servers.push(echo);
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const port = (echo.address() as AddressInfo).port;
    const { socketPath } = await startProxy([`127.0.0.1:${port}`]);

    expect(await tunnel(socketPath, `127.0.0.1:${port}`, "bytes through the tunnel")).toEqual({
      status: 200,
      received: "bytes through the tunnel",
    });
    const refused = await tunnel(socketPath, "not-listed.example:443", "");
    expect(refused.status).toBe(403);
    expect(refused.received).toContain('add "not-listed.example" (ports 80 and 443)');
  });

  it("answers 502 when an allowed host cannot be reached", async () => {
    // A port that was just free: nothing listens there any more.
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const { socketPath } = await startProxy([`127.0.0.1:${port}`]);
    expect(await viaProxy(socketPath, { path: `http://127.0.0.1:${port}/` })).toEqual({
      status: 502,
      body: `supervise: 127.0.0.1:${port} is allowed, but the proxy could not reach it (ECONNREFUSED).\n`,
    });
  });

  it("answers 400 to a request that is not for a proxy, and removes its socket when closed", async () => {
    const { socketPath } = await startProxy(["registry.npmjs.org"]);
    expect(await viaProxy(socketPath, { path: "/relative" })).toEqual({
      status: 400,
      body: "supervise: this is an HTTP proxy; send absolute http:// URLs, or CONNECT for https.\n",
    });
    await proxy?.close();
    proxy = undefined;
    expect(existsSync(socketPath)).toBe(false);
  });
});

const isolation = await checkIsolationAvailable();
const bridge = await findNetworkBridge(process.env.PATH ?? "/usr/bin:/bin");
const hasCurl = await findProgram("curl");
const skipReason = !isolation.available
  ? isolation.reason
  : !bridge.available
    ? bridge.reason
    : !hasCurl
      ? "curl was not found"
      : undefined;
const isSkipped = skipReason !== undefined && process.env.CI === undefined;
if (isSkipped) console.warn(`Skipping the sandboxed proxy tests: ${skipReason}`);

async function findProgram(name: string): Promise<boolean> {
  return (process.env.PATH ?? "").split(":").some((directory) => existsSync(join(directory, name)));
}

describe.skipIf(isSkipped)("an allow-listed sandbox, through real bwrap and curl", () => {
  async function runSandboxed(command: string, allow: string[]) {
    const checkout = join(root, "checkout");
    await mkdir(checkout, { recursive: true });
    const { socketPath } = await startProxy(allow);
    if (!bridge.available) throw new Error(bridge.reason);
    const runner = createCommandRunner({
      isolate: createIsolation({
        writable: [checkout],
        readOnly: [],
        hidden: [],
        sockets: [],
        network: { proxySocketPath: socketPath, bridgePath: bridge.bridgePath },
      }),
    });
    const request: CommandRequest = { command, cwd: checkout, env: testEnvironment(), timeoutMs: 20_000 };
    return runner.run(request);
  }

  it("points the proxy variables at the bridge", async () => {
    const result = await runSandboxed(
      "env | grep -i -E '^(https?|all|no)_proxy=|^NODE_USE_ENV_PROXY=' | sort",
      ["registry.npmjs.org"],
    );
    expect(result.output).toBe(
      [
        "ALL_PROXY=http://127.0.0.1:3128",
        "HTTPS_PROXY=http://127.0.0.1:3128",
        "HTTP_PROXY=http://127.0.0.1:3128",
        "NODE_USE_ENV_PROXY=1",
        "NO_PROXY=localhost,127.0.0.1,::1",
        "all_proxy=http://127.0.0.1:3128",
        "http_proxy=http://127.0.0.1:3128",
        "https_proxy=http://127.0.0.1:3128",
        "no_proxy=localhost,127.0.0.1,::1",
        "",
      ].join("\n"),
    );
  });

  it("reaches an allowed host through the proxy, plainly and through a CONNECT tunnel", async () => {
    const upstream = await startUpstream();
    // localhost is direct by NO_PROXY (a command's own servers live there), so curl is told to
    // use the proxy for it: the proxy then reaches the host's loopback server of this test.
    const url = `http://localhost:${upstream.port}/allowed`;
    const result = await runSandboxed(
      `curl -sS --noproxy '' ${url}; echo; curl -sS --noproxy '' --proxytunnel ${url}`,
      [`localhost:${upstream.port}`],
    );
    expect(result).toMatchObject({ exitCode: 0, output: "reached GET /allowed\nreached GET /allowed" });
  });

  it("reaches an allowed loopback port of the supervisor's machine directly, at the same address, and no other", async () => {
    const upstream = await startUpstream();
    const other = await startUpstream();
    const checkout = join(root, "checkout");
    await mkdir(checkout, { recursive: true });
    const { socketPath } = await startProxy([`127.0.0.1:${upstream.port}`]);
    const forwarder = await startLoopbackForwarder(upstream.port, join(root, "loopback.sock"));
    if (!bridge.available) throw new Error(bridge.reason);
    try {
      const runner = createCommandRunner({
        isolate: createIsolation({
          writable: [checkout],
          readOnly: [],
          hidden: [],
          sockets: [],
          network: {
            proxySocketPath: socketPath,
            bridgePath: bridge.bridgePath,
            loopback: [{ port: upstream.port, socketPath: forwarder.socketPath }],
          },
        }),
      });
      const result = await runner.run({
        command: `curl -sS http://127.0.0.1:${upstream.port}/direct; echo; curl -sS http://127.0.0.1:${other.port}/ 2>&1 | head -c 40`,
        cwd: checkout,
        env: testEnvironment(),
        timeoutMs: 20_000,
      });
      expect(result.output).toMatch(/^reached GET \/direct\ncurl: \(7\) Failed to connect to 127\.0\.0\.1/);
      expect(other.seen).toEqual([]);
    } finally {
      await forwarder.close();
    }
  });

  it("gets a 403 for a host that is not listed, over http and over CONNECT", async () => {
    const result = await runSandboxed(
      "curl -sS -w ' (%{http_code})\\n' http://not-listed.example/; curl -sS https://not-listed.example/",
      ["registry.npmjs.org"],
    );
    expect(result.output).toBe(
      [
        `supervise: not-listed.example:80 is not on the sandbox's network allow-list. To allow it, add "not-listed.example" (ports 80 and 443) or "not-listed.example:80" to sandbox.network.allow in the plan.`,
        " (403)",
        "curl: (56) CONNECT tunnel failed, response 403",
        "",
      ].join("\n"),
    );
  });

  it("cannot connect directly, around the proxy", async () => {
    const upstream = await startUpstream();
    // The host's loopback server is not in the sandbox's network namespace, and no other
    // address has a route (192.0.2.1 is TEST-NET-1, never routed anywhere).
    const result = await runSandboxed(
      `curl -sS --noproxy '*' http://127.0.0.1:${upstream.port}/; curl -sS --noproxy '*' --max-time 5 http://192.0.2.1/`,
      [`localhost:${upstream.port}`, "192.0.2.1"],
    );
    expect(result.output).toMatch(
      new RegExp(
        `^curl: \\(7\\) Failed to connect to 127\\.0\\.0\\.1 port ${upstream.port}.*\\ncurl: \\(7\\) Failed to connect to 192\\.0\\.2\\.1 port 80.*\\n$`,
      ),
    );
    expect(upstream.seen).toEqual([]);
  });
});
