/**
 * What a run works with, made once and undone by the run's cleanup stack: the workspace and its
 * mirror, the worker tools' socket, the `supervise` shim, the process limit, the sandboxed command
 * runner and the forge.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CommandWorkerModelAccess, startToolServer, type ToolServer } from "../../../agent/index.ts";
import { errorMessage, osErrorCode, StateError } from "../../../errors.ts";
import type { Forge } from "../../../forge/index.ts";
import type { HostPlacement } from "../../../hosts/index.ts";
import { isCliAgent } from "../../../plan/index.ts";
import type { RunInfo } from "../../../run/index.ts";
import {
  buildCommandEnvironment,
  type CommandRunner,
  createProcessLimit,
  type ProcessLimit,
  type Redactor,
} from "../../../sandbox/index.ts";
import { Workspace } from "../../../workspace/index.ts";
import type { CleanupStack } from "./cleanup-stack.ts";
import type { Preflight } from "./preflight.ts";
import { createForge } from "./run-forge.ts";
import { startHostPlacement } from "./run-hosts.ts";
import { startRunModelGateway } from "./run-model-gateway.ts";
import { isSelected, type RunRequest } from "./run-request.ts";
import { createSandboxedRunner, startSandboxNetwork } from "./sandboxed-runner.ts";
import { writeSuperviseShim } from "./supervise-shim.ts";
import { type WorkstreamHomes, workstreamHomes } from "./workstream-homes.ts";

export interface RunResources {
  workspace: Workspace;
  /** The base as the mirror holds it now: where new checkouts start. */
  baseSha: string;
  /** The scrubbed environment every command starts from: the plan's secrets are not in it. */
  baseEnvironment: Record<string, string>;
  toolServer: ToolServer;
  /** The folder of the `supervise` shim a worker finds on its PATH. */
  shimDirectory: string;
  processLimit: ProcessLimit;
  runner: CommandRunner;
  forge: Forge;
  /** HTTP requests the forge has made so far (GitHub). */
  forgeRequestCount: () => number;
  /** The run's model gateway as CLI agents reach it; none when no workstream is a CLI agent. */
  modelAccess: CommandWorkerModelAccess | undefined;
  /** Each workstream's persistent HOMEs in the sandbox, its worker's and its gates'. */
  homes: WorkstreamHomes;
  /** Worker hosts, when the plan has `hosts` and some workstream's worker is a CLI agent. */
  placement: HostPlacement | undefined;
}

export async function buildRunResources(
  input: {
    request: RunRequest;
    preflight: Preflight;
    environment: NodeJS.ProcessEnv;
    stateDirectory: string;
    /** The state root the plan's state dir is in: every plan's state under it stays hidden from commands. */
    stateRoot: string;
    run: RunInfo;
    /** A run that resumes nothing: the checkouts an earlier run left are not its to continue from. */
    isNewRun: boolean;
    redact: Redactor;
    /** The run's stop (Ctrl-C): a workstream waiting for a worker host stops waiting. */
    signal: AbortSignal;
  },
  cleanups: CleanupStack,
): Promise<RunResources> {
  const { request, environment, stateDirectory, run } = input;
  const { plan } = request;
  const workspace = new Workspace({
    stateDir: stateDirectory,
    userRepository: plan.repo,
    base: plan.base,
    environment,
  });
  // The mirror, the forge and the process limit are made side by side: each is a chain of git
  // processes or cgroup writes that waits on nothing of the others (a third of the start's time).
  // The user's repository is checked first: a wrong repo or base stops the run before the forge
  // writes anything (its remote in the user's repository, pull requests on GitHub).
  await workspace.checkUserRepository();
  const workstreamIds = plan.workstreams
    .map((workstream) => workstream.id)
    .filter((id) => isSelected(request.only, id));
  const mirrorReady = preparingStateDirectory(stateDirectory, "the private mirror (git/)", async () => {
    // A new run starts every workstream from the base as it is now, never from an earlier run's
    // checkout; that run's commits stay in the mirror, where its evidence names them.
    if (input.isNewRun) {
      const earlier = workstreamIds.filter((id) => existsSync(workspace.checkoutPath(id)));
      await Promise.all(earlier.map((id) => workspace.removeCheckout(id)));
    }
    return workspace.prepare({ workstreamIds });
  });
  cleanups.awaitOnExit(mirrorReady);

  const baseEnvironment = buildCommandEnvironment({ parent: environment, secretPatterns: plan.secrets });
  const socketDirectory = mkdtempSync(join(tmpdir(), "supervise-"));
  cleanups.defer(() => rmSync(socketDirectory, { recursive: true, force: true }));
  const [toolServer, shimDirectory, processLimit] = await cleanups
    .settledInOrder(
      [
        startToolServer(join(socketDirectory, "tools.sock")),
        writeSuperviseShim(run.dir),
        createProcessLimit({ maxProcesses: plan.sandbox.max_processes }),
      ] as const,
      [(server) => server.close(), undefined, (limit) => limit.close()],
    )
    .catch(async (error: unknown) => {
      // The mirror's failure, when it has one, is the one to report: it came first before.
      await mirrorReady;
      throw error;
    });
  const network = await startSandboxNetwork(plan, input.preflight.allowList, socketDirectory, cleanups);
  const runner = createSandboxedRunner({
    plan,
    stateDirectory: input.stateRoot,
    workspace,
    toolServer,
    shimDirectory,
    processLimit,
    network,
    home: environment.HOME,
    path: environment.PATH,
  });

  const modelAccess = plan.workstreams.some(
    (workstream) => isSelected(request.only, workstream.id) && isCliAgent(workstream.agent),
  )
    ? await startRunModelGateway({
        plan,
        environment,
        pricing: input.preflight.pricing,
        socketPath: join(socketDirectory, "gateway.sock"),
        socatPath: input.preflight.socatPath,
        redact: input.redact,
        cleanups,
      })
    : undefined;

  const homes = workstreamHomes(run.dir);
  let forgeRequests = 0;
  const forge = await createForge(plan, {
    ciHomeOf: homes.gates,
    stateDirectory,
    runner,
    environment: baseEnvironment,
    parentEnvironment: environment,
    onGithubRequest: () => {
      forgeRequests += 1;
    },
  });
  cleanups.defer(() => forge.close?.());
  const forgeReady = preparingStateDirectory(stateDirectory, "the local forge (forge/)", () =>
    forge.prepare({
      issues: plan.workstreams.flatMap((workstream) =>
        workstream.issue === undefined ? [] : [{ number: workstream.issue, title: workstream.goal }],
      ),
    }),
  );
  cleanups.awaitOnExit(forgeReady);
  // The mirror's failures first: they name the user's repository and base plainly.
  const { baseSha } = await mirrorReady;
  await forgeReady;

  const placement = await startHostPlacement(
    {
      plan,
      only: request.only,
      runId: run.id,
      runDirectory: run.dir,
      workspace,
      forge,
      toolSocket: toolServer.socketPath,
      gateway: modelAccess
        ? {
            socketPath: modelAccess.loopback?.bridges[0]?.socketPath ?? null,
            origin: modelAccess.loopback ? null : modelAccess.origin,
          }
        : null,
      environment,
      signal: input.signal,
      allowList:
        typeof network === "object"
          ? { proxySocket: network.proxySocketPath, loopback: [...(network.loopback ?? [])] }
          : null,
    },
    cleanups,
  );

  return {
    placement,
    workspace,
    baseSha,
    baseEnvironment,
    toolServer,
    shimDirectory,
    processLimit,
    runner,
    forge,
    forgeRequestCount: () => forgeRequests,
    modelAccess,
    homes,
  };
}

/**
 * The state dir's own layout is broken (a file where a folder must be, no space): a clear error
 * naming the place, exit 2, instead of a stack trace. Nothing recorded is touched.
 */
async function preparingStateDirectory<T>(
  stateDirectory: string,
  what: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const code = osErrorCode(error);
    if (code && ["ENOTDIR", "EEXIST", "EACCES", "EROFS", "ENOSPC", "EISDIR"].includes(code)) {
      throw new StateError(
        `Cannot prepare ${what} in the state dir ${stateDirectory}: ${errorMessage(error)}.`,
        {
          hint: "Something else occupies that path, or the disk is full or read-only; fix it (or pick another --state-dir) and run the same command again.",
          cause: error,
        },
      );
    }
    throw error;
  }
}
