/**
 * What a run is given: the plan, the journal, and every side effect behind a narrow interface
 * (checkouts, workers, gates, forge, escalations), so the run can be tested with fakes and a fake clock.
 */
import type { ToolResult, WorkerLauncher } from "../agent/index.ts";
import type { Clock } from "../clock.ts";
import type { GateServices } from "../evidence/index.ts";
import type { Forge } from "../forge/index.ts";
import type { EscalationNotice, EscalationStore, Playbook } from "../monitor/index.ts";
import type { Plan, Workstream } from "../plan/index.ts";
import type { CommandResult, CommandRunner, RunningCommand, SandboxFacts } from "../sandbox/index.ts";
import type { JournalEvent } from "./events.ts";
import type { Journal } from "./journal.ts";
import type { ScheduleOptions } from "./scheduler.ts";
import type { RunState } from "./workstream-state.ts";

/**
 * Thrown by `CheckoutPort.ensureCheckout` when the place a workstream runs cannot hold its checkout
 * (no worker host could make it): the workstream is blocked for a human with why; never the worker's.
 */
export class CheckoutUnavailableError extends Error {}

/** The checkouts, as the run needs them (implemented by src/workspace/). */
export interface CheckoutPort {
  ensureCheckout(
    workstream: { id: string; branch: string },
    /** signal: the run stopped; a checkout that waits (for a worker host) stops waiting. */
    options?: { startFrom?: () => Promise<string>; signal?: AbortSignal },
  ): Promise<{ path: string; branch: string; baseSha: string; isNew: boolean }>;
  /** HEAD and the uncommitted paths, read together (one git process), by the supervisor itself. */
  readCheckout(path: string): Promise<{ head: string; uncommittedChanges: string[] }>;
  /** Differences between the working tree and HEAD that `git status` does not show (see Workspace.hiddenChanges). */
  hiddenChanges(path: string, head: string): Promise<string[]>;
  /**
   * Copies a checkout's commit into the supervisor's private mirror, the only place pushes start
   * from, as the workstream's own; unless it carries commits another workstream pushed first,
   * which are returned (non-empty `commits`) and keep it from being recorded as this one's.
   */
  fetchIntoMirror(workstreamId: string, sha: string): Promise<{ commits: string[]; owners: string[] }>;
  readonly mirrorPath: string;
  /** `git diff --stat` of the checkout's working tree (commits and uncommitted edits) against `baseSha`. */
  diffStat(path: string, baseSha: string): Promise<string>;
}

export interface RunOptions extends ScheduleOptions {
  noWait: boolean;
}

export interface SupervisorDependencies {
  plan: Plan;
  runId: string;
  runDirectory: string;
  journal: Journal;
  /** Events already in the journal (a resume), folded before anything starts. */
  recordedEvents: readonly JournalEvent[];
  clock: Clock;
  checkouts: CheckoutPort;
  workerLauncherFor(workstream: Workstream): WorkerLauncher;
  gateServices: Omit<GateServices, "readCheckout" | "forge" | "plan">;
  /**
   * The runner of one workstream's gate commands (its own persistent caches, none of its worker's
   * HOME); without it, `gateServices.runner`.
   */
  gateRunnerFor?(workstreamId: string): CommandRunner;
  forge: Forge;
  /** HTTP requests the forge has made so far (GitHub); verifications journal their share. */
  forgeRequestCount?: () => number;
  escalations: EscalationStore;
  playbooks: readonly Playbook[];
  /** Tells a human that an escalation waits (the plan's webhook); resolves with how it went, never rejects. */
  notifyEscalation?(
    notice: EscalationNotice,
  ): Promise<{ isDelivered: boolean; attempts: number; error?: string }>;
  /** Runs a worker's shell command (the `bash` tool) in its checkout, sandboxed, with its workstream's worker HOME. */
  runWorkerCommand(
    where: { workstreamId: string; checkoutPath: string },
    command: string,
    timeoutMs: number,
    signal: AbortSignal,
    /** Called once the command runs, with the way to pause every process it started. */
    onStarted?: (control: RunningCommand) => void,
  ): Promise<CommandResult>;
  /**
   * Where a workstream's checkout is on another machine (a worker host): its file tools run there.
   * Null (or absent) for a checkout here.
   */
  checkoutFilesElsewhere?(
    workstreamId: string,
  ): ((toolName: string, input: unknown) => Promise<ToolResult>) | null;
  redact(text: string): string;
  /** The isolation in force, with how the process limit is enforced: journaled and shown in bundles. */
  sandboxFacts?: SandboxFacts;
  /** The effective date of the price table model costs are estimated with, for the bundles. */
  pricesEffective?: string;
  /**
   * Handed the run's own way to journal an event, once the run exists: side parts that observe for
   * it (worker hosts arriving and leaving) record through the same journal and state.
   */
  onRecorder?(
    record: (
      type: JournalEvent["type"],
      workstream: string | null,
      data: Record<string, unknown>,
    ) => Promise<void>,
  ): void;
  /** Every recorded event, as it happens: the live view and `--json` read this. */
  onEvent(event: JournalEvent): void;
  /** Aborted on Ctrl-C: workers are stopped, the journal is left consistent. */
  signal: AbortSignal;
  options: RunOptions;
  /** Real-time grace a worker gets to exit on its own after its workstream ended. */
  exitGraceMs?: number;
}

export type RunOutcome =
  | { kind: "finished"; state: RunState; allAccepted: boolean }
  | { kind: "stopped"; state: RunState; reason: "interrupted" | "waiting_on_human" | "only" };
