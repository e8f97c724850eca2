/**
 * The bench's figures from its raw measurements: pure, so what each contract name means is
 * written down in one place. Every figure is a median over the repetitions; null when the run
 * did not measure it (e.g. N = 200 under --quick).
 */
import type { ChangeProofResult } from "./change-proof.ts";
import type { GateOrderResult } from "./gate-order.ts";
import type { GatewayBenchResult } from "./gateway.ts";
import type { GithubPollingCount } from "./github-polling.ts";
import type { GithubRequestCount } from "./github-requests.ts";
import type { HostsBenchResult } from "./hosts.ts";
import type { MergeQueueResult } from "./merge-queue.ts";
import type { MutationThroughput } from "./mutation-throughput.ts";
import type { ScenarioResult } from "./scenario.ts";
import { median, rounded } from "./statistics.ts";

export interface BenchMeasurements {
  /** Main campaigns (local_check only, no OS isolation), by workstream count. */
  campaigns: Map<number, ScenarioResult[]>;
  /** The same campaign at N = 50 with the plan's default isolation (bubblewrap). */
  isolatedCampaigns: ScenarioResult[];
  /** N = 10 with ci_green, pr_merged and issue_closed on the local forge. */
  forgeCampaigns: ScenarioResult[];
  /** N = 10 whose check takes a fixed time, standing in for a real test suite. */
  slowGateCampaigns: ScenarioResult[];
  slowGateSeconds: number;
  resumeMs: number[];
  journalEvents: number;
  sandbox: { addedMs: number; directMs: number; isolatedMs: number } | { unavailable: string };
  cachedInputShare: { coldSession: number; warmSession: number; turns: number };
  cliStartMs: number;
  github: GithubRequestCount | { unavailable: string };
  githubPolling: GithubPollingCount | { unavailable: string };
  gateway: GatewayBenchResult | { unavailable: string };
  gateOrder: GateOrderResult | { unavailable: string };
  changeProof: ChangeProofResult | { unavailable: string };
  mutation: MutationThroughput | { unavailable: string };
  mergeQueue: MergeQueueResult | { unavailable: string };
  /** Worker hosts' added latencies; absent when the bench did not measure them. */
  hosts?: HostsBenchResult | { unavailable: string };
}

const perWorkstream = (results: ScenarioResult[] | undefined, pick: (result: ScenarioResult) => number) =>
  results && results.length > 0
    ? median(results.map((result) => pick(result) / result.options.workstreams))
    : null;

const medianOf = (results: ScenarioResult[] | undefined, pick: (result: ScenarioResult) => number) =>
  results && results.length > 0 ? median(results.map(pick)) : null;

const ratio = (numerator: number | null, denominator: number | null) =>
  numerator === null || denominator === null || denominator === 0 ? null : numerator / denominator;

export function computeFigures(measurements: BenchMeasurements): Record<string, number | string[] | null> {
  const { campaigns } = measurements;
  const at = (count: number) => campaigns.get(count);
  const cpuPerWorkstream = (count: number) =>
    perWorkstream(at(count), (result) => result.supervisor.totalCpuMs);
  // The supervisor process alone: its own scaling, without the per-workstream constant of its children.
  const supervisorCpuPerWorkstream = (count: number) =>
    perWorkstream(at(count), (result) => result.supervisor.supervisorCpuMs);
  const largest = Math.max(...campaigns.keys());
  const verificationRatios = measurements.slowGateCampaigns.flatMap((result) =>
    result.verifications.map((claim) => claim.verifyMs / claim.gateCommandMs),
  );
  const fixedVerificationMs = (at(50) ?? []).flatMap((result) =>
    result.verifications.map((claim) => claim.verifyMs - claim.gateCommandMs),
  );
  const forgeVerificationMs = measurements.forgeCampaigns.flatMap((result) =>
    result.verifications.map((claim) => claim.verifyMs),
  );
  const supervisorWall50 = medianOf(at(50), (result) => result.supervisor.wallMs);
  const floorWall50 = medianOf(at(50), (result) => result.floorWallMs ?? Number.NaN);
  const nodeFloorWall50 = medianOf(at(50), (result) => result.nodeFloorWallMs ?? Number.NaN);
  const sandbox = "addedMs" in measurements.sandbox ? measurements.sandbox : null;
  const gateway = "addedMedianMs" in measurements.gateway ? measurements.gateway : null;
  const gateOrder = "namedGatesMs" in measurements.gateOrder ? measurements.gateOrder : null;
  const changeProof = "checkMs" in measurements.changeProof ? measurements.changeProof : null;
  return {
    // The contract (README): these names are read by tooling.
    overhead_ratio_n50: rounded(ratio(supervisorWall50, floorWall50)),
    cost_growth_200_over_10: rounded(ratio(cpuPerWorkstream(200), cpuPerWorkstream(10))),
    peak_rss_mb_n200: rounded(
      medianOf(at(200), (result) => result.supervisor.peakRssMb),
      1,
    ),
    journal_bytes_per_workstream: rounded(
      perWorkstream(at(largest), (result) => result.supervisor.journalBytes),
      0,
    ),
    resume_ms_10k_events: rounded(median(measurements.resumeMs), 1),
    sandbox_added_ms_median: rounded(sandbox?.addedMs ?? null, 2),
    cached_input_share_50_turns: rounded(measurements.cachedInputShare.coldSession),
    verification_overhead_ratio: rounded(verificationRatios.length > 0 ? median(verificationRatios) : null),
    // Counted as GitHub counts against the rate limit: 304s (unchanged, conditional) are free.
    github_requests_per_workstream:
      "workstream" in measurements.github ? measurements.github.workstream : null,
    github_requests_20_workstreams_hour:
      "counted" in measurements.githubPolling ? measurements.githubPolling.counted : null,
    gateway_added_ms_median: rounded(gateway?.addedMedianMs ?? null, 2),
    gateway_added_ms_p99: rounded(gateway?.addedP99Ms ?? null, 2),
    gateway_rss_mb_50_streams: rounded(gateway?.peakRssMb ?? null, 1),
    gate_order_saving: rounded(
      gateOrder === null ? null : ratio(gateOrder.chainedMs, gateOrder.namedGatesMs),
      1,
    ),
    tests_prove_change_added_ratio: rounded(
      changeProof === null ? null : ratio(changeProof.firstClaimMs, changeProof.checkMs),
    ),
    tests_prove_change_reclaim_added_ratio: rounded(
      changeProof === null ? null : ratio(changeProof.reclaimMs, changeProof.checkMs),
    ),
    mutation_mutants_per_minute: rounded(
      "mutantsPerMinute" in measurements.mutation ? measurements.mutation.mutantsPerMinute : null,
      1,
    ),
    merge_queue_ci_runs_20_prs:
      "batched" in measurements.mergeQueue ? measurements.mergeQueue.batched.ciRuns : null,
    merge_queue_ci_runs_20_prs_one_by_one:
      "oneByOne" in measurements.mergeQueue ? measurements.mergeQueue.oneByOne.ciRuns : null,
    merge_queue_wall_ms_20_prs: rounded(
      "batched" in measurements.mergeQueue ? measurements.mergeQueue.batched.wallMs : null,
      0,
    ),
    merge_queue_wall_ms_20_prs_one_by_one: rounded(
      "oneByOne" in measurements.mergeQueue ? measurements.mergeQueue.oneByOne.wallMs : null,
      0,
    ),
    hosts_enqueue_to_start_ms: rounded(
      measurements.hosts && "callMs" in measurements.hosts ? measurements.hosts.enqueueToStartMs : null,
      1,
    ),
    hosts_call_added_ms: rounded(
      measurements.hosts && "callMs" in measurements.hosts ? measurements.hosts.callMs : null,
      2,
    ),
    hosts_event_added_ms: rounded(
      measurements.hosts && "eventMs" in measurements.hosts ? measurements.hosts.eventMs : null,
      2,
    ),
    hosts_supervisor_cpu_ms_per_local_workstream: rounded(
      measurements.hosts && "callMs" in measurements.hosts
        ? (measurements.hosts.supervisorCpu?.localMsPerWorkstream ?? null)
        : null,
      0,
    ),
    hosts_supervisor_cpu_ms_per_remote_workstream: rounded(
      measurements.hosts && "callMs" in measurements.hosts
        ? (measurements.hosts.supervisorCpu?.remoteMsPerWorkstream ?? null)
        : null,
      0,
    ),
    hosts_supervisor_cpu_ratio: rounded(
      measurements.hosts && "callMs" in measurements.hosts
        ? (measurements.hosts.supervisorCpu?.ratio ?? null)
        : null,
      2,
    ),
    mutation_builtin_mutants_per_minute: rounded(
      "builtIn" in measurements.mutation && "mutantsPerMinute" in measurements.mutation.builtIn
        ? measurements.mutation.builtIn.mutantsPerMinute
        : null,
      1,
    ),
    // Details behind the figures.
    tests_prove_change_check_ms: rounded(changeProof?.checkMs ?? null, 0),
    gate_order_named_ms: rounded(gateOrder?.namedGatesMs ?? null, 0),
    gate_order_chained_ms: rounded(gateOrder?.chainedMs ?? null, 0),
    cost_growth_50_over_10: rounded(ratio(cpuPerWorkstream(50), cpuPerWorkstream(10))),
    cpu_ms_per_workstream_n10: rounded(cpuPerWorkstream(10), 0),
    cpu_ms_per_workstream_n50: rounded(cpuPerWorkstream(50), 0),
    cpu_ms_per_workstream_n200: rounded(cpuPerWorkstream(200), 0),
    supervisor_cpu_ms_per_workstream_n10: rounded(supervisorCpuPerWorkstream(10), 0),
    supervisor_cpu_ms_per_workstream_n50: rounded(supervisorCpuPerWorkstream(50), 0),
    supervisor_cpu_ms_per_workstream_n200: rounded(supervisorCpuPerWorkstream(200), 0),
    supervisor_cpu_growth_200_over_10: rounded(
      ratio(supervisorCpuPerWorkstream(200), supervisorCpuPerWorkstream(10)),
    ),
    wall_ms_n10: rounded(
      medianOf(at(10), (result) => result.supervisor.wallMs),
      0,
    ),
    wall_ms_n50: rounded(supervisorWall50, 0),
    wall_ms_n200: rounded(
      medianOf(at(200), (result) => result.supervisor.wallMs),
      0,
    ),
    floor_wall_ms_n50: rounded(floorWall50, 0),
    // What a Node program pays to start and spawn the floor's commands, doing nothing else: the
    // least any Node supervisor's overhead_ratio_n50 can be here.
    node_floor_wall_ms_n50: rounded(nodeFloorWall50, 0),
    node_floor_ratio_n50: rounded(ratio(nodeFloorWall50, floorWall50)),
    wall_ms_n50_bwrap: rounded(
      medianOf(measurements.isolatedCampaigns, (result) => result.supervisor.wallMs),
      0,
    ),
    peak_rss_mb_n50: rounded(
      medianOf(at(50), (result) => result.supervisor.peakRssMb),
      1,
    ),
    peak_heap_mb_n10: rounded(
      medianOf(at(10), (result) => result.supervisor.peakHeapMb),
      1,
    ),
    peak_heap_mb_largest_n: rounded(
      medianOf(at(largest), (result) => result.supervisor.peakHeapMb),
      1,
    ),
    retained_heap_mb_n10: rounded(
      medianOf(at(10), (result) => result.supervisor.retainedHeapMb),
      1,
    ),
    retained_heap_mb_largest_n: rounded(
      medianOf(at(largest), (result) => result.supervisor.retainedHeapMb),
      1,
    ),
    largest_n: largest,
    cli_start_ms: rounded(measurements.cliStartMs, 0),
    verification_fixed_ms_median: rounded(
      fixedVerificationMs.length > 0 ? median(fixedVerificationMs) : null,
      1,
    ),
    verification_gate_seconds: measurements.slowGateSeconds,
    forge_verification_ms_median: rounded(
      forgeVerificationMs.length > 0 ? median(forgeVerificationMs) : null,
      0,
    ),
    forge_wall_ms_per_workstream_n10: rounded(
      perWorkstream(measurements.forgeCampaigns, (result) => result.supervisor.wallMs),
      0,
    ),
    forge_cpu_ms_per_workstream_n10: rounded(
      perWorkstream(measurements.forgeCampaigns, (result) => result.supervisor.totalCpuMs),
      0,
    ),
    cached_input_share_warm_session: rounded(measurements.cachedInputShare.warmSession),
    sandbox_direct_ms_median: rounded(sandbox?.directMs ?? null, 2),
    sandbox_isolated_ms_median: rounded(sandbox?.isolatedMs ?? null, 2),
    journal_events_replayed: measurements.journalEvents,
    github_requests_per_workstream_total:
      "workstreamTotal" in measurements.github ? measurements.github.workstreamTotal : null,
    github_requests_prepare_per_run: "prepare" in measurements.github ? measurements.github.prepare : null,
    github_requests_20_workstreams_hour_total:
      "total" in measurements.githubPolling ? measurements.githubPolling.total : null,
    gateway_cpu_ms_per_request: rounded(gateway?.gatewayCpuMsPerRequest ?? null, 2),
    gateway_direct_ms_median: rounded(gateway?.directMedianMs ?? null, 2),
    gateway_via_ms_median: rounded(gateway?.gatewayMedianMs ?? null, 2),
    gateway_rss_added_mb_50_streams: rounded(
      gateway === null ? null : gateway.peakRssMb - gateway.idleRssMb,
      1,
    ),
    gateway_heap_mb_50_streams: rounded(gateway?.peakHeapMb ?? null, 1),
    gateway_idle_rss_mb: rounded(gateway?.idleRssMb ?? null, 1),
    notes: notesOf(measurements),
  };
}

function notesOf(measurements: BenchMeasurements): string[] {
  const { github, githubPolling } = measurements;
  const notes = [
    "workstream" in github
      ? `github_requests_per_workstream: \`supervise run\` on the github forge against a loopback GitHub fake, a command worker that opens, checks CI, merges and claims; requests GitHub counts (not 304s) by step: ${Object.entries(
          github.byStep,
        )
          .map(([step, count]) => `${step} ${count}`)
          .join(", ")}; ${github.workstreamTotal} with 304s.`
      : `github_requests_per_workstream: null, ${github.unavailable}`,
    "counted" in githubPolling
      ? `github_requests_20_workstreams_hour: the github forge in simulated time, ${githubPolling.workstreams} PRs whose CI stays pending ${githubPolling.pendingMinutes} min, each polled by ci_status every 15 s (${githubPolling.ciStatusCalls} calls) and by ${githubPolling.ciGreenPasses} ci_green waits of 10 min; ${githubPolling.total} requests with 304s.`
      : `github_requests_20_workstreams_hour: null, ${githubPolling.unavailable}`,
    `verification_overhead_ratio: claims whose check takes ${measurements.slowGateSeconds} s; verification_fixed_ms_median is the fixed cost with trivial gates.`,
    "Campaigns run with `sandbox: { isolation: none }` so CPU accounting sees every child (bubblewrap's PID namespace hides them); wall_ms_n50_bwrap is the default-isolation run.",
    "node_floor_ratio_n50: the floor's commands spawned by a fresh Node process that does nothing else (bench/node-floor.ts), over the bash floor: the least overhead_ratio_n50 a Node supervisor could reach on this machine.",
  ];
  notes.push(
    "gateway" in measurements && "addedMedianMs" in measurements.gateway
      ? `gateway_added_ms_*: a streamed Messages call (32 KB request, 20-event answer) by fetch straight to a loopback fake and through the gateway in its own process, ${measurements.gateway.samples} of each, alternated; the p99 figure is the difference of the two p99s. gateway_rss_mb_50_streams: the gateway process's peak RSS while ${measurements.gateway.streams} workers stream at once (idle after GC ${rounded(measurements.gateway.idleRssMb, 1)} MB, most of it Node, type stripping and the price table's zod and yaml).`
      : `gateway_added_ms_median: null, ${"unavailable" in measurements.gateway ? measurements.gateway.unavailable : "not measured"}`,
  );
  notes.push(
    "namedGatesMs" in measurements.gateOrder
      ? `gate_order_saving: time to the verdict of a claim that fails fmt, with fmt chained into the check command (${measurements.gateOrder.chainedMs} ms) over fmt as its own gate run first (${measurements.gateOrder.namedGatesMs} ms); the check and the build are sleeps of ${measurements.gateOrder.slowStepSeconds} s.`
      : `gate_order_saving: null, ${measurements.gateOrder.unavailable}`,
    "checkMs" in measurements.changeProof
      ? `tests_prove_change_added_ratio: the time tests_prove_change adds to a claim (${Math.round(measurements.changeProof.firstClaimMs)} ms: the check on the base's code with the claim's tests, and a clone) over the check command's own (${Math.round(measurements.changeProof.checkMs)} ms, ${measurements.changeProof.testFiles} node:test files); a re-claim that changed only source adds ${Math.round(measurements.changeProof.reclaimMs)} ms (the run without the change is cached).`
      : `tests_prove_change_added_ratio: null, ${measurements.changeProof.unavailable}`,
    "mutantsPerMinute" in measurements.mutation
      ? `mutation_mutants_per_minute: mutants the mutation gate judged per minute with StrykerJS, ${measurements.mutation.mutants} mutants of a small node:test project, each one run of \`node --test\` in the clone of the claim (Stryker's start and dry run included).`
      : `mutation_mutants_per_minute: null, ${measurements.mutation.unavailable}`,
    "batched" in measurements.mergeQueue
      ? `merge_queue_ci_runs_20_prs: CI runs on merge results to land ${measurements.mergeQueue.pullRequests} green, compatible pull requests merged at once through the local forge's queue (batches of up to 8), against one by one (a batch of 1); the CI command takes ${measurements.mergeQueue.ciSeconds} s. Their heads' own CI runs are not counted.`
      : `merge_queue_ci_runs_20_prs: null, ${measurements.mergeQueue.unavailable}`,
    measurements.hosts && "callMs" in measurements.hosts
      ? `hosts_*: BullMQ on a real redis-server, from Queue.add to a worker's processor starting (median of 20; goal ≤ 50 ms); a call and a streamed event on a host channel over TCP loopback, the latency each remote tool call or command and each line of output adds (medians of 500 and 1,000; goals ≤ 5 ms).${measurements.hosts.enqueueUnavailable ? ` Enqueue not measured: ${measurements.hosts.enqueueUnavailable}.` : ""}`
      : "hosts_*: not measured",
    "builtIn" in measurements.mutation && "mutantsPerMinute" in measurements.mutation.builtIn
      ? `mutation_builtin_mutants_per_minute: the built-in engine's, ${measurements.mutation.builtIn.mutants} operator mutants of the same project in Python, each one run of \`python3 -m unittest\`.`
      : `mutation_builtin_mutants_per_minute: null, ${"builtIn" in measurements.mutation && "unavailable" in measurements.mutation.builtIn ? measurements.mutation.builtIn.unavailable : "not measured"}`,
  );
  if ("unavailable" in measurements.sandbox) {
    notes.push(
      `sandbox_added_ms_median: null, OS isolation is unavailable here: ${measurements.sandbox.unavailable}`,
    );
  }
  return notes;
}
