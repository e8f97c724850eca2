import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createIsolation } from "../../src/sandbox/index.ts";
import { bridgeArgv, findNetworkBridge } from "../../src/sandbox/network-bridge.ts";

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-bridge-"));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("the network bridge", () => {
  it("finds socat on the PATH, skipping relative entries", async () => {
    const socat = join(root, "socat");
    await writeFile(socat, "#!/bin/sh\n");
    await chmod(socat, 0o755);
    expect(await findNetworkBridge(`relative/bin:${join(root, "missing")}:${root}`)).toEqual({
      available: true,
      bridgePath: socat,
    });
  });

  it("says what is missing and why it is needed when socat is not there", async () => {
    expect(await findNetworkBridge(join(root, "missing"))).toEqual({
      available: false,
      reason:
        "socat was not found; `sandbox.network.allow` needs it to bridge each sandbox to the run's proxy.",
    });
  });

  it("starts one socat per loopback port, waits for all to listen, then execs the command", () => {
    const argv = bridgeArgv("/usr/bin/socat", [
      { port: 3128, socketPath: "/run/s/proxy.sock" },
      { port: 3129, socketPath: "/run/s/gateway.sock" },
    ]);
    expect(argv.slice(0, 3)).toEqual(["/bin/bash", "--norc", "-c"]);
    expect(argv.slice(4)).toEqual([
      "bash",
      "/usr/bin/socat",
      "2",
      "3128",
      "/run/s/proxy.sock",
      "3129",
      "/run/s/gateway.sock",
    ]);
    expect(argv[3]).toContain('"$socat" "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" "UNIX-CONNECT:$2"');
    // 0A is LISTEN in /proc/net/tcp; the port is written in hex as the kernel does.
    expect(argv[3]).toContain('wanted+=(": 0100007F:$hex 00000000:0000 0A ")');
    expect(argv[3]).toMatch(/exec "\$@"$/);
  });

  it("refuses a proxied network whose paths are not absolute", () => {
    expect(() =>
      createIsolation({
        writable: [],
        readOnly: [],
        hidden: [],
        sockets: [],
        network: { proxySocketPath: "proxy.sock", bridgePath: "/usr/bin/socat" },
      }),
    ).toThrow(
      'Expected `network` to be "none", "host" or { proxySocketPath, bridgePath } with absolute paths, got {"proxySocketPath":"proxy.sock","bridgePath":"/usr/bin/socat"}.',
    );
  });
});
