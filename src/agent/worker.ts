/**
 * The worker interface: one start of a worker (a model loop or a CLI agent) for one workstream.
 * The run decides when to start one and with which prompt; the worker reports how it ended.
 */

import type { TurnUsage } from "../model/index.ts";
import type { Workstream } from "../plan/index.ts";
import type { WorkerServices } from "./tools/tool-definition.ts";

export interface WorkerStart {
  workstream: Workstream;
  attempt: number;
  prompt: string;
  checkoutPath: string;
  services: WorkerServices;
  /** Aborted when the run stops, the workstream ends, or the budget runs out. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Any sign of life: output, a tool call, a model turn. Feeds idle detection. */
  onActivity(): void;
  /** Model usage of one turn; the run journals it and checks the budget. */
  onUsage(usage: TurnUsage): Promise<void>;
}

export interface WorkerExit {
  exitCode: number | null;
  signal: string | null;
  isTimedOut: boolean;
  isCanceled: boolean;
  durationMs: number;
  /** For the next prompt and the journal, e.g. "exited 0" or "timed out after 60 min". */
  description: string;
  /** The last lines of the worker's output, for the restart prompt. */
  outputTail: string;
  /** Set when the model could not be used at all: the API failed after retries, or it refused. */
  blockedReason?: "api_error" | "spend_limit" | "refusal";
}

export interface WorkerLauncher {
  /** How this kind of worker calls its tools, for the task prompt (prompts/*-tool-usage.md). */
  readonly toolUsagePrompt: string;
  start(start: WorkerStart): Promise<WorkerExit>;
}

export function describeExit(
  exit: Pick<WorkerExit, "exitCode" | "signal" | "isTimedOut" | "isCanceled" | "durationMs">,
): string {
  if (exit.isCanceled) return "stopped by the supervisor";
  if (exit.isTimedOut) return `timed out after ${Math.round(exit.durationMs / 1000)} s`;
  if (exit.exitCode === null) return `killed by ${exit.signal ?? "a signal"}`;
  return `exited ${exit.exitCode}`;
}
