/**
 * A run's sandbox gives every command an empty, writable HOME where the user's is: agents and
 * toolchains (Claude Code, go, npm, cargo) write caches and settings there and fail on a read-only
 * one, and nothing of the user's home shows. Real bwrap; skipped where it cannot run, outside CI.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkIsolationAvailable, createCommandRunner } from "../../src/sandbox/index.ts";
import { createRunIsolation } from "../../src/sandbox/run-isolation.ts";

const availability = await checkIsolationAvailable();
const isSkipped = !availability.available && process.env.CI === undefined;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-home-"));
  for (const folder of ["home/.ssh", "checkout", "state", "repository", "mirror"]) {
    await mkdir(join(root, folder), { recursive: true });
  }
  await writeFile(join(root, "home", ".ssh", "id_ed25519"), "PRIVATE KEY\n");
  await writeFile(join(root, "state", "socket"), "");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(isSkipped)("a run's sandbox and HOME", () => {
  it("mounts a toolchain under HOME read-only, without the credentials it keeps", async () => {
    const home = join(root, "home");
    await mkdir(join(home, ".cargo", "bin"), { recursive: true });
    await writeFile(join(home, ".cargo", "bin", "cargo"), "#!/bin/sh\necho cargo 1.0\n", { mode: 0o755 });
    await writeFile(join(home, ".cargo", "credentials.toml"), '[registry]\ntoken = "cio-secret"\n');
    const runner = createCommandRunner({
      isolate: createRunIsolation({
        stateDirectory: join(root, "state"),
        userRepository: join(root, "repository"),
        mirrorPath: join(root, "mirror"),
        socketPath: join(root, "state", "socket"),
        readOnly: [join(home, ".cargo")],
        network: "none",
        home,
      }),
    });
    const result = await runner.run({
      command: "cargo; cat ~/.cargo/credentials.toml; touch ~/.cargo/bin/x",
      cwd: join(root, "checkout"),
      env: { PATH: `${home}/.cargo/bin:/usr/bin:/bin`, HOME: home },
      timeoutMs: 30_000,
    });
    expect(result.output).toBe(
      `cargo 1.0\ncat: ${home}/.cargo/credentials.toml: Permission denied\ntouch: cannot touch '${home}/.cargo/bin/x': Read-only file system\n`,
    );
  });

  it("gives each command an empty, writable HOME where the user's is", async () => {
    const home = join(root, "home");
    const runner = createCommandRunner({
      isolate: createRunIsolation({
        stateDirectory: join(root, "state"),
        userRepository: join(root, "repository"),
        mirrorPath: join(root, "mirror"),
        socketPath: join(root, "state", "socket"),
        readOnly: [],
        network: "none",
        home,
      }),
    });
    const run = () =>
      runner.run({
        command:
          'echo "before: [$(ls -A ~)]"; mkdir -p ~/.cache/go-build && echo cached > ~/.cache/go-build/x && cat ~/.cache/go-build/x; cat ~/.ssh/id_ed25519',
        cwd: join(root, "checkout"),
        env: { PATH: "/usr/bin:/bin", HOME: home },
        timeoutMs: 30_000,
      });
    const first = await run();
    expect(first.output).toBe(
      `before: []\ncached\ncat: ${home}/.ssh/id_ed25519: No such file or directory\n`,
    );
    // Private to the command: the next one starts from an empty HOME again.
    expect((await run()).output.split("\n")[0]).toBe("before: []");
  });

  it("lets npm build and pack with its cache under the private HOME", async () => {
    const home = join(root, "home");
    const nodeFolder = dirname(process.execPath);
    await writeFile(
      join(root, "checkout", "package.json"),
      JSON.stringify({
        name: "widget",
        version: "1.0.0",
        scripts: { build: "node -e \"require('fs').writeFileSync('dist.txt','built')\"" },
      }),
    );
    const runner = createCommandRunner({
      isolate: createRunIsolation({
        stateDirectory: join(root, "state"),
        userRepository: join(root, "repository"),
        mirrorPath: join(root, "mirror"),
        socketPath: join(root, "state", "socket"),
        readOnly: [dirname(nodeFolder)],
        network: "none",
        home,
      }),
    });
    const result = await runner.run({
      command:
        "npm run build --silent && cat dist.txt && npm pack --silent && ls ~/.npm >/dev/null && echo cache-written",
      cwd: join(root, "checkout"),
      env: { PATH: `${nodeFolder}:/usr/bin:/bin`, HOME: home },
      timeoutMs: 60_000,
    });
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain("built");
    expect(result.output).toContain("widget-1.0.0.tgz");
    expect(result.output).toContain("cache-written");
  });
});
