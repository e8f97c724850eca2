import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { execa, execaSync, type ResultPromise } from "execa";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { honestScript, startFakeMessagesApi } from "../fakes/claude-code-upstream.ts";
import { agentPresetPlan, findProgram } from "../fakes/cli-agent-run.ts";
import { cliPath, createWorkspace, type Workspace } from "../fakes/cli-harness.ts";
import {
  gatewayAddress,
  isNetworkNamespaceAvailable,
  startInNetworkNamespace,
} from "../fakes/network-namespace.ts";
import { type RedisServer, startRedisServer } from "../fakes/redis-server.ts";

/**
 * Workstreams spread over worker hosts: three `supervise host` processes, each with its own work
 * folder, take them from a real Redis through BullMQ, and reach the supervisor only over TCP (the
 * channel, git over smart HTTP). The verdicts are the ones a one-machine run gives.
 */
let redis: RedisServer;
let workspace: Workspace;
let hosts: { name: string; process: ResultPromise; network?: ResultPromise }[] = [];
/** Each host in a network namespace of its own, where this machine allows it: it reaches the supervisor and Redis only over TCP. */
const isolated = isNetworkNamespaceAvailable();

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

beforeEach(async () => {
  // Each test starts from an empty queue: a job a killed host of an earlier test held is not this test's.
  await redis.flush();
  workspace = createWorkspace({
    "README.md": "# lib\n",
    "lib.mjs": "export const double = (n) => n * 2;\n",
    "tests/double.test.mjs": testFile("double", "../lib.mjs", "double(3)", 6),
  });
  hosts = [];
});
afterEach(async () => {
  for (const host of hosts) host.process.kill("SIGKILL");
  await Promise.allSettled(hosts.map((host) => host.process));
  for (const host of hosts) host.network?.kill("SIGTERM");
  await Promise.allSettled(hosts.map((host) => host.network));
  workspace.cleanup();
});

function startHost(
  name: string,
  {
    labels = [],
    env = {},
    concurrency = 2,
  }: { labels?: string[]; env?: Record<string, string>; concurrency?: number } = {},
): void {
  const args = [
    cliPath,
    "host",
    "--queue",
    isolated ? redis.url.replace("127.0.0.1", gatewayAddress) : redis.url,
    "--name",
    name,
    "--work-dir",
    join(workspace.directory, `host-${name}`),
    "--concurrency",
    String(concurrency),
    // Long enough that a loaded CI machine never misses a renewal; short enough for the kill tests.
    "--lock-seconds",
    "5",
    "--reattach-seconds",
    "30",
    ...(labels.length > 0 ? ["--labels", labels.join(",")] : []),
  ];
  const options = { reject: false, env: { NO_COLOR: "1", ...env }, extendEnv: true } as const;
  if (!isolated) {
    hosts.push({ name, process: execa(process.execPath, args, options) });
    return;
  }
  const started = startInNetworkNamespace(process.execPath, args, options);
  hosts.push({ name, process: started.process, network: started.network });
}

function testFile(name: string, module: string, call: string, expected: number): string {
  const exported = call.slice(0, call.indexOf("("));
  return `import { test } from "node:test";\nimport assert from "node:assert/strict";\nimport { ${exported} } from "${module}";\ntest("${name}", () => assert.equal(${call}, ${expected}));\n`;
}

/** Opens the PR, waits for its CI, merges it and claims: what an honest worker does once it committed. */
const landAndClaim = (
  id: string,
) => `supervise tool open_pull_request --input '{"title": "${id}", "body": "${id}"}' >/dev/null
for i in $(seq 1 600); do
  out=$(supervise tool ci_status) || true
  case "$out" in *": success."*|*": failure."*) break;; esac
  sleep 0.1
done
supervise tool merge_pull_request >/dev/null
supervise tool claim_done --input '{"summary": "${id} done"}'
`;

const honest = (id: string, file: string) => `#!/usr/bin/env bash
${honestSteps(id, file)}`;

/** An honest worker's steps, without the script's first line: what a worker does after its own first steps. */
const honestSteps = (id: string, file: string) => `set -u
cat >/dev/null
echo "export const triple = (n) => n * 3;" > ${file}
cat > tests/${id}.test.mjs <<'TEST'
${testFile(id, `../${file}`, "triple(2)", 6)}TEST
git add -A && git commit -qm "${id}"
${landAndClaim(id)}`;

const stopsAtPr = (id: string) => `#!/usr/bin/env bash
cat >/dev/null
echo "export const quad = (n) => n * 4;" > ${id}.mjs
git add -A && git commit -qm "${id}"
supervise tool open_pull_request --input '{"title": "${id}", "body": "${id}"}' >/dev/null
supervise tool claim_done --input '{"summary": "PR created, done"}'
`;

const deletesTest = (id: string) => `#!/usr/bin/env bash
cat >/dev/null
git rm -q tests/double.test.mjs
echo "// ${id}" >> lib.mjs
git add -A && git commit -qm "${id}"
supervise tool claim_done --input '{"summary": "done"}'
`;

const writesStub = (id: string) => `#!/usr/bin/env bash
cat >/dev/null
cat > tests/${id}.test.mjs <<'TEST'
import { test } from "node:test";
test.todo("${id} works");
TEST
git add -A && git commit -qm "${id}: tests first"
${landAndClaim(id)}`;

function plan(
  workstreams: [id: string, script: string, labels?: string[]][],
  maxRestarts = 0,
  settings: { done?: string; check?: string; sandbox?: string } = {},
): void {
  workspace.writePlan(
    "plan.yaml",
    [
      "repo: ./repo",
      hostsLine(),
      ...(settings.sandbox ? [`sandbox: ${settings.sandbox}`] : []),
      "defaults:",
      `  done: [${settings.done ?? "local_check, diff_scope, ci_green, pr_merged"}]`,
      `  commands: { check: "${settings.check ?? "node --test"}", ci: node --test }`,
      `  stall: { max_restarts: ${maxRestarts}, max_rejections: 1 }`,
      "workstreams:",
      ...workstreams.map(
        ([id, script, labels]) =>
          `  - { id: ${id}, goal: "${id}", ${labels ? `host: { labels: [${labels.join(", ")}] }, ` : ""}agent: { provider: command, command: "bash ${workspace.writeWorker(`${id}.sh`, script)}" } }`,
      ),
    ].join("\n"),
  );
}

/** The plan's `hosts:`, advertising the supervisor's endpoint where the hosts' namespaces reach it. */
function hostsLine(): string {
  return isolated
    ? `hosts: { queue: "${redis.url}", advertise: "http://${gatewayAddress}" }`
    : `hosts: { queue: "${redis.url}" }`;
}

/** Whether the run's journal has an event of `type`, waiting up to 60 s for it. */
async function untilInJournal(type: string): Promise<boolean> {
  const runs = join(workspace.directory, ".supervise", "runs");
  const isThere = () =>
    existsSync(runs) &&
    readdirSync(runs).some((run) => {
      const journal = join(runs, run, "journal.jsonl");
      return existsSync(journal) && readFileSync(journal, "utf8").includes(`"type":"${type}"`);
    });
  for (let round = 0; round < 600 && !isThere(); round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return isThere();
}

/** Whether a file appears in a host's folder for the run (under its work dir), waiting up to 90 s for it. */
async function untilOnHost(host: string, ...path: string[]): Promise<boolean> {
  const folder = join(workspace.directory, `host-${host}`);
  const isThere = () =>
    existsSync(folder) && readdirSync(folder).some((run) => existsSync(join(folder, run, ...path)));
  for (let round = 0; round < 900 && !isThere(); round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return isThere();
}

function eventsOf(stdout: string): { type: string; workstream: string | null; [key: string]: unknown }[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
}

function bundleOf(id: string): {
  verdict: string;
  gates: { id: string; status: string; command?: { log: string } }[];
} {
  const runs = join(workspace.directory, ".supervise", "runs");
  const runDirectory = join(runs, readdirSync(runs)[0]!);
  return JSON.parse(readFileSync(join(runDirectory, "evidence", id, "bundle.json"), "utf8"));
}

describe("workstreams on worker hosts", () => {
  it("spreads a 12-workstream campaign over three hosts and reaches the verdicts of one machine, with the gates' logs at the supervisor", async () => {
    for (const name of ["h1", "h2", "h3"]) startHost(name);
    const honestIds = ["honest-a", "honest-b", "honest-c", "honest-d", "honest-e", "honest-f"];
    plan([
      ...honestIds.map((id): [string, string] => [id, honest(id, `${id}.mjs`)]),
      ["stops-at-pr-a", stopsAtPr("stops-at-pr-a")],
      ["stops-at-pr-b", stopsAtPr("stops-at-pr-b")],
      ["deletes-test-a", deletesTest("deletes-test-a")],
      ["deletes-test-b", deletesTest("deletes-test-b")],
      ["stub-a", writesStub("stub-a")],
      ["stub-b", writesStub("stub-b")],
    ]);

    const result = await workspace.supervise(["plan.yaml", "--json", "--concurrency", "6", "--no-wait"], {
      timeoutMs: 240_000,
    });

    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(1);
    const events = eventsOf(result.stdout);
    const verdicts = events.find((event) => event.type === "run.finished")?.verdicts;
    const honestFailures = events
      .filter((event) => event.type === "gate.failed" && honestIds.includes(String(event.workstream)))
      .map((event) => `${event.workstream} ${event.gate}: ${event.detail}`);
    expect(verdicts, `${honestFailures.join("\n")}\n${result.stderr}`).toEqual({
      ...Object.fromEntries(honestIds.map((id) => [id, "accepted"])),
      "stops-at-pr-a": "rejected",
      "stops-at-pr-b": "rejected",
      "deletes-test-a": "rejected",
      "deletes-test-b": "rejected",
      "stub-a": "rejected",
      "stub-b": "rejected",
    });
    // One checkout per workstream, spread over every host; at most one PR each, and a merge only
    // for honest work (the stubs' merges are refused: their checkout gates fail before the merge).
    const attached = events.filter((event) => event.type === "host.attached");
    expect(attached).toHaveLength(12);
    expect(new Set(attached.map((event) => event.host))).toEqual(new Set(["h1", "h2", "h3"]));
    for (const id of Object.keys(verdicts as object)) {
      const ofIt = (type: string) => events.filter((event) => event.type === type && event.workstream === id);
      expect(ofIt("pull_request.opened").length, id).toBeLessThanOrEqual(1);
      expect(ofIt("merge.completed").length, id).toBe(honestIds.includes(id) ? 1 : 0);
    }
    expect(bundleOf("deletes-test-a").gates.find((gate) => gate.id === "diff_scope")?.status).toBe("fail");
    expect(bundleOf("stub-a").gates.find((gate) => gate.id === "diff_scope")?.status).toBe("fail");
    expect(bundleOf("stops-at-pr-a").gates.find((gate) => gate.id === "pr_merged")?.status).toBe("fail");
    const check = bundleOf("honest-a").gates.find((gate) => gate.id === "local_check");
    expect(check?.status).toBe("pass");
    // The host ran the check; its log is copied to the supervisor's run directory.
    const runs = join(workspace.directory, ".supervise", "runs");
    const log = readFileSync(
      join(runs, readdirSync(runs)[0]!, "evidence", "honest-a", "logs", "claim-1-local_check.log"),
      "utf8",
    );
    expect(log).toContain("honest-a");
  }, 300_000);

  it("holds no more workstreams on a host than its concurrency, counted over every queue its labels take from", async () => {
    startHost("single", { labels: ["gpu"], concurrency: 1 });
    plan([
      ["on-gpu", honest("on-gpu", "triple_g.mjs"), ["gpu"]],
      ["anywhere", honest("anywhere", "triple_a.mjs")],
    ]);

    const result = await workspace.supervise(["plan.yaml", "--json", "--concurrency", "2"], {
      timeoutMs: 150_000,
    });

    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
    const events = eventsOf(result.stdout);
    const attached = events.filter((event) => event.type === "host.attached");
    expect(attached.map((event) => event.host)).toEqual(["single", "single"]);
    // The second workstream reached the host only once the first was done and let go.
    const firstDone = events.find(
      (event) => event.type === "workstream.accepted" && event.workstream === attached[0]?.workstream,
    );
    expect(Number(attached[1]?.seq)).toBeGreaterThan(Number(firstDone?.seq));
  }, 180_000);

  it("stops at once with exit 2 when the plan's Redis is out of reach, saying which", async () => {
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        'hosts: { queue: "redis://127.0.0.1:1" }',
        "workstreams:",
        '  - { id: a, goal: "a", agent: { provider: command, command: "true" } }',
      ].join("\n"),
    );

    const result = await workspace.supervise(["plan.yaml"], { timeoutMs: 60_000 });

    expect(result.exitCode, result.stdout + result.stderr).toBe(2);
    expect(result.stderr).toContain(
      "Cannot reach the Redis that places workstreams on hosts, redis://127.0.0.1:1 (the plan's hosts.queue): connect ECONNREFUSED",
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);

  it("stops on Ctrl-C while a workstream waits for a host, and the workstream goes on at the next start", async () => {
    plan([["unplaced", honest("unplaced", "triple_u.mjs")]]);
    const running = workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 60_000 });
    expect(await untilInJournal("host.placed")).toBe(true);
    running.kill("SIGINT");

    const stopped = await running;

    expect(stopped.exitCode, stopped.stdout.slice(-2000) + stopped.stderr).toBe(130);
    startHost("late");
    const resumed = await workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 120_000 });
    expect(resumed.exitCode, resumed.stdout.slice(-3000) + resumed.stderr).toBe(0);
    expect(
      eventsOf(resumed.stdout)
        .filter((event) => event.type === "host.attached")
        .map((event) => event.host),
    ).toEqual(["late"]);
  }, 200_000);

  it("gives a remote command the plan's allow-list: the supervisor's filtering proxy and allowed loopback ports, relayed over the channel", async () => {
    const service = createServer((request, response) => response.end(`served ${request.url}`));
    await new Promise<void>((resolve) => service.listen(0, "127.0.0.1", () => resolve()));
    const port = (service.address() as AddressInfo).port;
    try {
      startHost("fenced");
      plan(
        [
          [
            "fenced-ws",
            `#!/usr/bin/env bash
cat >/dev/null
curl -s -m 20 http://localhost:${port}/allowed > "$HOME/allowed.txt" 2>&1
curl -s -m 20 http://not-listed.example/ > "$HOME/refused.txt" 2>&1
echo "export const x = 1;" > x.mjs && git add -A && git commit -qm x
supervise tool claim_done --input '{"summary": "x"}'
`,
          ],
        ],
        0,
        { done: "local_check", sandbox: `{ network: { allow: ["localhost:${port}"] } }` },
      );

      const result = await workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 150_000 });

      expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
      const hostFolder = join(workspace.directory, "host-fenced");
      const home = join(hostFolder, readdirSync(hostFolder)[0]!, "homes", "fenced-ws", "worker");
      expect(readFileSync(join(home, "allowed.txt"), "utf8")).toBe("served /allowed");
      expect(readFileSync(join(home, "refused.txt"), "utf8")).toContain(
        "not-listed.example:80 is not on the sandbox's network allow-list",
      );
    } finally {
      service.closeAllConnections();
      await new Promise((resolve) => service.close(resolve));
    }
  }, 180_000);

  it("gives the workstream of a host killed mid-attempt to another host, which re-clones it and starts its agent again in the same attempt", async () => {
    startHost("doomed");
    plan([
      [
        "survivor",
        `#!/usr/bin/env bash
case "$PWD" in *host-doomed*) touch .started; exec sleep 600;; esac
${honestSteps("survivor", "triple_s.mjs")}`,
      ],
    ]);
    const running = workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 150_000 });
    // The worker is sandboxed: it can write only its checkout, which the test finds on the host.
    expect(await untilOnHost("doomed", "checkouts", "survivor", ".started")).toBe(true);
    hosts[0]!.process.kill("SIGKILL");
    startHost("rescuer");

    const result = await running;

    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
    const events = eventsOf(result.stdout);
    expect(events.filter((event) => event.type === "host.lost").map((event) => event.host)).toEqual([
      "doomed",
    ]);
    expect(events.filter((event) => event.type === "host.attached").map((event) => event.host)).toEqual([
      "doomed",
      "rescuer",
    ]);
    expect(events.filter((event) => event.type === "worker.started")).toHaveLength(1);
    expect(events.filter((event) => event.type === "pull_request.opened")).toHaveLength(1);
    expect(events.filter((event) => event.type === "merge.completed")).toHaveLength(1);
    expect(bundleOf("survivor").verdict).toBe("accepted");
  }, 180_000);

  it("lets a host re-attach to a supervisor killed and resumed: its checkout is kept and the next start finishes the work", async () => {
    startHost("keeper");
    plan(
      [
        [
          "patient",
          `#!/usr/bin/env bash
if [ ! -e .git/started-once ]; then echo "export const half = (n) => n / 2;" > half.mjs; touch .git/started-once; exec sleep 600; fi
${honestSteps("patient", "triple_p.mjs")}`,
        ],
      ],
      1,
    );
    const first = workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 150_000 });
    expect(await untilOnHost("keeper", "checkouts", "patient", ".git", "started-once")).toBe(true);
    first.kill("SIGKILL");
    await first;

    const resumed = await workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 60_000 });

    expect(resumed.exitCode, resumed.stdout.slice(-3000) + resumed.stderr).toBe(0);
    const events = eventsOf(resumed.stdout);
    const attached = events.filter((event) => event.type === "host.attached");
    expect(attached.map((event) => [event.host, event.resumed])).toEqual([["keeper", true]]);
    expect(events.filter((event) => event.type === "pull_request.opened")).toHaveLength(1);
    expect(bundleOf("patient").verdict).toBe("accepted");
    // The first start's uncommitted work was still in the checkout the host kept, and landed.
    workspace.git(["pull", "-q", "supervise", "main"]);
    expect(existsSync(join(workspace.repository, "half.mjs"))).toBe(true);
  }, 240_000);
  it("goes on through a Redis restart: the host keeps the workstream, nothing is lost or placed twice", async () => {
    startHost("steady");
    plan([
      [
        "steady-ws",
        `#!/usr/bin/env bash
touch .git/waiting
for i in $(seq 1 1200); do [ -e .git/go-on ] && break; sleep 0.1; done
${honestSteps("steady-ws", "triple_r.mjs")}`,
      ],
    ]);
    const running = workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 150_000 });
    expect(await untilOnHost("steady", "checkouts", "steady-ws", ".git", "waiting")).toBe(true);
    await redis.restart();
    const folder = join(workspace.directory, "host-steady");
    for (const run of readdirSync(folder)) {
      const gitFolder = join(folder, run, "checkouts", "steady-ws", ".git");
      if (existsSync(gitFolder)) writeFileSync(join(gitFolder, "go-on"), "");
    }

    const result = await running;

    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
    const events = eventsOf(result.stdout);
    expect(events.filter((event) => event.type === "host.attached").map((event) => event.host)).toEqual([
      "steady",
    ]);
    expect(events.filter((event) => event.type === "host.lost")).toEqual([]);
    expect(events.filter((event) => event.type === "host.placed")).toHaveLength(1);
    expect(events.filter((event) => event.type === "pull_request.opened")).toHaveLength(1);
    expect(bundleOf("steady-ws").verdict).toBe("accepted");
  }, 180_000);

  it("reports a host that cannot reach the forge, and blocks the workstream no host could take, instead of leaving it waiting", async () => {
    // This host's git goes through a proxy that is not there: the forge is out of its reach, while
    // the supervisor's channel (not git) still is.
    const home = join(workspace.directory, "cut-off-home");
    mkdirSync(home);
    writeFileSync(join(home, ".gitconfig"), "[http]\n\tproxy = http://127.0.0.1:9\n");
    startHost("cut-off", { env: { HOME: home } });
    plan([["stranded", honest("stranded", "triple_x.mjs")]]);

    const result = await workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 150_000 });

    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(1);
    const events = eventsOf(result.stdout);
    const problems = events.filter((event) => event.type === "host.problem");
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(String(problems[0]?.message)).toMatch(
      /cannot make the checkout: .*(Failed to connect|Couldn't connect)/,
    );
    expect(problems[0]?.host).toBe("cut-off");
    const blocked = events.find((event) => event.type === "workstream.blocked");
    expect(String(blocked?.reason)).toMatch(
      /^no worker host could take stranded after \d+ tries: .*Failed to connect/,
    );
    expect(events.filter((event) => event.type === "worker.started")).toEqual([]);
    expect(bundleOf("stranded").verdict).toBe("rejected");
  }, 180_000);

  it("observes a claim again on the host that takes over from one killed mid-verification, when the claim was pushed", async () => {
    startHost("doomed");
    plan(
      [
        [
          "pushed",
          `#!/usr/bin/env bash
cat >/dev/null
echo "export const five = 5;" > five.mjs
git add -A && git commit -qm five
supervise tool push >/dev/null
supervise tool claim_done --input '{"summary": "five"}'
`,
        ],
      ],
      0,
      { done: "local_check", check: "node --test && sleep 3" },
    );
    const running = workspace.supervise(["plan.yaml", "--json"], { timeoutMs: 150_000 });
    expect(await untilOnHost("doomed", "run", "evidence", "pushed", "logs", "claim-1-local_check.log")).toBe(
      true,
    );
    hosts[0]!.process.kill("SIGKILL");
    startHost("rescuer");

    const result = await running;

    expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
    const events = eventsOf(result.stdout);
    expect(events.filter((event) => event.type === "host.lost").map((event) => event.host)).toEqual([
      "doomed",
    ]);
    expect(events.filter((event) => event.type === "claim.made")).toHaveLength(1);
    expect(bundleOf("pushed").gates.find((gate) => gate.id === "local_check")?.status).toBe("pass");
  }, 240_000);
});

describe.skipIf(findProgram("claude") === null && !process.env.CI)(
  "the real Claude Code CLI on a worker host",
  () => {
    const realKey = "sk-ant-api03-supervisor-only-key-host-5d1e";

    // No network in the sandbox: the gateway is a loopback bridge to the host's relay socket. The
    // host's network: the host relays a loopback TCP port of its own instead.
    it.each([
      ["none", /ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:3129\/anthropic\n/],
      ["host", /ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:\d+\/anthropic\n/],
    ])(
      "runs on the host (sandbox network: %s), its model traffic and its MCP tools relayed to the supervisor over the host's channel; the key never reaches the host",
      async (network, baseUrl) => {
        // The honest worker, keeping what its Bash call sees in its HOME on the host (the checkout goes at the release).
        const upstream = await startFakeMessagesApi((step) =>
          step === 0
            ? {
                type: "tool_use",
                id: "toolu_fix",
                name: "Bash",
                input: {
                  command: `env > "$HOME/worker-env.txt"; cat /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' > "$HOME/processes-env.txt"; echo 2 > src/value.txt && git commit -qam 'value is 2'`,
                  description: "Fix the value and commit",
                },
              }
            : honestScript(step),
        );
        try {
          workspace.cleanup();
          workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
          startHost("agents");
          workspace.writePlan(
            "plan.yaml",
            agentPresetPlan("claude-code", [hostsLine(), `sandbox: { network: ${network} }`]),
          );

          const result = await workspace.supervise(["plan.yaml", "--json"], {
            env: { ANTHROPIC_BASE_URL: upstream.url, ANTHROPIC_API_KEY: realKey },
            timeoutMs: 150_000,
          });

          expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
          const events = eventsOf(result.stdout);
          expect(events.filter((event) => event.type === "host.attached").map((event) => event.host)).toEqual(
            ["agents"],
          );
          expect(bundleOf("fix").verdict).toBe("accepted");
          // Upstream saw the supervisor's key on every model request, and the usage counted is what it served.
          const modelRequests = upstream.requests.filter((request) => request.method === "POST");
          expect(modelRequests.length).toBeGreaterThanOrEqual(2);
          expect(new Set(modelRequests.map((request) => request.apiKey))).toEqual(new Set([realKey]));
          const served = modelRequests.filter((request) => !request.url.includes("count_tokens")).length;
          expect((bundleOf("fix") as unknown as { usage: { turns: number } }).usage.turns).toBe(served);
          // The agent ran on the host, in its sandbox there: it saw a gateway token and the bridge's
          // address, never the key; nor is the key anywhere in the host's folder.
          const hostFolder = join(workspace.directory, "host-agents");
          const home = join(hostFolder, readdirSync(hostFolder)[0]!, "homes", "fix", "worker");
          const workerEnvironment = readFileSync(join(home, "worker-env.txt"), "utf8");
          expect(workerEnvironment).toMatch(baseUrl);
          expect(workerEnvironment).toMatch(/ANTHROPIC_API_KEY=\S+/);
          expect(readFileSync(join(home, "processes-env.txt"), "utf8")).toContain("ANTHROPIC_API_KEY=");
          // grep exits 1 when it finds nothing (2 would be its own failure, which proves nothing).
          const keySearch = execaSync("grep", ["-rl", realKey, hostFolder], { reject: false });
          expect([keySearch.exitCode, keySearch.stdout]).toEqual([1, ""]);
        } finally {
          upstream.server.closeAllConnections();
          await new Promise((resolve) => upstream.server.close(resolve));
        }
      },
      200_000,
    );
  },
);

describe("the supervisor's own model loop with its workstream on a worker host", () => {
  it("runs the worker's bash and file tools in the checkout on the host; the claim is the host's commit", async () => {
    const toolUse = (name: string, input: object) => ({ type: "tool_use", id: `toolu_${name}`, name, input });
    const steps = [
      toolUse("write_file", { path: "src/value.txt", content: "2\n" }),
      toolUse("bash", { command: `git commit -qam 'value is 2' && touch "$HOME/bash-ran-here"` }),
      toolUse("read_file", { path: "src/value.txt" }),
      toolUse("claim_done", { summary: "value set to 2 and committed" }),
    ];
    const upstream = await startFakeMessagesApi((step) => steps[step] ?? { type: "text", text: "Done." });
    try {
      workspace.cleanup();
      workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
      startHost("models");
      workspace.writePlan("plan.yaml", agentPresetPlan("anthropic", [hostsLine()]));

      const result = await workspace.supervise(["plan.yaml", "--json"], {
        env: { ANTHROPIC_BASE_URL: upstream.url, ANTHROPIC_API_KEY: "sk-ant-test-host-loop" },
        timeoutMs: 150_000,
      });

      expect(result.exitCode, result.stdout.slice(-3000) + result.stderr).toBe(0);
      const events = eventsOf(result.stdout);
      expect(events.filter((event) => event.type === "host.attached").map((event) => event.host)).toEqual([
        "models",
      ]);
      expect(bundleOf("fix").verdict).toBe("accepted");
      // read_file answered from the host's checkout, where write_file had written.
      const readAnswer = upstream.requests
        .map((request) => JSON.stringify(request.body.messages ?? []))
        .find((messages) => messages.includes("toolu_read_file") && messages.includes("tool_result"));
      expect(readAnswer).toMatch(/"tool_use_id":"toolu_read_file"[^}]*"content":[^}]*2\\n/);
      // bash ran in the host's sandbox, with the workstream's HOME on the host.
      const hostFolder = join(workspace.directory, "host-models");
      expect(
        existsSync(join(hostFolder, readdirSync(hostFolder)[0]!, "homes", "fix", "worker", "bash-ran-here")),
      ).toBe(true);
      // Nothing was written into the supervisor's own shadow of the checkout.
      expect(
        readFileSync(join(workspace.directory, ".supervise", "checkouts", "fix", "src", "value.txt"), "utf8"),
      ).toBe("1\n");
    } finally {
      upstream.server.closeAllConnections();
      await new Promise((resolve) => upstream.server.close(resolve));
    }
  }, 200_000);
});
