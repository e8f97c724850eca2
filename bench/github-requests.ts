/**
 * GitHub API requests for one verified workstream: the real `supervise` CLI on
 * `forge: { kind: github }`, its API the stateful GitHub fake on loopback, its git side a local
 * bare remote. A `command` worker does what an honest agent does (open_pull_request, ci_status,
 * merge_pull_request, claim_done); the supervisor verifies the claim (ci_green, pr_merged,
 * issue_closed) and posts the bundle on the PR. Each push gets one green check run.
 *
 * Counted requests are those GitHub counts against the rate limit: every answer but a 304 (a
 * conditional request whose resource did not change). Requests are put in steps by the journal
 * events around them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { campaignPlan, createGithubCampaign } from "../test/fakes/github-campaign.ts";
import type { RecordedExchange } from "../test/fakes/github-http.ts";

const token = "ghs_benchtoken0123456789abcdef";

export interface GithubRequestCount {
  /** Once per run, not per workstream: the repository, the base and the plan's issues. Counted. */
  prepare: number;
  /** Counted requests of the workstream (304s excluded): the figure. */
  workstream: number;
  /** Every request of the workstream, 304s included. */
  workstreamTotal: number;
  /** Counted requests per step. */
  byStep: Record<string, number>;
  /** `METHOD template status` of every request of the workstream, in order. */
  requests: string[];
}

const workerScript = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value to 2", "body": "The value is now 2."}'
supervise tool ci_status
supervise tool merge_pull_request
supervise tool claim_done --input '{"summary": "value is 2; CI green; merged"}'
`;

/** Journal events that end a step, in the order the worker's steps happen. */
const stepEnds: { step: string; endsWith: string }[] = [
  { step: "prepare", endsWith: "run.started" },
  { step: "open_pull_request", endsWith: "pull_request.opened" },
  { step: "ci_status and merge_pull_request", endsWith: "merge.completed" },
  { step: "verification", endsWith: "claim.accepted" },
];
const lastStep = "bundle comments";

export async function countGithubRequests(): Promise<GithubRequestCount> {
  const campaign = await createGithubCampaign({ token, webUrl: "https://github.bench.test" });
  const { workspace, loopback, fake } = campaign;
  try {
    const worker = workspace.writeWorker("worker.sh", workerScript);
    workspace.writePlan("plan.yaml", campaignPlan(worker, { sandbox: "{ isolation: none }" }));
    const result = await workspace.supervise(["plan.yaml"], {
      env: { GITHUB_TOKEN: token, GITHUB_API_URL: loopback.url },
    });
    if (result.exitCode !== 0) {
      throw new Error(
        `the github run was not accepted (exit ${result.exitCode}): ${result.stderr.slice(-2000)}`,
      );
    }
    fake.assertHealthy();
    return countByStep(fake.exchanges, journalOf(workspace.directory));
  } finally {
    await campaign.close();
  }
}

function journalOf(directory: string): { type: string; atMs: number }[] {
  const runs = join(directory, ".supervise", "runs");
  const run = join(runs, readdirSync(runs)[0] ?? "");
  return readFileSync(join(run, "journal.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; ts: string })
    .map((event) => ({ type: event.type, atMs: Date.parse(event.ts) }));
}

function countByStep(
  exchanges: readonly RecordedExchange[],
  journal: readonly { type: string; atMs: number }[],
): GithubRequestCount {
  const boundaries = stepEnds.map(({ step, endsWith }) => {
    const event = journal.find((entry) => entry.type === endsWith);
    if (!event) throw new Error(`the journal has no ${endsWith} event`);
    return { step, endsAtMs: event.atMs };
  });
  const stepOf = (exchange: RecordedExchange) =>
    boundaries.find((boundary) => exchange.atMs <= boundary.endsAtMs)?.step ?? lastStep;
  const isCounted = (exchange: RecordedExchange) => exchange.status !== 304;
  const byStep: Record<string, number> = {};
  for (const { step } of [...stepEnds.slice(1), { step: lastStep }]) byStep[step] = 0;
  let prepare = 0;
  const workstream: RecordedExchange[] = [];
  for (const exchange of exchanges) {
    const step = stepOf(exchange);
    if (step === "prepare") {
      if (isCounted(exchange)) prepare += 1;
      continue;
    }
    workstream.push(exchange);
    if (isCounted(exchange)) byStep[step] = (byStep[step] ?? 0) + 1;
  }
  return {
    prepare,
    workstream: workstream.filter(isCounted).length,
    workstreamTotal: workstream.length,
    byStep,
    requests: workstream.map((exchange) => `${exchange.method} ${exchange.template} ${exchange.status}`),
  };
}

// `npx node bench/github-requests.ts`: this figure alone, as JSON.
if (import.meta.main) process.stdout.write(`${JSON.stringify(await countGithubRequests(), null, 2)}\n`);
