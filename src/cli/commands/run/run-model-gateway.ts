/**
 * The run's model gateway: CLI agents (Claude Code, Codex, any `command`) reach their model API
 * through it with a per-workstream token, and the supervisor's real keys stay here. Upstreams come
 * from the supervisor's environment (`ANTHROPIC_API_KEY`/`ANTHROPIC_BASE_URL`,
 * `OPENAI_API_KEY`/`OPENAI_BASE_URL`). Inside a sandbox with its own network namespace the agent
 * reaches it on a loopback port that socat bridges to the gateway's unix socket; where loopback is
 * shared (no isolation, or the host's network) it uses the gateway's TCP port directly.
 */
import { type CommandWorkerModelAccess, createGatewayDispatch } from "../../../agent/index.ts";
import { systemClock } from "../../../clock.ts";
import { errorMessage } from "../../../errors.ts";
import { startModelGateway, type UpstreamCredential } from "../../../gateway/index.ts";
import type { PricingTable } from "../../../model/index.ts";
import type { Plan } from "../../../plan/index.ts";
import { gatewayBridgePort, type Redactor } from "../../../sandbox/index.ts";
import type { CleanupStack } from "./cleanup-stack.ts";

export async function startRunModelGateway(input: {
  plan: Plan;
  environment: NodeJS.ProcessEnv;
  pricing: PricingTable;
  socketPath: string;
  socatPath: string | undefined;
  redact: Redactor;
  cleanups: CleanupStack;
}): Promise<CommandWorkerModelAccess> {
  const { plan, environment } = input;
  const dispatch = createGatewayDispatch();
  const gateway = await startModelGateway({
    upstreams: upstreamsFrom(environment),
    pricing: input.pricing,
    clock: systemClock,
    socketPath: input.socketPath,
    redact: input.redact,
    ...dispatch.hooks,
    // The exchange was answered; the run goes on. A bug in a hook must not stop every worker.
    onInternalError: (error) => process.stderr.write(`supervise: model gateway: ${errorMessage(error)}\n`),
  });
  input.cleanups.defer(() => gateway.close());
  const isLoopbackShared = plan.sandbox.isolation === "none" || plan.sandbox.network === "host";
  if (isLoopbackShared || input.socatPath === undefined || gateway.socketPath === undefined) {
    return { gateway, dispatch, origin: gateway.origin };
  }
  return {
    gateway,
    dispatch,
    origin: `http://127.0.0.1:${gatewayBridgePort}`,
    loopback: {
      socatPath: input.socatPath,
      bridges: [{ port: gatewayBridgePort, socketPath: gateway.socketPath }],
    },
  };
}

function upstreamsFrom(
  environment: NodeJS.ProcessEnv,
): Partial<Record<"anthropic" | "openai", UpstreamCredential>> {
  const upstreams: Partial<Record<"anthropic" | "openai", UpstreamCredential>> = {};
  if (environment.ANTHROPIC_API_KEY) {
    upstreams.anthropic = {
      baseUrl: environment.ANTHROPIC_BASE_URL || "https://api.anthropic.com",
      apiKey: environment.ANTHROPIC_API_KEY,
      keyName: "ANTHROPIC_API_KEY",
    };
  }
  if (environment.OPENAI_API_KEY) {
    upstreams.openai = {
      baseUrl: environment.OPENAI_BASE_URL || "https://api.openai.com/v1",
      apiKey: environment.OPENAI_API_KEY,
      keyName: "OPENAI_API_KEY",
    };
  }
  return upstreams;
}
