/**
 * OS isolation through the real runner, real bwrap and real processes. Skipped, with the reason,
 * only where bubblewrap cannot work and this is not CI: CI installs it, so there it must run.
 */
import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type CommandRequest,
  checkIsolationAvailable,
  createCommandRunner,
  createIsolation,
  findProcessesWithMarker,
  IsolationPathError,
  type IsolationPolicy,
} from "../../src/sandbox/index.ts";
import { waitUntilDead } from "../../src/sandbox/process-sweep.ts";
import { isRunning, killLeftovers, testEnvironment } from "./process-fixtures.ts";

const availability = await checkIsolationAvailable();
const isSkipped = !availability.available && process.env.CI === undefined;
if (isSkipped) console.warn(`Skipping the OS isolation tests: ${availability.reason}`);

/** The Node running this test, run inside the sandbox by absolute path; its folder is mounted read-only. */
const node = process.execPath;

let root: string;
let paths: {
  checkout: string;
  otherCheckout: string;
  mirror: string;
  state: string;
  socket: string;
  userRepository: string;
};
const servers: Server[] = [];
const leftovers: number[] = [];

beforeEach(async () => {
  // Resolved, so paths printed inside the sandbox (which sees real paths) compare equal.
  root = await realpath(await mkdtemp(join(tmpdir(), "supervise-isolation-")));
  const state = join(root, "state");
  paths = {
    state,
    checkout: join(state, "checkouts", "a"),
    otherCheckout: join(state, "checkouts", "b"),
    mirror: join(state, "git", "mirror.git"),
    socket: join(state, "tool.sock"),
    userRepository: join(root, "user-repository"),
  };
  for (const directory of [paths.checkout, paths.otherCheckout, paths.mirror, paths.userRepository]) {
    await mkdir(directory, { recursive: true });
  }
  await writeFile(join(state, "journal.jsonl"), "secret journal\n");
  await writeFile(join(paths.otherCheckout, "work.txt"), "another worker's work\n");
  await writeFile(join(paths.userRepository, "README.md"), "the user's repository\n");
  await writeFile(join(root, ".env"), "API_KEY=secret\n");
});

afterEach(async () => {
  killLeftovers(leftovers.splice(0));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  await rm(root, { recursive: true, force: true });
});

/**
 * The supervisor's layout: the whole temp root readable (standing in for the system around the
 * state dir), the state dir and the user's repository hidden, the checkout writable inside it.
 */
function policy(extra: Partial<IsolationPolicy> = {}): IsolationPolicy {
  return {
    writable: [paths.checkout],
    readOnly: [root, paths.mirror, dirname(node)],
    hidden: [paths.state, paths.userRepository, join(root, ".env")],
    sockets: [],
    network: "none",
    ...extra,
  };
}

function isolatedRunner(isolationPolicy: IsolationPolicy = policy()) {
  return createCommandRunner({
    isolate: createIsolation(isolationPolicy),
    forceKillAfterMs: 300,
    lingerGraceMs: 200,
  });
}

function request(command: string, extra: Partial<CommandRequest> = {}): CommandRequest {
  return { command, cwd: paths.checkout, env: testEnvironment(), timeoutMs: 20_000, ...extra };
}

/** Host pids of the processes whose arguments are exactly `args`, read from /proc outside the sandbox. */
function findProcessesByArguments(args: string[]): number[] {
  const wanted = `${args.join("\0")}\0`;
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8") === wanted && isRunning(pid);
      } catch {
        return false;
      }
    });
}

/**
 * The namespace's processes are SIGKILLed by the kernel when its init exits, but the runner may
 * return while the last of them is still in the kernel's exit path: it closed its files (so the
 * output pipes are done) and is not a zombie yet. Seen once in about 15 runs of this file; never
 * in 300 runs of a scratch loop.
 */
async function waitForExits(pids: number[]): Promise<void> {
  await waitUntilDead(pids, 1000);
}

/** A `sleep` duration no other test uses, so its processes can be found by their arguments. */
function uniqueDuration(): string {
  return `${3000 + Math.floor(Math.random() * 1000)}.${Math.floor(Math.random() * 1e6)}`;
}

const title = isSkipped
  ? `createIsolation through createCommandRunner (skipped: ${availability.reason})`
  : "createIsolation through createCommandRunner";

describe.skipIf(isSkipped)(title, () => {
  it("finds bubblewrap able to start a sandbox", () => {
    expect(availability).toEqual({ available: true });
  });

  it("writes inside the checkout, and gives the command a private TMPDIR", async () => {
    const result = await isolatedRunner().run(
      request(`echo made > made.txt && cat made.txt && echo "$TMPDIR" && ls -A "$TMPDIR"`),
    );
    // None of the host's temp files are there; only the mount points of what the policy mounts
    // (this test's root, the Node binary's folder) where they live below /tmp on the host.
    const mountPoints = new Set(
      [root, dirname(node)].filter((path) => path.startsWith("/tmp/")).map((path) => path.split("/")[2]!),
    );
    expect(result).toMatchObject({ exitCode: 0, error: null });
    const [made, temporaryDirectory, ...listed] = result.output.trimEnd().split("\n");
    expect({ made, temporaryDirectory, listed: new Set(listed) }).toEqual({
      made: "made",
      temporaryDirectory: "/tmp",
      listed: mountPoints,
    });
    expect(readFileSync(join(paths.checkout, "made.txt"), "utf8")).toBe("made\n");
  });

  it("cannot write anywhere else, and what it writes in its temp dir never reaches the host's", async () => {
    const outsideTemporary = `/tmp/supervise-isolation-outside-${randomUUID()}`;
    const result = await isolatedRunner().run(
      request(
        [
          `touch ${paths.userRepository}/planted`,
          `touch ${root}/planted`,
          `touch ${paths.otherCheckout}/planted`,
          `touch ${paths.mirror}/planted`,
          "touch /usr/planted",
          `touch ${outsideTemporary} && echo "temp write stays private"`,
        ].join("; "),
      ),
    );
    expect(result.output).toBe(
      [
        `touch: cannot touch '${paths.userRepository}/planted': Read-only file system`,
        `touch: cannot touch '${root}/planted': Read-only file system`,
        `touch: cannot touch '${paths.otherCheckout}/planted': No such file or directory`,
        `touch: cannot touch '${paths.mirror}/planted': Read-only file system`,
        "touch: cannot touch '/usr/planted': Read-only file system",
        "temp write stays private",
        "",
      ].join("\n"),
    );
    expect(readdirSync(paths.userRepository)).toEqual(["README.md"]);
    expect(() => readFileSync(outsideTemporary)).toThrow(/ENOENT/);
  });

  it("hides the state dir, other checkouts, the user's repository, .env files and HOME", async () => {
    const result = await isolatedRunner().run(
      request(
        [
          `cat ${paths.state}/journal.jsonl`,
          `cat ${paths.otherCheckout}/work.txt`,
          `cat ${paths.userRepository}/README.md`,
          `cat ${root}/.env`,
          `echo "state: $(cd ${paths.state} && find . | sort | tr '\\n' ' ')"`,
          'echo "home: [$(ls -A ~)]"',
        ].join("; "),
      ),
    );
    expect(result.output).toBe(
      [
        `cat: ${paths.state}/journal.jsonl: No such file or directory`,
        `cat: ${paths.otherCheckout}/work.txt: No such file or directory`,
        `cat: ${paths.userRepository}/README.md: No such file or directory`,
        // Masked by /dev/null, which bwrap mounts `nodev`: not even empty, unreadable.
        `cat: ${root}/.env: Permission denied`,
        "state: . ./checkouts ./checkouts/a ./git ./git/mirror.git ",
        "home: []",
        "",
      ].join("\n"),
    );
  });

  it("shows only the sandbox's own processes, so the supervisor's environment is out of reach", async () => {
    const result = await isolatedRunner().run(
      request(`cat /proc/${process.pid}/environ; cat /proc/1/environ >/dev/null && ps -e -o pid=,comm=`),
    );
    expect(result.output.split("\n")[0]).toBe(`cat: /proc/${process.pid}/environ: No such file or directory`);
    // bwrap is the namespace's init, bash runs the command, ps lists them.
    const processes = result.output
      .split("\n")
      .slice(1)
      .filter((line) => line.trim() !== "")
      .map((line) => line.trim().split(/\s+/)[1]);
    expect(processes).toEqual(["bwrap", "bash", "ps"]);
  });

  it("keeps the command off the network with `none`, and on it with `host`", async () => {
    const server = createServer((_request, response) => response.end("reached"));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const fetchScript = `fetch(${JSON.stringify(url)}).then((r) => r.text()).then(console.log, (e) => console.log(e.cause?.code ?? e.message))`;
    const command = `${node} -e '${fetchScript}'`;

    const offline = await isolatedRunner().run(request(command));
    expect(offline).toMatchObject({ exitCode: 0, output: "ECONNREFUSED\n" });
    const online = await isolatedRunner(policy({ network: "host" })).run(request(command));
    expect(online).toMatchObject({ exitCode: 0, output: "reached\n" });
  });

  it("connects to a unix socket bound in from the hidden state dir", async () => {
    const server = createServer((_request, response) => response.end("tool answered"));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(paths.socket, resolve));
    const clientScript = `require("node:http").get({ socketPath: ${JSON.stringify(paths.socket)}, path: "/" }, (r) => r.pipe(process.stdout))`;

    const result = await isolatedRunner(policy({ sockets: [paths.socket] })).run(
      request(`${node} -e '${clientScript}'; echo; ls ${paths.state}`),
    );
    expect(result).toMatchObject({ exitCode: 0, output: "tool answered\ncheckouts\ngit\ntool.sock\n" });
  });

  it("commits in a checkout that borrows its objects from the read-only mirror", async () => {
    const git = (cwd: string, ...args: string[]) => execa("git", args, { cwd, env: testEnvironment() });
    await git(paths.userRepository, "init", "-q", "-b", "main");
    await git(
      paths.userRepository,
      "-c",
      "user.name=u",
      "-c",
      "user.email=u@x",
      "commit",
      "-q",
      "--allow-empty",
      "-m",
      "initial",
    );
    await rm(paths.mirror, { recursive: true });
    await git(root, "clone", "-q", "--bare", paths.userRepository, paths.mirror);
    await rm(paths.checkout, { recursive: true });
    await git(root, "clone", "-q", "--shared", paths.mirror, paths.checkout);
    await git(paths.checkout, "config", "user.name", "worker");
    await git(paths.checkout, "config", "user.email", "worker@x");

    const commit =
      "echo change > file.txt && git add file.txt && git commit -q -m change && git log --format=%s";
    const result = await isolatedRunner().run(request(commit));
    expect(result).toMatchObject({ exitCode: 0, output: "change\ninitial\n" });

    // The control: without the mirror the borrowed history is unreadable.
    const withoutMirror = policy({ readOnly: [dirname(node)], hidden: [] });
    const blind = await isolatedRunner(withoutMirror).run(request("git log --format=%s"));
    expect(blind.exitCode).not.toBe(0);
    expect(blind.output).toMatch(/bad object|unable to read|does not have any commits|Could not read/i);
  });

  it("keeps the markers on the isolated processes and kills every one of them at the timeout", async () => {
    const durations = [uniqueDuration(), uniqueDuration(), uniqueDuration()];
    const runMarker = randomUUID();
    const found: { marked: number[]; sleeping: number[] } = { marked: [], sleeping: [] };
    const command = [
      // Out of the group, without the marker and holding the output pipes: what no runner without
      // a PID namespace can find (test/sandbox/process-tree.test.ts shows it survives there).
      `setsid env -i /bin/sleep ${durations[0]} &`,
      `setsid sleep ${durations[1]} &`,
      `sleep ${durations[2]} &`,
      // pgrep sees only the sandbox's processes: all three have become `sleep`.
      'until [ "$(pgrep -c -x sleep)" = 3 ]; do :; done',
      "echo ready",
      "wait",
    ].join("\n");
    const result = await isolatedRunner().run(
      request(command, {
        timeoutMs: 1500,
        markers: { SUPERVISE_TEST_RUN: runMarker },
        onOutput: () => {
          found.marked = findProcessesWithMarker("SUPERVISE_TEST_RUN", runMarker);
          found.sleeping = durations.flatMap((duration) => findProcessesByArguments(["sleep", duration]));
          found.sleeping.push(...findProcessesByArguments(["/bin/sleep", durations[0]!]));
          leftovers.push(...found.marked, ...found.sleeping);
        },
      }),
    );

    expect(result).toMatchObject({ isTimedOut: true, output: "ready\n", error: null });
    expect(found.sleeping).toHaveLength(3);
    // bwrap twice (outside and as the namespace's init), bash and the two marked sleeps.
    expect(found.marked).toHaveLength(5);
    await waitForExits([...found.marked, ...found.sleeping]);
    expect([...found.marked, ...found.sleeping].filter(isRunning)).toEqual([]);
  });

  it("ends a command's leftovers when its main process exits, even unmarked ones outside its group", async () => {
    const duration = uniqueDuration();
    let escapees: number[] = [];
    const result = await isolatedRunner().run(
      request(
        // Exits only once the test has seen the escapee and created `seen` in the checkout.
        `setsid env -i /bin/sleep ${duration} & until pgrep -x sleep >/dev/null; do :; done; echo started; until [ -e seen ]; do sleep 0.01; done`,
        {
          onOutput: () => {
            escapees = findProcessesByArguments(["/bin/sleep", duration]);
            leftovers.push(...escapees);
            writeFileSync(join(paths.checkout, "seen"), "");
          },
        },
      ),
    );
    expect(result).toMatchObject({ exitCode: 0, isTimedOut: false, output: "started\n", error: null });
    expect(escapees).toHaveLength(1);
    await waitForExits(escapees);
    expect(escapees.filter(isRunning)).toEqual([]);
  });
});

describe("createIsolation's checks of the policy", () => {
  it("refuses a relative path when it is created", () => {
    expect(() => createIsolation({ ...policy(), readOnly: ["node_modules"] })).toThrow(
      'Expected every `readOnly` path to be absolute, got "node_modules".',
    );
  });

  it("refuses to run a command whose writable path does not exist", async () => {
    const missing = join(root, "no-such-checkout");
    const isolate = createIsolation(policy({ writable: [missing] }));
    await expect(isolate({ argv: ["true"], cwd: root, env: {} })).rejects.toThrow(
      new IsolationPathError(missing, "writable"),
    );
  });
});
