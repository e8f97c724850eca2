/**
 * Each workstream's sandboxed commands keep HOME in its run folder: the worker's whole HOME, the
 * gates' caches only. What a worker plants in its HOME as configuration never reaches a gate, a
 * gate's cache stays warm from one claim to the next, and no workstream sees another's. Real bwrap,
 * real npm, real cargo and go where they are installed.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { workstreamHomes } from "../../src/cli/commands/run/workstream-homes.ts";
import {
  type CommandRunner,
  checkIsolationAvailable,
  createCommandRunner,
  createRunIsolation,
  withHome,
} from "../../src/sandbox/index.ts";

const availability = await checkIsolationAvailable();
const isSkipped = !availability.available && process.env.CI === undefined;
const realHome = homedir();
const cargoBin = join(realHome, ".cargo", "bin");
const hasCargo = existsSync(join(cargoBin, "cargo")) && existsSync(join(realHome, ".rustup"));
const goPath = ["/usr/bin/go", "/usr/local/go/bin/go"].find((path) => existsSync(path));
const nodeFolder = dirname(process.execPath);

let root: string;
let home: string;
let runDirectory: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-homes-"));
  home = join(root, "user-home");
  runDirectory = join(root, "state", "runs", "run-1");
  for (const folder of ["user-home", "checkout", "other-checkout", "repository", "mirror", "state"]) {
    await mkdir(join(root, folder), { recursive: true });
  }
  await writeFile(join(root, "state", "socket"), "");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The run's runner, as `supervise` builds it: the state dir (and the homes in it) hidden. */
function runRunner(readOnly: string[] = []): CommandRunner {
  return createCommandRunner({
    isolate: createRunIsolation({
      stateDirectory: join(root, "state"),
      userRepository: join(root, "repository"),
      mirrorPath: join(root, "mirror"),
      socketPath: join(root, "state", "socket"),
      readOnly: [nodeFolder, ...readOnly],
      network: "none",
      home,
    }),
  });
}

function roles(workstreamId: string, readOnly: string[] = []) {
  const homes = workstreamHomes(runDirectory);
  const runner = runRunner(readOnly);
  return {
    worker: withHome(runner, homes.worker(workstreamId)),
    gates: withHome(runner, homes.gates(workstreamId)),
  };
}

async function run(
  runner: CommandRunner,
  command: string,
  env: Record<string, string> = {},
  cwd = "checkout",
) {
  const result = await runner.run({
    command,
    cwd: join(root, cwd),
    env: { PATH: `${nodeFolder}:/usr/bin:/bin`, HOME: home, ...env },
    timeoutMs: 120_000,
  });
  return result;
}

describe.skipIf(isSkipped)("a workstream's HOMEs in the sandbox", () => {
  it("keeps the worker's whole HOME between its commands, in the run folder", async () => {
    const { worker } = roles("ws1");
    await run(
      worker,
      'echo "registry=https://example.invalid/" > ~/.npmrc && mkdir -p ~/.cache/tool && echo warm > ~/.cache/tool/x',
    );
    const second = await run(worker, "cat ~/.npmrc ~/.cache/tool/x; echo HOME=$HOME");
    expect(second.output).toBe(`registry=https://example.invalid/\nwarm\nHOME=${home}\n`);
    expect(await readdir(join(runDirectory, "workstreams", "ws1", "home"))).toEqual([".cache", ".npmrc"]);
    // The user's own HOME folder was never written: the run folder's copy was mounted over it.
    expect(await readdir(home)).toEqual([]);
  });

  it("mounts a toolchain under HOME where it belongs, whatever the worker left on its path", async () => {
    await mkdir(join(home, ".cargo", "bin"), { recursive: true });
    await writeFile(join(home, ".cargo", "bin", "cargo"), "#!/bin/sh\necho cargo 1.0\n", { mode: 0o755 });
    await writeFile(join(home, ".cargo", "credentials.toml"), '[registry]\ntoken = "cio-secret"\n');
    const worker = workstreamHomes(runDirectory).worker("ws1");
    // A command without the toolchain (a bash tool call, where only the agent's command mounts its
    // install) can put a symlink where the toolchain is mounted next time.
    const plain = withHome(runRunner(), worker);
    await run(plain, "mkdir -p /tmp/elsewhere && ln -s /tmp/elsewhere ~/.cargo && ls -l ~ | grep -c -- '->'");
    const withToolchain = withHome(runRunner([join(home, ".cargo")]), worker);
    const result = await run(
      withToolchain,
      "~/.cargo/bin/cargo; cat ~/.cargo/credentials.toml; test -L ~/.cargo || echo not-a-link",
      {
        PATH: "/usr/bin:/bin",
      },
    );
    expect(result.output).toBe(
      `cargo 1.0\ncat: ${home}/.cargo/credentials.toml: Permission denied\nnot-a-link\n`,
    );
  });

  it("gives gates an empty HOME each time with only ~/.cache kept, and none of the worker's", async () => {
    const { worker, gates } = roles("ws1");
    await run(worker, "echo '[alias]' > ~/.gitconfig && mkdir -p ~/.cache && echo worker > ~/.cache/mine");
    const plant = await run(
      gates,
      'echo "script-shell=/bin/true" > ~/.npmrc && mkdir -p ~/.cache/go-build && echo gate > ~/.cache/go-build/entry',
    );
    expect(plant.exitCode, plant.output).toBe(0);
    const next = await run(
      gates,
      'echo "home: [$(ls -A ~)]"; cat ~/.cache/go-build/entry; ls ~/.cache; env | grep -E "^(XDG_CACHE_HOME|GOMODCACHE|npm_config_cache)=" | sort',
    );
    expect(next.output).toBe(
      [
        "home: [.cache]",
        "gate",
        "go-build",
        `GOMODCACHE=${home}/.cache/go-mod`,
        `XDG_CACHE_HOME=${home}/.cache`,
        `npm_config_cache=${home}/.cache/npm`,
        "",
      ].join("\n"),
    );
  });

  it("does not let a worker's ~/.npmrc turn a failing `npm test` into a pass at the gate", async () => {
    await writeFile(
      join(root, "checkout", "package.json"),
      JSON.stringify({ name: "widget", version: "1.0.0", scripts: { test: "echo 'test failed' && exit 1" } }),
    );
    const { worker, gates } = roles("ws1");
    // script-shell=/bin/true runs every script as `/bin/true -c …`: exit 0, nothing run.
    await run(worker, 'echo "script-shell=/bin/true" > ~/.npmrc');
    expect((await run(worker, "npm test --silent")).exitCode).toBe(0);
    const gate = await run(gates, "npm test --silent");
    expect(gate.exitCode, gate.output).toBe(1);
    expect(gate.output).toContain("test failed");
  });

  it.skipIf(!hasCargo)(
    "does not let a worker's ~/.cargo/config.toml runner turn a failing `cargo test` into a pass at the gate",
    async () => {
      await writeFile(
        join(root, "checkout", "Cargo.toml"),
        '[package]\nname = "widget"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
      );
      await mkdir(join(root, "checkout", "src"));
      await writeFile(
        join(root, "checkout", "src", "lib.rs"),
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn broken() {\n        assert_eq!(1 + 1, 3);\n    }\n}\n",
      );
      // rustup's toolchains are named where they are; CARGO_HOME is ~/.cargo, where a system
      // cargo keeps it by default, so a config planted there is read.
      const { worker, gates } = roles("ws1", [cargoBin, join(realHome, ".rustup")]);
      const env = {
        PATH: `${cargoBin}:/usr/bin:/bin`,
        RUSTUP_HOME: join(realHome, ".rustup"),
        CARGO_HOME: join(home, ".cargo"),
      };
      await run(
        worker,
        `mkdir -p ~/.cargo && echo "[target.'cfg(all())']" > ~/.cargo/config.toml && echo 'runner = "/bin/true"' >> ~/.cargo/config.toml`,
        env,
      );
      const cheated = await run(worker, "cargo test --quiet --offline", env);
      expect(cheated.exitCode, cheated.output).toBe(0);
      const gate = await run(gates, "cargo test --quiet --offline", env);
      expect(gate.exitCode, gate.output).toBe(101);
      expect(gate.output).toContain("tests::broken");
    },
  );

  it("lets npm build and pack with its cache kept in the gates' folder", async () => {
    await writeFile(
      join(root, "checkout", "package.json"),
      JSON.stringify({
        name: "widget",
        version: "1.0.0",
        scripts: { build: "node -e \"require('fs').writeFileSync('dist.txt','built')\"" },
      }),
    );
    const { gates } = roles("ws1");
    const result = await run(gates, "npm run build --silent && cat dist.txt && npm pack --silent");
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain("built");
    expect(result.output).toContain("widget-1.0.0.tgz");
    expect(await readdir(join(runDirectory, "workstreams", "ws1", "gate-cache"))).toContain("npm");
  });

  // Skipped only where go is not installed, outside CI (.ci/run installs Debian's golang-go).
  it.skipIf(!goPath && !process.env.CI)(
    "lets go build and test with a build cache that stays warm for the workstream and is not another's",
    async () => {
      for (const checkout of ["checkout", "other-checkout"]) {
        await writeFile(join(root, checkout, "go.mod"), "module example.com/widget\n\ngo 1.19\n");
        await writeFile(
          join(root, checkout, "widget.go"),
          "package widget\n\nfunc Add(a, b int) int { return a + b }\n",
        );
        await writeFile(
          join(root, checkout, "widget_test.go"),
          'package widget\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 1) != 2 {\n\t\tt.Fatal("1+1")\n\t}\n}\n',
        );
      }
      const goFolder = dirname(goPath!);
      const env = { PATH: `${goFolder}:/usr/bin:/bin` };
      const first = roles("ws1");
      const cold = await run(first.gates, "go build ./... && go test -count=1 ./...", env);
      expect(cold.exitCode, cold.output).toBe(0);
      expect(cold.output).toMatch(/^ok\s+example\.com\/widget/m);
      const warm = await run(first.gates, "go build ./... && go test -count=1 ./...", env);
      expect(warm.exitCode, warm.output).toBe(0);
      const cache = join(runDirectory, "workstreams", "ws1", "gate-cache", "go-build");
      expect((await readdir(cache)).length).toBeGreaterThan(1);
      // Reported, not asserted: timings decide nothing in a test.
      console.info(
        `go build+test in a workstream's gates: cold ${cold.durationMs} ms, warm ${warm.durationMs} ms`,
      );

      const second = roles("ws2");
      const other = await run(
        second.gates,
        'ls -A ~/.cache; echo "[$(ls -A ~/.cache/go-build 2>/dev/null)]"',
        env,
        "other-checkout",
      );
      expect(other.output).toBe("[]\n");
      const built = await run(
        second.gates,
        "go build ./... && go test -count=1 ./...",
        env,
        "other-checkout",
      );
      expect(built.exitCode, built.output).toBe(0);
      expect(existsSync(join(runDirectory, "workstreams", "ws2", "gate-cache", "go-build"))).toBe(true);
    },
  );
});

describe.skipIf(!isSkipped)("a workstream's HOMEs in the sandbox", () => {
  it("needs bubblewrap", () => {
    expect(availability.available, `skipped: ${JSON.stringify(availability)}`).toBe(false);
  });
});
