/**
 * A process in a network namespace of its own (an unprivileged user namespace from `unshare`),
 * given a network by slirp4netns: its 127.0.0.1 is its own, and this machine's loopback is reached
 * only over TCP at `gatewayAddress`, as another machine's would be. Where the kernel or the tools do
 * not allow it, `isNetworkNamespaceAvailable()` says so and callers run the process plainly.
 */
import { execFileSync } from "node:child_process";
import { execa, type Options, type ResultPromise } from "execa";

/** slirp4netns's address for the outside machine's loopback, seen from inside the namespace. */
export const gatewayAddress = "10.0.2.2";

let available: boolean | undefined;

export function isNetworkNamespaceAvailable(): boolean {
  available ??= probe();
  return available;
}

function probe(): boolean {
  try {
    execFileSync("unshare", ["--user", "--map-root-user", "--net", "true"], { stdio: "ignore" });
    execFileSync("slirp4netns", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export interface NamespacedProcess {
  /** The program itself (its pid is the namespace's first process): kill it to kill the program. */
  process: ResultPromise;
  /** slirp4netns, which ends when the namespace's last process does. */
  network: ResultPromise;
}

/**
 * Starts `file args` in a new network namespace; the program is exec'd only once its network is
 * up (slirp4netns has added the namespace's default route), so its first connection finds it.
 */
export function startInNetworkNamespace(file: string, args: string[], options: Options): NamespacedProcess {
  const waitForRoute = 'until grep -q "^tap0" /proc/net/route; do sleep 0.05; done; exec "$@"';
  const process_ = execa(
    "unshare",
    ["--user", "--map-root-user", "--net", "sh", "-c", waitForRoute, "in-namespace", file, ...args],
    options,
  );
  const network = execa("slirp4netns", ["--configure", "--mtu=65520", String(process_.pid), "tap0"], {
    reject: false,
    stdio: "ignore",
  });
  return { process: process_, network };
}
