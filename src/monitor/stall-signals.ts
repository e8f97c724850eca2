/**
 * The signals of a stall, each judged by a pure function from what was observed (a command's
 * result, the checkout's fingerprint, the clock, a CI state, the folded workstream state) and
 * the memory the monitor keeps between observations. Observing is `StallMonitor`'s job; these
 * only judge, so every signal is tested on data.
 */
import type { WorkerExit } from "../agent/index.ts";
import type { PullRequest } from "../forge/index.ts";
import type { BudgetConfig } from "../plan/index.ts";
import type { WorkstreamState } from "../run/index.ts";
import { type BudgetLine, budgetLines, describeBudgetLine, exhaustedBudget } from "./budget.ts";
import type { SignalKind } from "./playbook.ts";

/** What a judge found: the signal and the evidence the worker (and the journal) will read. */
export interface DetectedSignal {
  kind: SignalKind;
  evidence: string;
}

/** A command's outcome as the repeat signals read it. */
export interface CommandOutcome {
  command: string;
  exitCode: number | null;
  output: string;
}

/** The checkout as the monitor compares it: HEAD, modified paths and the diffstat. */
export function checkoutFingerprint(checkout: {
  head: string;
  uncommittedChanges: readonly string[];
  diffStat: string;
}): string {
  return `${checkout.head}\n${checkout.uncommittedChanges.join("\n")}\n${checkout.diffStat}`;
}

/**
 * Repeat, the first way: the same command failing the same way `limit` times in a row. Numbers
 * are ignored, so timings and pids do not hide a loop. `history` holds the failures in a row.
 */
export function judgeRepeatedFailure(
  history: readonly string[],
  outcome: CommandOutcome,
  limit: number,
): { history: string[]; signal: DetectedSignal | null } {
  if (outcome.exitCode === 0) return { history: [], signal: null };
  const signature = `${outcome.command}\u0000${outcome.exitCode}\u0000${outcome.output.replace(/\d+/g, "0").slice(-4000)}`;
  const inARow = history.at(-1) === signature ? [...history, signature] : [signature];
  if (inARow.length < limit) return { history: inARow, signal: null };
  return {
    history: [],
    signal: {
      kind: "repeat",
      evidence: `\`${outcome.command}\` failed the same way ${limit} times in a row (exit ${outcome.exitCode}):\n${outcome.output.slice(-1500)}`,
    },
  };
}

/** One error signature and the commands that showed it, with the distinct checkouts it failed in. */
export interface SurvivingError {
  signature: string;
  commands: readonly string[];
  fingerprints: readonly string[];
}

/**
 * Only the command that showed the error can show it is gone: a passing `git commit` proves
 * nothing about a failing test.
 */
export function judgeErrorGone(surviving: SurvivingError | null, command: string): SurvivingError | null {
  return surviving?.commands.includes(command) ? null : surviving;
}

/**
 * Repeat, the second way: the same error signature surviving `limit` different states of the
 * checkout, so the edits do not touch its cause. `fingerprint` is null when the checkout could
 * not be read; such a run counts for nothing.
 */
export function judgeSurvivingError(
  surviving: SurvivingError | null,
  observed: { command: string; exitCode: number | null; signature: string; fingerprint: string | null },
  limit: number,
): { surviving: SurvivingError | null; signal: DetectedSignal | null } {
  const same =
    surviving?.signature === observed.signature
      ? surviving
      : { signature: observed.signature, commands: [], fingerprints: [] };
  const commands = same.commands.includes(observed.command)
    ? same.commands
    : [...same.commands, observed.command];
  if (observed.fingerprint === null || same.fingerprints.includes(observed.fingerprint)) {
    return { surviving: { ...same, commands }, signal: null };
  }
  const fingerprints = [...same.fingerprints, observed.fingerprint];
  if (fingerprints.length < limit) return { surviving: { ...same, commands, fingerprints }, signal: null };
  return {
    surviving: null,
    signal: {
      kind: "repeat",
      evidence: `The same error survived ${fingerprints.length} different states of the checkout: the edits are not reaching its cause. Last seen from \`${observed.command}\` (exit ${observed.exitCode}):\n${observed.signature.slice(0, 1500)}`,
    },
  };
}

/** Ten model turns of reading and thinking without any change to the checkout is a stall. */
export const turnsWithoutProgressLimit = 10;

export interface ProgressMemory {
  fingerprint: string;
  turnsWithoutChange: number;
}

/** No progress: model turns without any change to the checkout (HEAD, or what is modified). */
export function judgeProgress(
  previous: ProgressMemory | null,
  fingerprint: string,
  turns: number,
): { progress: ProgressMemory; signal: DetectedSignal | null } {
  if (!previous || previous.fingerprint !== fingerprint) {
    return { progress: { fingerprint, turnsWithoutChange: 0 }, signal: null };
  }
  const turnsWithoutChange = previous.turnsWithoutChange + turns;
  if (turnsWithoutChange < turnsWithoutProgressLimit) {
    return { progress: { fingerprint, turnsWithoutChange }, signal: null };
  }
  const [head = "", ...rest] = fingerprint.split("\n");
  return {
    progress: { fingerprint, turnsWithoutChange: 0 },
    signal: {
      kind: "no_progress",
      evidence: `${turnsWithoutProgressLimit} model turns without any change to the checkout (HEAD ${head.slice(0, 12)}${rest.some((line) => line.length > 0) ? ", with uncommitted changes" : ""}).`,
    },
  };
}

/** Since when CI has been red on one head, and whether that was signalled already. */
export interface CiRedMemory {
  sha: string;
  sinceMs: number;
  isSignalled: boolean;
}

/** CI red on the same PR head for `ciRedMinutes`: a stall, signalled once per head. */
export function judgeCiRed(
  red: CiRedMemory | null,
  observation: { sha: string; state: string; summary: string },
  nowMs: number,
  ciRedMinutes: number,
): { red: CiRedMemory | null; signal: DetectedSignal | null } {
  if (observation.state !== "failure") return { red: null, signal: null };
  if (!red || red.sha !== observation.sha) {
    return { red: { sha: observation.sha, sinceMs: nowMs, isSignalled: false }, signal: null };
  }
  if (red.isSignalled || nowMs - red.sinceMs < ciRedMinutes * 60_000) return { red, signal: null };
  return {
    red: { ...red, isSignalled: true },
    signal: {
      kind: "ci_red",
      evidence: `CI has been red on ${observation.sha.slice(0, 12)} for ${Math.round((nowMs - red.sinceMs) / 60_000)} minutes:\n${observation.summary}`,
    },
  };
}

/**
 * 80 % of any budget, once per grant: a warning for the running worker. A spent budget is not a
 * warning; it ends the start on its own and goes to a human.
 */
export function judgeBudgetWarning(
  budget: BudgetConfig,
  state: WorkstreamState,
  nowMs: number,
): DetectedSignal | null {
  if (state.status !== "running" && state.status !== "verifying") return null;
  if (exhaustedBudget(budget, state, nowMs)) return null;
  const lines = budgetLines(budget, state, nowMs);
  const nearly = lines.find((line) => line.used >= 0.8 * line.limit);
  const warnedSinceExtension = state.signals.some(
    (signal) =>
      signal.signal === "budget_warning" && (!state.budgetExtendedAt || signal.ts >= state.budgetExtendedAt),
  );
  if (!nearly || warnedSinceExtension) return null;
  const percent = (line: BudgetLine) => Math.round((100 * line.used) / line.limit);
  return {
    kind: "budget_warning",
    evidence: [
      `${describeBudgetLine(nearly)} spent (${percent(nearly)} %).`,
      ...lines.map((line) => `- ${describeBudgetLine(line)} (${percent(line)} %)`),
    ].join("\n"),
  };
}

/** Whether judging a stopped worker needs its pull request (only a plain exit does). */
export function needsPullRequest(exit: WorkerExit, wasIdle: boolean): boolean {
  return !wasIdle && !exit.blockedReason;
}

/** Why a worker stopped, and whether starting it again could help at all. */
export interface StoppedWorkerSignal extends DetectedSignal {
  /** False for a spend limit: a human lifts it, no restart does. */
  canRestartHelp: boolean;
}

/**
 * A worker stopped without an accepted claim: which signal that is. Null when its claims were
 * rejected and it gave up, since the rejection evidence is in the restart prompt already.
 * `pullRequest` is the workstream's, looked up only when `needsPullRequest` says so.
 */
export function judgeStoppedWorker(
  exit: WorkerExit,
  observed: { wasIdle: boolean; madeClaim: boolean; pullRequest: PullRequest | null },
): StoppedWorkerSignal | null {
  const lastOutput = exit.outputTail ? `; its last output:\n${exit.outputTail.slice(-1500)}` : "";
  const stopped: StoppedWorkerSignal = {
    kind: "stopped_without_claim",
    evidence: `the worker ${exit.description}${lastOutput}`,
    canRestartHelp: true,
  };
  if (observed.wasIdle) return { ...stopped, kind: "idle" };
  if (exit.blockedReason === "spend_limit") {
    return {
      kind: "model_blocked",
      evidence: `the model API failed: ${exit.description}`,
      canRestartHelp: false,
    };
  }
  if (exit.blockedReason) {
    // The model is unreachable or refused: the playbook retries once, then a human decides.
    return {
      kind: "model_blocked",
      evidence: `the model ${exit.blockedReason === "refusal" ? "refused" : "API failed"}: ${exit.description}`,
      canRestartHelp: true,
    };
  }
  const pullRequest = observed.pullRequest;
  if (pullRequest && pullRequest.state === "open" && !pullRequest.isMerged) {
    return {
      kind: "stopped_after_pr",
      evidence: `pull request #${pullRequest.number} (${pullRequest.url}) is open and not merged; head ${pullRequest.headSha}. The worker ${exit.description}.`,
      canRestartHelp: true,
    };
  }
  return observed.madeClaim ? null : stopped;
}

/** What the idle watch remembers: the last activity, and the checkout as it looked after half the idle time. */
export interface IdleMemory {
  lastActivityMs: number;
  /** The checkout's fingerprint once the worker has been quiet for half the idle time; null before. */
  baseline: string | null;
}

/** What the idle watch does on a tick: nothing, look at the checkout, or forget the quiet so far. */
export type IdleTick = "wait" | "take_baseline" | "compare_baseline" | "reset";

/**
 * The checkout is looked at only once the worker has been quiet for half the idle time (a
 * baseline), then again at the idle time: a busy worker costs no git process at all. Waiting
 * on a human or on the verdict of its claim is not the worker idling.
 */
export function judgeIdleTick(
  memory: IdleMemory,
  observed: { status: WorkstreamState["status"]; nowMs: number; idleMs: number },
): IdleTick {
  if (observed.status === "escalated" || observed.status === "verifying") return "reset";
  const quietMs = observed.nowMs - memory.lastActivityMs;
  if (memory.baseline === null && quietMs >= observed.idleMs / 2) return "take_baseline";
  if (memory.baseline !== null && quietMs >= observed.idleMs) return "compare_baseline";
  return "wait";
}

/**
 * After the second look: a checkout that changed means a silent CLI agent at work (`claude -p`
 * prints at the end), so its activity counts from now; an unchanged one past the idle time is idle.
 */
export function judgeIdleCheckout(
  memory: IdleMemory,
  observed: { fingerprint: string | null; nowMs: number; idleMs: number },
): { memory: IdleMemory; isIdle: boolean } {
  if (observed.fingerprint !== memory.baseline) {
    return { memory: { lastActivityMs: observed.nowMs, baseline: observed.fingerprint }, isIdle: false };
  }
  return { memory, isIdle: observed.nowMs - memory.lastActivityMs >= observed.idleMs };
}
