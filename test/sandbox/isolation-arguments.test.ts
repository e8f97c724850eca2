import { describe, expect, it } from "vitest";
import { isolationArguments, type SandboxLayout } from "../../src/sandbox/isolation-arguments.ts";

const namespaces = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"];
const base = ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"];

function layout(extra: Partial<SandboxLayout> = {}): SandboxLayout {
  return {
    system: [],
    writable: ["/work/checkout"],
    readOnly: [],
    hidden: [],
    sockets: [],
    home: undefined,
    workingDirectory: "/work/checkout",
    network: "none",
    ...extra,
  };
}

describe("isolationArguments", () => {
  it("mounts the system read-only, recreates merged-/usr symlinks and makes the root read-only", () => {
    const system = [{ path: "/usr" }, { path: "/bin", symlinkTarget: "usr/bin" }, { path: "/etc" }];
    expect(isolationArguments(layout({ system }))).toEqual([
      ...namespaces,
      "--ro-bind",
      "/usr",
      "/usr",
      "--symlink",
      "usr/bin",
      "/bin",
      "--ro-bind",
      "/etc",
      "/etc",
      ...base,
      "--bind",
      "/work/checkout",
      "/work/checkout",
      "--remount-ro",
      "/",
      "--chdir",
      "/work/checkout",
    ]);
  });

  it("shares the host's network only when asked", () => {
    expect(isolationArguments(layout({ network: "host" })).slice(0, 2)).toEqual([
      "--unshare-all",
      "--share-net",
    ]);
    expect(isolationArguments(layout())).not.toContain("--share-net");
  });

  it("gives HOME a private tmpfs unless a writable path holds it", () => {
    expect(isolationArguments(layout({ home: "/home/alice" }))).toEqual([
      ...namespaces,
      ...base,
      "--tmpfs",
      "/home/alice",
      "--bind",
      "/work/checkout",
      "/work/checkout",
      "--remount-ro",
      "/",
      "--chdir",
      "/work/checkout",
    ]);
    expect(isolationArguments(layout({ home: "/work/checkout/.home" }))).not.toContain(
      "/work/checkout/.home",
    );
  });

  it("mounts a persistent HOME where HOME is: whole, or only its ~/.cache over the tmpfs, toolchains above", () => {
    const toolchain = { readOnly: ["/home/alice/.cargo"] };
    expect(
      isolationArguments(
        layout({
          home: "/home/alice",
          persistentHome: { kind: "whole", directory: "/state/runs/r/workstreams/ws1/home" },
          ...toolchain,
          // Shown from the run folder, not from the user's HOME: nothing of the user's to mask.
          hidden: [{ path: "/home/alice/.ssh", isDirectory: true }],
        }),
      ),
    ).toEqual([
      ...namespaces,
      ...base,
      "--bind",
      "/state/runs/r/workstreams/ws1/home",
      "/home/alice",
      "--bind",
      "/work/checkout",
      "/work/checkout",
      "--ro-bind",
      "/home/alice/.cargo",
      "/home/alice/.cargo",
      "--remount-ro",
      "/",
      "--chdir",
      "/work/checkout",
    ]);
    expect(
      isolationArguments(
        layout({
          home: "/home/alice",
          persistentHome: { kind: "caches", directory: "/state/runs/r/workstreams/ws1/gate-cache" },
          ...toolchain,
        }),
      ),
    ).toEqual([
      ...namespaces,
      ...base,
      "--tmpfs",
      "/home/alice",
      "--bind",
      "/work/checkout",
      "/work/checkout",
      "--bind",
      "/state/runs/r/workstreams/ws1/gate-cache",
      "/home/alice/.cache",
      "--ro-bind",
      "/home/alice/.cargo",
      "/home/alice/.cargo",
      "--remount-ro",
      "/",
      "--chdir",
      "/work/checkout",
    ]);
  });

  it("masks a hidden path only where a mounted host directory would show it", () => {
    const argumentsList = isolationArguments(
      layout({
        system: [{ path: "/etc" }],
        readOnly: ["/srv/source"],
        home: "/home/alice",
        hidden: [
          { path: "/etc/shadow", isDirectory: false },
          { path: "/srv/source/.env", isDirectory: false },
          { path: "/srv/source/secrets", isDirectory: true },
          // Under the private HOME tmpfs and under bwrap's empty root: nothing to mask.
          { path: "/home/alice/.ssh", isDirectory: true },
          { path: "/var/state", isDirectory: true },
        ],
      }),
    );
    expect(argumentsList).toEqual([
      ...namespaces,
      "--ro-bind",
      "/etc",
      "/etc",
      ...base,
      "--tmpfs",
      "/home/alice",
      "--bind",
      "/work/checkout",
      "/work/checkout",
      "--ro-bind",
      "/srv/source",
      "/srv/source",
      "--ro-bind",
      "/dev/null",
      "/etc/shadow",
      "--ro-bind",
      "/dev/null",
      "/srv/source/.env",
      "--tmpfs",
      "/srv/source/secrets",
      "--remount-ro",
      "/srv/source/secrets",
      "--remount-ro",
      "/",
      "--chdir",
      "/work/checkout",
    ]);
  });

  it("mounts a checkout, the mirror and a socket inside a hidden state dir, and seals the state dir last", () => {
    const argumentsList = isolationArguments(
      layout({
        readOnly: ["/srv", "/srv/state/git/mirror.git"],
        writable: ["/srv/state/checkouts/a"],
        sockets: ["/srv/state/tool.sock"],
        hidden: [{ path: "/srv/state", isDirectory: true }],
        workingDirectory: "/srv/state/checkouts/a",
      }),
    );
    expect(argumentsList).toEqual([
      ...namespaces,
      ...base,
      "--ro-bind",
      "/srv",
      "/srv",
      "--tmpfs",
      "/srv/state",
      "--ro-bind",
      "/srv/state/tool.sock",
      "/srv/state/tool.sock",
      "--bind",
      "/srv/state/checkouts/a",
      "/srv/state/checkouts/a",
      "--ro-bind",
      "/srv/state/git/mirror.git",
      "/srv/state/git/mirror.git",
      "--remount-ro",
      "/srv/state",
      "--remount-ro",
      "/",
      "--chdir",
      "/srv/state/checkouts/a",
    ]);
  });

  it("skips a bind that its parent already shows with the same access", () => {
    const argumentsList = isolationArguments(
      layout({ readOnly: ["/opt/tools", "/opt/tools/node/bin"], writable: ["/opt/tools/cache"] }),
    );
    expect(argumentsList).not.toContain("/opt/tools/node/bin");
    expect(argumentsList).toContain("/opt/tools/cache");
  });

  it("lets the stricter role win when the policy names a path twice", () => {
    const readOnlyWins = isolationArguments(layout({ readOnly: ["/work/checkout"] }));
    expect(readOnlyWins).toContain("--ro-bind");
    expect(readOnlyWins).not.toContain("--bind");
    const hiddenWins = isolationArguments(
      layout({ readOnly: ["/srv"], writable: ["/srv/x"], hidden: [{ path: "/srv/x", isDirectory: true }] }),
    );
    expect(hiddenWins).not.toContain("--bind");
    expect(hiddenWins).toContain("--tmpfs");
  });
});
