/**
 * Worker hosts in a run (`hosts:` in the plan): which workstreams go to them (every selected one: a
 * CLI agent runs on its host; the supervisor's own model loop stays here and its tools that act on
 * the checkout run there), and the run's checkouts and command runner routed to a workstream's host. The supervisor keeps a local shadow checkout of
 * each remote workstream: its path is how the run names the workstream's checkout, and it holds the
 * commits taken from the host (as bundles) before they enter the mirror by the usual checks.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { HostPlacement, PlacementFailedError } from "../../../hosts/index.ts";
import type { Plan } from "../../../plan/index.ts";
import { type CheckoutPort, CheckoutUnavailableError } from "../../../run/index.ts";
import type { CommandRunner } from "../../../sandbox/index.ts";
import type { Workspace } from "../../../workspace/index.ts";
import type { CleanupStack } from "./cleanup-stack.ts";
import { isSelected } from "./run-request.ts";

export function remoteWorkstreamsOf(plan: Plan, only: ReadonlySet<string> | undefined): string[] {
  if (!plan.hosts) return [];
  return plan.workstreams
    .filter((workstream) => isSelected(only, workstream.id))
    .map((workstream) => workstream.id);
}

export async function startHostPlacement(
  input: {
    plan: Plan;
    only: ReadonlySet<string> | undefined;
    runId: string;
    runDirectory: string;
    workspace: Workspace;
    forge: object;
    toolSocket: string;
    gateway: { socketPath: string | null; origin: string | null } | null;
    environment: NodeJS.ProcessEnv;
    signal: AbortSignal;
    allowList: { proxySocket: string; loopback: { port: number; socketPath: string }[] } | null;
  },
  cleanups: CleanupStack,
): Promise<HostPlacement | undefined> {
  const { plan } = input;
  const remote = remoteWorkstreamsOf(plan, input.only);
  if (!plan.hosts || remote.length === 0) return undefined;
  const servedRepository = "originPath" in input.forge ? String(input.forge.originPath) : null;
  const placement = await HostPlacement.start({
    plan: { ...plan, hosts: plan.hosts },
    runId: input.runId,
    runDirectory: input.runDirectory,
    remoteWorkstreams: remote,
    servedRepository,
    forgeRemoteUrl: servedRepository === null ? forgeRemoteUrl(plan, input.environment) : null,
    toolSocket: input.toolSocket,
    ...(input.environment.PATH ? { searchPath: input.environment.PATH } : {}),
    gateway: input.gateway,
    signal: input.signal,
    allowList: input.allowList,
  });
  cleanups.defer(() => placement.close());
  return placement;
}

function forgeRemoteUrl(plan: Plan, environment: NodeJS.ProcessEnv): string | null {
  if (plan.forge.kind !== "github") return null;
  try {
    return execFileSync("git", ["-C", plan.repo, "remote", "get-url", plan.forge.remote], {
      encoding: "utf8",
      env: { PATH: environment.PATH ?? "/usr/bin:/bin" },
    }).trim();
  } catch {
    return null;
  }
}

/** The workstream whose shadow checkout `path` is, when that workstream runs on a host. */
function remoteOwnerOf(
  placement: HostPlacement,
  workspace: Workspace,
  plan: Plan,
  path: string,
): string | null {
  for (const workstream of plan.workstreams) {
    if (placement.isRemote(workstream.id) && workspace.checkoutPath(workstream.id) === path)
      return workstream.id;
  }
  return null;
}

/**
 * The run's runner, with every command whose working directory is a remote workstream's checkout
 * run on its host instead (the CLI agent itself). An agent whose host was lost is started again
 * on the host that takes the workstream over, in the same start: the loss is not the worker's.
 */
export function routeToHosts(
  runner: CommandRunner,
  placement: HostPlacement | undefined,
  workspace: Workspace,
  plan: Plan,
  baseEnvironment: Record<string, string>,
): CommandRunner {
  if (!placement) return runner;
  return {
    run: async (request) => {
      const owner = remoteOwnerOf(placement, workspace, plan, request.cwd);
      if (owner === null) return runner.run(request);
      for (;;) {
        const result = await placement.runCommand(owner, "agent", request, baseEnvironment);
        const isOver = request.signal?.aborted || placement.isReleased(owner);
        if (!HostPlacement.isHostLoss(result) || isOver) return result;
      }
    },
  };
}

/** The run's checkouts, with a remote workstream's read on its host and its commits taken as bundles. */
export function routeCheckoutsToHosts(
  checkouts: CheckoutPort,
  placement: HostPlacement | undefined,
  workspace: Workspace,
  plan: Plan,
  runDirectory: string,
): CheckoutPort {
  if (!placement) return checkouts;
  const owner = (path: string) => remoteOwnerOf(placement, workspace, plan, path);
  return {
    mirrorPath: checkouts.mirrorPath,
    ensureCheckout: async (workstream, options) => {
      const checkout = await checkouts.ensureCheckout(workstream, options);
      if (placement.isRemote(workstream.id)) {
        const labels = plan.workstreams.find((candidate) => candidate.id === workstream.id)?.hostLabels ?? [];
        await placement
          .place(workstream.id, labels, checkout.baseSha, options?.signal)
          .catch((error: unknown) => {
            if (error instanceof PlacementFailedError) throw new CheckoutUnavailableError(error.message);
            throw error;
          });
      }
      return checkout;
    },
    readCheckout: (path) => {
      const workstream = owner(path);
      return workstream === null ? checkouts.readCheckout(path) : placement.readCheckout(workstream);
    },
    hiddenChanges: (path, head) => {
      const workstream = owner(path);
      return workstream === null
        ? checkouts.hiddenChanges(path, head)
        : placement.hiddenChanges(workstream, head);
    },
    diffStat: (path, baseSha) => {
      const workstream = owner(path);
      return workstream === null
        ? checkouts.diffStat(path, baseSha)
        : placement.diffStat(workstream, baseSha);
    },
    fetchIntoMirror: async (workstreamId, sha) => {
      if (!placement.isRemote(workstreamId)) return checkouts.fetchIntoMirror(workstreamId, sha);
      const file = join(runDirectory, "hosts", `${workstreamId}-${randomUUID()}.bundle`);
      const base = placement.startShaOf(workstreamId) ?? plan.base;
      try {
        await placement.bundle(workstreamId, sha, [base], file);
        await workspace.fetchBundleIntoCheckout(workstreamId, file, sha);
      } finally {
        await rm(file, { force: true });
      }
      return checkouts.fetchIntoMirror(workstreamId, sha);
    },
  };
}

/** The bash tool's commands of a remote workstream, run in its checkout on its host. */
export function workerCommandsOnHost(
  placement: HostPlacement,
  workstreamId: string,
  baseEnvironment: Record<string, string>,
): CommandRunner {
  return { run: (request) => placement.runCommand(workstreamId, "worker", request, baseEnvironment) };
}
