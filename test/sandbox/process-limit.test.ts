/**
 * The process bound through real processes: a bounded fork storm (2000 sleeping children asked
 * for, never an unbounded bomb) stopped at the bound, with whatever mechanism this machine
 * offers, then nothing of it left running. Skipped, with the reason, only where no bound is
 * possible (root without a writable pids cgroup), which status and bundles then report.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { cgroupCandidates } from "../../src/sandbox/cgroup-discovery.ts";
import {
  type CommandRequest,
  checkIsolationAvailable,
  createCommandRunner,
  createIsolation,
  createProcessLimit,
  findProcessesWithMarker,
} from "../../src/sandbox/index.ts";
import { isRunning, testEnvironment } from "./process-fixtures.ts";

const maxProcesses = 64;
const processLimit = await createProcessLimit({ maxProcesses });
const isolation = await checkIsolationAvailable();
const isRoot = process.getuid?.() === 0;
// Unlike bwrap, CI cannot install a bound: root in a container with a read-only cgroup tree has none.
const isSkipped = processLimit.facts.kind === "none";
if (isSkipped) console.warn(`Skipping the fork storm tests: ${processLimit.facts.detail}`);

afterAll(async () => {
  await processLimit.close();
});

let checkout: string;

beforeEach(async () => {
  checkout = await realpath(await mkdtemp(join(tmpdir(), "supervise-process-limit-")));
});

afterEach(async () => {
  await rm(checkout, { recursive: true, force: true });
});

/**
 * Forks up to 2000 children that sleep, stops at the first failed fork and says why. The children
 * are left running unless `endsChildren`: ending them is the runner's job.
 */
function forkStorm(options: { endsChildren: boolean } = { endsChildren: false }): string {
  return [
    "perl -e '",
    "my ($spawned, @children) = (0);",
    "for (1 .. 2000) {",
    "  my $pid = fork;",
    '  if (!defined $pid) { print "fork failed after $spawned children: $!\\n"; last }',
    "  if ($pid == 0) { sleep 300; exit 0 }",
    "  $spawned++; push @children, $pid;",
    "}",
    options.endsChildren ? "kill 'KILL', @children; waitpid($_, 0) for @children;" : "",
    'print "asked for 2000, got $spawned\\n";',
    "'",
  ].join(" ");
}

function request(command: string): CommandRequest {
  return { command, cwd: checkout, env: testEnvironment(), timeoutMs: 30_000 };
}

/** The command cgroups of this test process's run cgroups that still exist. */
async function leftoverCommandCgroups(): Promise<string[]> {
  const [selfCgroup, mountInfo] = await Promise.all([
    readFile("/proc/self/cgroup", "utf8"),
    readFile("/proc/self/mountinfo", "utf8"),
  ]);
  const leftovers: string[] = [];
  for (const { directory } of cgroupCandidates(selfCgroup, mountInfo)) {
    const runs = (await readdir(directory).catch(() => [])).filter((name) =>
      name.startsWith(`supervise-${process.pid}-`),
    );
    for (const run of runs) {
      const entries = await readdir(join(directory, run), { withFileTypes: true });
      leftovers.push(
        ...entries.filter((entry) => entry.isDirectory()).map((entry) => join(directory, run, entry.name)),
      );
    }
  }
  return leftovers;
}

function expectStormStopped(output: string, bound: number | null): void {
  const failed =
    /fork failed after (\d+) children: Resource temporarily unavailable\nasked for 2000, got (\d+)\n$/.exec(
      output,
    );
  expect(failed, output).not.toBeNull();
  const spawned = Number(failed?.[1]);
  expect(Number(failed?.[2])).toBe(spawned);
  expect(spawned).toBeGreaterThan(0);
  // The bound counts the wrapper, bwrap and perl too; RLIMIT_NPROC counts the user's other tasks.
  if (bound !== null) expect(spawned).toBeLessThan(bound);
}

const bound = processLimit.facts.kind.startsWith("cgroup") ? maxProcesses : null;

describe.skipIf(isSkipped)(`a fork storm under the process limit (${processLimit.facts.kind})`, () => {
  it.skipIf(!isolation.available)(
    "is stopped at the bound inside bwrap, and nothing of it is left",
    async () => {
      const runner = createCommandRunner({
        processLimit,
        isolate: createIsolation({
          writable: [checkout],
          readOnly: [],
          hidden: [],
          sockets: [],
          network: "none",
        }),
      });
      const result = await runner.run({
        ...request(forkStorm()),
        markers: { SUPERVISE_TEST_STORM: "isolated" },
      });
      expect(result).toMatchObject({ exitCode: 0, error: null });
      expectStormStopped(result.output, bound);
      expect(await findProcessesWithMarker("SUPERVISE_TEST_STORM", "isolated")).toEqual([]);
      expect(await leftoverCommandCgroups()).toEqual([]);
      // The machine still forks.
      expect((await execa("true")).exitCode).toBe(0);
    },
  );

  it("is stopped at the bound without OS isolation too, and the bound kills what left the tree", async () => {
    const runner = createCommandRunner({ processLimit, lingerGraceMs: 100, forceKillAfterMs: 300 });
    // The escapee leaves the process group and drops the tree's marker: only the cgroup still knows it.
    const result = await runner.run({
      ...request(
        `setsid env -i /bin/sleep 300 </dev/null >/dev/null 2>&1 & echo "escapee=$!"; ${forkStorm()}`,
      ),
      markers: { SUPERVISE_TEST_STORM: "direct" },
    });
    expect(result).toMatchObject({ exitCode: 0, error: null });
    expectStormStopped(result.output.replace(/^escapee=\d+\n/, ""), bound);
    expect(await findProcessesWithMarker("SUPERVISE_TEST_STORM", "direct")).toEqual([]);
    expect(await leftoverCommandCgroups()).toEqual([]);
    const escapee = Number(/^escapee=(\d+)$/m.exec(result.output)?.[1]);
    if (bound !== null) expect(isRunning(escapee)).toBe(false);
    else if (isRunning(escapee)) process.kill(escapee, "SIGKILL");
  });
});

describe("ending a command inside its cgroup", () => {
  it.skipIf(!processLimit.facts.kind.startsWith("cgroup"))(
    "ends a leftover that holds the output and left both the group and the marker, by emptying the cgroup",
    async () => {
      // Neither the group kill (setsid) nor the marker scan (env -i) can find this sleep, and it
      // holds the output pipe: without the cgroup the runner would have to abandon the output.
      const runner = createCommandRunner({ processLimit, lingerGraceMs: 100, forceKillAfterMs: 5_000 });
      const result = await runner.run(request(`setsid env -i /bin/sleep 300 & echo "leftover=$!"`));
      expect(result).toMatchObject({ exitCode: 0, error: null, isTimedOut: false });
      const leftover = Number(/^leftover=(\d+)$/m.exec(result.output)?.[1]);
      expect(leftover).toBeGreaterThan(0);
      expect(isRunning(leftover)).toBe(false);
      expect(await leftoverCommandCgroups()).toEqual([]);
    },
  );
});

describe("a command that leaves its cgroup", () => {
  it.skipIf(processLimit.facts.kind !== "cgroup-v1" || !isRoot)(
    "is still ended without isolation, where it can write itself into another cgroup",
    async () => {
      const runner = createCommandRunner({ processLimit, lingerGraceMs: 100, forceKillAfterMs: 300 });
      // The escapee moves itself to the root of the pids hierarchy: only the marker still finds it.
      const result = await runner.run({
        ...request(
          `setsid bash -c 'echo $BASHPID > /sys/fs/cgroup/pids/cgroup.procs; exec /bin/sleep 300' </dev/null >/dev/null 2>&1 & echo "escapee=$!"; sleep 0.3`,
        ),
        markers: { SUPERVISE_TEST_STORM: "left-cgroup" },
      });
      expect(result).toMatchObject({ exitCode: 0, error: null });
      const escapee = Number(/^escapee=(\d+)$/m.exec(result.output)?.[1]);
      expect(escapee).toBeGreaterThan(0);
      expect(isRunning(escapee)).toBe(false);
      expect(await findProcessesWithMarker("SUPERVISE_TEST_STORM", "left-cgroup")).toEqual([]);
    },
  );
});

describe("the fallbacks without a pids cgroup", () => {
  it("bounds a non-root user with RLIMIT_NPROC, set by the wrapper's ulimit", async () => {
    const nobody = 65_534;
    const limit = await createProcessLimit({ maxProcesses: 40, isCgroupDisabled: true, userId: nobody });
    expect(limit.facts).toMatchObject({ kind: "rlimit" });
    const { shellPrelude } = await limit.prepare("unused");
    if (!isRoot || !existsSync("/usr/bin/setpriv")) return;
    // Run as nobody, as a non-root supervisor would; the storm ends its own children here, since
    // no runner does it for this direct spawn.
    const result = await execa(
      "/usr/bin/setpriv",
      [
        `--reuid=${nobody}`,
        `--regid=${nobody}`,
        "--clear-groups",
        "/bin/bash",
        "--norc",
        "-c",
        `${shellPrelude}exec ${forkStorm({ endsChildren: true })}`,
      ],
      { cwd: "/", reject: false, all: true },
    );
    expectStormStopped(
      `${result.all}\n`,
      limit.facts.maxProcesses === null ? null : limit.facts.maxProcesses + 1,
    );
  });

  it("runs root unbounded and says so, since RLIMIT_NPROC never binds root", async () => {
    const limit = await createProcessLimit({ maxProcesses: 40, isCgroupDisabled: true, userId: 0 });
    expect(limit.facts).toEqual({
      kind: "none",
      maxProcesses: null,
      detail:
        "running as root without a writable pids cgroup; RLIMIT_NPROC does not bind root, so commands are not bounded",
    });
    expect(await limit.prepare("unused")).toMatchObject({ shellPrelude: "" });
  });

  it("refuses a bound that is not a positive integer", async () => {
    await expect(createProcessLimit({ maxProcesses: 0 })).rejects.toThrow(
      "Expected `maxProcesses` to be a positive integer, got 0.",
    );
  });
});
