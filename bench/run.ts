/**
 * `npm run bench [-- --json] [-- --quick]`: measures supervise on this machine. Campaigns of
 * N = 10, 50 and 200 generated workstreams run through the real CLI as child processes, with the
 * floor measured beside them; then resume, isolation and prompt-cache figures. Prints a table;
 * with --json the last stdout line is one JSON object of the figures (names in figures.ts).
 * --quick: one repetition, N = 10 and 50 only (a CI smoke run, a few minutes at most).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage } from "../src/errors.ts";
import { measureCachedInputShare } from "./cache-share.ts";
import { measureChangeProof } from "./change-proof.ts";
import { measureCliStart } from "./cli-start.ts";
import { type BenchMeasurements, computeFigures } from "./figures.ts";
import { measureGateOrder } from "./gate-order.ts";
import { measureGateway } from "./gateway.ts";
import { generateJournal } from "./generate-journal.ts";
import { countGithubPolling } from "./github-polling.ts";
import { countGithubRequests } from "./github-requests.ts";
import { measureHosts } from "./hosts.ts";
import { measureMergeQueue } from "./merge-queue.ts";
import { measureMutationThroughput } from "./mutation-throughput.ts";
import { measureReplay } from "./replay-journal.ts";
import { renderTable } from "./report.ts";
import { measureSandboxLatency } from "./sandbox-latency.ts";
import { runScenario, type ScenarioOptions, type ScenarioResult } from "./scenario.ts";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    quick: { type: "boolean", default: false },
    repetitions: { type: "string" },
  },
});
const isQuick = values.quick;
const repetitions = Number(values.repetitions ?? (isQuick ? 1 : 3));
const sizes = isQuick ? [10, 50] : [10, 50, 200];
const concurrency = 4;
const slowGateSeconds = 1;
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

async function scenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const label = `${options.variant} N=${options.workstreams}${options.isolation === "default" ? " bwrap" : ""}${options.checkCommand ? ` check=${options.checkCommand}` : ""}`;
  progress(`${label} …`);
  const result = await runScenario(options);
  const floor = result.floorWallMs === null ? "" : `, floor ${Math.round(result.floorWallMs)} ms`;
  progress(
    `${label}: ${Math.round(result.supervisor.wallMs)} ms wall, ${Math.round(result.supervisor.totalCpuMs)} ms CPU, ${result.supervisor.peakRssMb.toFixed(0)} MB${floor}`,
  );
  return result;
}

const measurements: BenchMeasurements = {
  campaigns: new Map(sizes.map((size) => [size, []])),
  isolatedCampaigns: [],
  forgeCampaigns: [],
  slowGateCampaigns: [],
  slowGateSeconds,
  resumeMs: [],
  journalEvents: 0,
  sandbox: { unavailable: "not measured" },
  cachedInputShare: { coldSession: Number.NaN, warmSession: Number.NaN, turns: 50 },
  cliStartMs: Number.NaN,
  github: { unavailable: "not measured" },
  githubPolling: { unavailable: "not measured" },
  gateway: { unavailable: "not measured" },
  gateOrder: { unavailable: "not measured" },
  changeProof: { unavailable: "not measured" },
  mutation: { unavailable: "not measured" },
  mergeQueue: { unavailable: "not measured" },
};

// Repetitions are the outer loop, so a burst of load on the machine spreads over every size.
for (let repetition = 1; repetition <= repetitions; repetition++) {
  progress(`repetition ${repetition} of ${repetitions}`);
  for (const size of sizes) {
    const result = await scenario({
      workstreams: size,
      variant: "local",
      concurrency,
      isolation: "none",
      withFloor: size === 50,
    });
    measurements.campaigns.get(size)!.push(result);
  }
  if (!isQuick) {
    measurements.isolatedCampaigns.push(
      await scenario({ workstreams: 50, variant: "local", concurrency, isolation: "default" }),
    );
  }
  measurements.forgeCampaigns.push(
    await scenario({ workstreams: 10, variant: "forge", concurrency, isolation: "none" }),
  );
  measurements.slowGateCampaigns.push(
    await scenario({
      workstreams: 10,
      variant: "local",
      concurrency,
      isolation: "none",
      checkCommand: `sleep ${slowGateSeconds}`,
    }),
  );
}

progress("resume of a 10,000-event journal …");
const journalDirectory = mkdtempSync(join(tmpdir(), "supervise-bench-journal-"));
try {
  const journal = generateJournal(join(journalDirectory, "journal.jsonl"), {
    events: 10_000,
    workstreams: 100,
  });
  measurements.journalEvents = journal.eventCount;
  for (let index = 0; index < (isQuick ? 3 : 7); index++) {
    measurements.resumeMs.push(await measureReplay(journal.file, journal.workstreamIds));
  }
} finally {
  rmSync(journalDirectory, { recursive: true, force: true });
}

progress("isolation latency …");
const sandbox = await measureSandboxLatency(isQuick ? 20 : 50);
measurements.sandbox = sandbox.available ? sandbox : { unavailable: sandbox.reason };

progress("prompt cache over 50 model turns …");
measurements.cachedInputShare = await measureCachedInputShare(50);

progress("GitHub requests of one verified workstream …");
try {
  measurements.github = await countGithubRequests();
} catch (error) {
  // The github forge and its fake are young; a change there must not cost the other figures.
  measurements.github = {
    unavailable: `the count failed: ${errorMessage(error)}`,
  };
}
progress("GitHub requests of 20 PRs polled for a simulated hour …");
try {
  measurements.githubPolling = await countGithubPolling();
} catch (error) {
  measurements.githubPolling = {
    unavailable: `the count failed: ${errorMessage(error)}`,
  };
}

progress("model gateway: added latency and memory at 50 streaming workers …");
try {
  measurements.gateway = await measureGateway({ samples: isQuick ? 200 : 500, streams: 50 });
} catch (error) {
  measurements.gateway = {
    unavailable: `the measurement failed: ${error instanceof Error ? error.message : String(error)}`,
  };
}

progress("gate order: a claim failing fmt, named gates against one chained check …");
try {
  measurements.gateOrder = await measureGateOrder({ repetitions: isQuick ? 1 : 3, slowStepSeconds: 2 });
} catch (error) {
  measurements.gateOrder = { unavailable: `the measurement failed: ${errorMessage(error)}` };
}

progress("tests_prove_change: the time it adds to a claim, first and re-claimed …");
try {
  measurements.changeProof = await measureChangeProof({ repetitions: isQuick ? 1 : 3 });
} catch (error) {
  measurements.changeProof = { unavailable: `the measurement failed: ${errorMessage(error)}` };
}

progress("mutation gate: mutants per minute …");
try {
  measurements.mutation = await measureMutationThroughput();
} catch (error) {
  measurements.mutation = { unavailable: `the measurement failed: ${errorMessage(error)}` };
}

progress("merge queue: landing 20 green, compatible pull requests, in batches and one by one …");
try {
  measurements.mergeQueue = await measureMergeQueue({ pullRequests: 20, ciSeconds: 1 });
} catch (error) {
  measurements.mergeQueue = { unavailable: `the measurement failed: ${errorMessage(error)}` };
}

progress(
  "worker hosts: enqueue to start, what a host channel adds, the supervisor's CPU per remote workstream …",
);
try {
  measurements.hosts = await measureHosts({ cpuRounds: isQuick ? 1 : 3 });
} catch (error) {
  measurements.hosts = { unavailable: `the measurement failed: ${errorMessage(error)}` };
}

progress("CLI start …");
measurements.cliStartMs = await measureCliStart(isQuick ? 3 : 7);

const figures = computeFigures(measurements);
process.stdout.write(
  `\nsupervise bench (${isQuick ? "quick, " : ""}${repetitions} repetition(s), concurrency ${concurrency}, medians)\n\n`,
);
process.stdout.write(`${renderTable(figures)}\n`);
if (values.json) process.stdout.write(`${JSON.stringify(figures)}\n`);
