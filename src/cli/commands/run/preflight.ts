/**
 * Everything checked before the state dir is touched: the credentials the plan needs, the price
 * table, the model inputs, and the sandbox's host tools. A failure here is bad input or a missing
 * tool (exit 2), and leaves nothing behind.
 */

import { SuperviseError } from "../../../errors.ts";
import { loadBundledPriceTables, type PricingTable } from "../../../model/index.ts";
import { isCliAgent, type Plan } from "../../../plan/index.ts";
import { checkIsolationAvailable, findNetworkBridge } from "../../../sandbox/index.ts";
import type { CommandContext } from "../command-context.ts";
import { loadModelInputs, type ModelInputs } from "./model-inputs.ts";
import { isSelected, type RunRequest } from "./run-request.ts";

export interface Preflight {
  pricing: PricingTable;
  /** The cassettes and the `--record` directory; undefined when no worker or reviewer is a model. */
  modelInputs: ModelInputs | undefined;
  /** `sandbox.network.allow` under bwrap: the hosts the proxy lets through, and the socat found for them. */
  allowList: { hosts: string[]; bridgePath: string } | undefined;
  /** socat, when found: it bridges the model gateway into each CLI agent's sandbox. */
  socatPath: string | undefined;
}

export async function checkBeforeStarting(request: RunRequest, context: CommandContext): Promise<Preflight> {
  checkCredentials(request, context.environment);
  // Read and checked once, before anything starts: a broken price file is bad input (exit 2).
  const pricing = loadBundledPriceTables();
  const modelInputs = loadModelInputsIfNeeded(request, context.cwd);
  await checkIsolationAvailability(request.plan);
  const allowList = await findAllowList(request.plan, context.environment);
  const socat = await findNetworkBridge(context.environment.PATH ?? "");
  const socatPath = socat.available ? socat.bridgePath : undefined;
  checkGatewayBridge(request.plan, socatPath);
  return { pricing, modelInputs, allowList, socatPath };
}

function checkCredentials(request: RunRequest, environment: NodeJS.ProcessEnv): void {
  const { plan, only } = request;
  if (plan.forge.kind === "github" && !environment.GITHUB_TOKEN) {
    throw new SuperviseError(
      `The plan's forge is github (${plan.forge.owner}/${plan.forge.repo}), and GITHUB_TOKEN is not set.`,
      {
        hint: "Export GITHUB_TOKEN (a token that can push, open and merge pull requests and close issues); for GitHub Enterprise also GITHUB_API_URL.",
      },
    );
  }
  const needsApiKey = plan.workstreams.find(
    (workstream) =>
      isSelected(only, workstream.id) &&
      (workstream.agent.provider === "anthropic" ||
        workstream.agent.provider === "claude-code" ||
        (workstream.done.includes("review") && workstream.reviewer.provider === "anthropic")),
  );
  if (needsApiKey && !environment.ANTHROPIC_API_KEY) {
    throw new SuperviseError(
      `Workstream ${needsApiKey.id} uses an anthropic model (its worker, Claude Code through the run's model gateway, or its reviewer), and ANTHROPIC_API_KEY is not set.`,
      {
        hint: "Export ANTHROPIC_API_KEY (see .env.example): the supervisor keeps it and hands workers a gateway token instead; or use `agent: { provider: replay, cassette: … }`.",
      },
    );
  }
  const needsOpenAiKey = plan.workstreams.find(
    (workstream) => isSelected(only, workstream.id) && workstream.agent.provider === "codex",
  );
  if (needsOpenAiKey && !environment.OPENAI_API_KEY) {
    throw new SuperviseError(
      `Workstream ${needsOpenAiKey.id} runs Codex, which reaches its model through the run's model gateway with the supervisor's OPENAI_API_KEY, and OPENAI_API_KEY is not set.`,
      {
        hint: "Export OPENAI_API_KEY (and OPENAI_BASE_URL for another endpoint): workers get a gateway token, never the key.",
      },
    );
  }
}

function loadModelInputsIfNeeded(request: RunRequest, cwd: string): ModelInputs | undefined {
  if (!needsModelInputs(request.plan, request.record)) return undefined;
  return loadModelInputs(request.plan, request.playbooks, {
    record: request.record,
    only: request.only,
    cwd,
  });
}

/** Whether the run has a model worker or reviewer (or records one): only then are its inputs read. */
function needsModelInputs(plan: Plan, record: string | undefined): boolean {
  return (
    record !== undefined ||
    plan.workstreams.some((workstream) => !isCliAgent(workstream.agent) || workstream.done.includes("review"))
  );
}

/** Claude Code and Codex cannot reach their model from a sandbox without the bridge to the gateway. */
function checkGatewayBridge(plan: Plan, socatPath: string | undefined): void {
  if (plan.sandbox.isolation !== "bwrap" || plan.sandbox.network === "host" || socatPath !== undefined)
    return;
  const preset = plan.workstreams.find(
    (workstream) => workstream.agent.provider === "claude-code" || workstream.agent.provider === "codex",
  );
  if (preset) {
    throw new SuperviseError(
      `Workstream ${preset.id} runs ${preset.agent.provider}, which reaches its model through the run's gateway over a loopback bridge into its sandbox, and socat was not found.`,
      { hint: "Install socat (Debian and Ubuntu: `apt-get install -y socat`)." },
    );
  }
}

async function checkIsolationAvailability(plan: Plan): Promise<void> {
  if (plan.sandbox.isolation !== "bwrap") return;
  const availability = await checkIsolationAvailable();
  if (!availability.available) {
    throw new SuperviseError(`OS isolation (bubblewrap) is not available here: ${availability.reason}`, {
      hint: "Install it (Debian: apt-get install -y bubblewrap), or run without OS isolation by putting `sandbox: { isolation: none }` in the plan.",
    });
  }
}

/** An allow-list needs socat to bridge the sandbox's proxy socket; `none` and `host` need nothing. */
async function findAllowList(plan: Plan, environment: NodeJS.ProcessEnv): Promise<Preflight["allowList"]> {
  if (plan.sandbox.isolation !== "bwrap" || typeof plan.sandbox.network !== "object") return undefined;
  const hosts = plan.sandbox.network.allow;
  const networkBridge = await findNetworkBridge(environment.PATH ?? "/usr/bin:/bin");
  if (!networkBridge.available) {
    throw new SuperviseError(
      `The plan allows a list of hosts (sandbox.network.allow): ${networkBridge.reason}`,
      {
        hint: "Install socat (Debian: apt-get install -y socat), or use `network: none` or `network: host` in the plan's sandbox.",
      },
    );
  }
  return { hosts, bridgePath: networkBridge.bridgePath };
}
