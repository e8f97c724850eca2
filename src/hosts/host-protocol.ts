/**
 * What the supervisor and a worker host say to each other over their channel: the calls each side
 * serves, and their inputs and answers. The supervisor decides; the host observes and executes.
 */
import type { ClaimUnderVerification, GateResult } from "../evidence/index.ts";
import type { Plan } from "../plan/index.ts";
import type { CommandResult } from "../sandbox/index.ts";

/** The job BullMQ carries: only where to go and who this host is for; everything else comes over the channel. */
export interface PlacementJob {
  run: string;
  workstream: string;
  /** The supervisor's host endpoint as the plan advertises it (`http://…`). */
  endpoint: string;
  /** The Redis key holding the current endpoint: a resumed supervisor may listen elsewhere. */
  endpointKey: string;
  token: string;
}

/** Host → supervisor `attach`: who took the workstream and what it still holds of it. */
export interface AttachRequest {
  host: string;
  workstream: string;
  /** Set when this host already holds the workstream's checkout (a channel that came back). */
  checkout: { path: string; head: string } | null;
}

/** Supervisor → host, the answer to `attach`: how to make the checkout and run its commands. */
export interface AttachAnswer {
  run: string;
  plan: Plan;
  workstream: string;
  branch: string;
  /** The commit a new checkout starts from when the forge has no pushed branch of the workstream. */
  startSha: string;
  /** Where the host clones from (git smart HTTP, or the forge's own remote), and the base branch there. */
  git: { url: string; base: string };
  /** The supervisor's paths that commands name, which the host replaces with its own. */
  supervisorPaths: { toolSocket: string; gatewaySocket: string | null; gatewayOrigin: string | null };
  /**
   * The plan's network allow-list, served by the supervisor: its filtering proxy and the loopback
   * ports it allows, each relayed over the channel (targets `proxy` and `loopback:<port>`). Null
   * without an allow-list.
   */
  allowList: { loopbackPorts: number[] } | null;
}

/** Supervisor → host `command.run`: one command in the host's checkout of the workstream. */
export interface RemoteCommand {
  id: string;
  /** worker: the bash tool's command; agent: the CLI agent itself (its tools and model reached over the channel). */
  purpose: "worker" | "agent";
  command: string;
  /** The variables the supervisor set beyond its own base environment (the host adds its own base). */
  env: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  outputCapBytes?: number;
  readOnly?: string[];
  /** Loopback ports inside the sandbox that must lead to the supervisor's model gateway. */
  gatewayPorts?: number[];
}

export type RemoteCommandResult = CommandResult;

/** Supervisor → host `gates.observe`: the checkout gates of one claim, observed where the checkout is. */
export interface ObserveGatesRequest {
  claim: ClaimUnderVerification & { commit: string };
  gates: string[];
}

export interface ObserveGatesAnswer {
  results: GateResult[];
  /** Files the gates wrote (logs, ledgers), by path relative to the run directory, base64. */
  files: Record<string, string>;
}

export const hostQueueName = "supervise-workstreams";

/**
 * The run's set of workstreams its supervisor let go, in Redis: a host that takes one of them (its
 * job outlived its run, say a host killed just after the release) completes it at once instead of
 * waiting for a supervisor that has nothing more for it.
 */
export function releasedKeyOf(run: string): string {
  return `supervise:released:${run}`;
}

/** The queue of workstreams that need a host with exactly these labels (none: any host). */
export function queueNameFor(labels: readonly string[]): string {
  return labels.length === 0 ? hostQueueName : `${hostQueueName}.${[...labels].sort().join("+")}`;
}

/** Every queue a host with these labels takes from: one per subset of them. */
export function queueNamesForHost(labels: readonly string[]): string[] {
  const sorted = [...new Set(labels)].sort();
  const names: string[] = [];
  for (let mask = 0; mask < 1 << sorted.length; mask += 1) {
    names.push(queueNameFor(sorted.filter((_, index) => (mask & (1 << index)) !== 0)));
  }
  return names;
}
