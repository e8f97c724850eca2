/**
 * The local forge's merge queue: the base moves only to a merge result CI has seen green. Pull
 * requests asked to merge while a batch is under test wait, and go together into the next batch
 * (a train), so N compatible pull requests land in far fewer than N CI runs. A red batch is split
 * in halves and each half tried again on the base as it then is, until the pull request that
 * breaks it is alone: it alone is refused, with the failing merge result's log.
 *
 * The orchestration only: building results, running CI and moving the base are passed in.
 */
import { errorMessage } from "../../errors.ts";
import type { CiStatus, Landing, MergeResult } from "../forge.ts";
import type { LandRequest, MergeResultBuild } from "./pull-request-merge.ts";

export interface QueuedMerge extends LandRequest {
  /** `commands.ci` of the pull request's workstream; undefined: its branch has no CI. */
  ciCommand: string | undefined;
}

export interface BatchLanding {
  baseBefore: string;
  topSha: string;
  landed: { request: QueuedMerge; commitSha: string }[];
  landing: Omit<Landing, "batch"> & { batch: number[] };
}

export interface MergeQueueDependencies {
  /** Most pull requests tested together; 1 tests each alone. */
  maxBatch: number;
  build(requests: readonly QueuedMerge[]): Promise<MergeResultBuild>;
  /** Runs `command` on `sha` (on origin's `queueBranch`) and resolves once it settled. */
  test(run: { sha: string; queueBranch: string; homeBranch: string; command: string }): Promise<CiStatus>;
  /** Moves the base to the batch's top and records each landing, or says the base moved first. */
  land(batch: BatchLanding): Promise<"advanced" | "base_moved">;
  /** Removes a queue branch whose batch is decided. */
  discard(queueBranch: string): Promise<void>;
  /** Pull requests that landed on `baseSha` since `headSha` branched from it: what a red result was tested against. */
  landedSince(headSha: string, baseSha: string): Promise<number[]>;
  /** Runs `task` soon, after what is running now: merges asked at once join one batch. */
  defer(task: () => void): void;
}

export interface MergeQueue {
  /** Resolves once the pull request landed or was refused. */
  enqueue(request: QueuedMerge): Promise<MergeResult>;
  /** Pull requests waiting or under test. */
  readonly size: number;
}

interface Waiting {
  request: QueuedMerge;
  resolve: (result: MergeResult) => void;
}

type Refusal = Extract<MergeResult, { isMerged: false }>;

const baseMoveRetries = 2;

export function createMergeQueue(dependencies: MergeQueueDependencies): MergeQueue {
  const waiting: Waiting[] = [];
  /** Every pull request not yet decided: waiting, or in a batch under test. */
  const undecided = new Set<Waiting>();
  let isDraining = false;

  function enqueue(request: QueuedMerge): Promise<MergeResult> {
    return new Promise<MergeResult>((resolve) => {
      const entry: Waiting = { request, resolve };
      waiting.push(entry);
      undecided.add(entry);
      if (!isDraining) {
        isDraining = true;
        dependencies.defer(() => void drain());
      }
    });
  }

  async function drain(): Promise<void> {
    try {
      while (waiting.length > 0) await landBatch(takeBatch());
    } finally {
      isDraining = false;
    }
  }

  /** The oldest waiting pull request and those after it into the same base, tested by the same command. */
  function takeBatch(): Waiting[] {
    const { ciCommand: command, base } = (waiting[0] as Waiting).request;
    const batch: Waiting[] = [];
    for (let index = 0; index < waiting.length && batch.length < dependencies.maxBatch; ) {
      const entry = waiting[index] as Waiting;
      if (entry.request.ciCommand === command && entry.request.base === base) {
        batch.push(entry);
        waiting.splice(index, 1);
      } else index++;
    }
    return batch;
  }

  function settle(entry: Waiting, result: MergeResult): void {
    undecided.delete(entry);
    entry.resolve(result);
  }

  async function landBatch(batch: Waiting[]): Promise<void> {
    try {
      await tryBatch(batch);
    } catch (error) {
      for (const entry of batch) {
        settle(entry, refusal("not_mergeable", `The merge queue failed: ${errorMessage(error)}`));
      }
    }
  }

  async function tryBatch(initial: Waiting[]): Promise<void> {
    let batch = initial;
    for (let attempt = 0; attempt <= baseMoveRetries; attempt++) {
      const built = await dependencies.build(batch.map((entry) => entry.request));
      batch = batch.filter((entry) => {
        const outcome = built.outcomes.get(entry.request.number);
        if (outcome?.kind === "applied") return true;
        if (outcome?.kind === "conflict") {
          settle(entry, { ...refusal("conflict", outcome.message), conflictingFiles: outcome.files });
        } else {
          settle(entry, refusal("not_mergeable", outcome?.message ?? "The merge result was not built."));
        }
        return false;
      });
      if (batch.length === 0 || built.topSha === null || built.queueBranch === null) return;
      const decided = await testAndLand(batch, built as Built);
      if (decided !== "base_moved") return;
    }
    for (const entry of batch) {
      settle(
        entry,
        refusal(
          "not_mergeable",
          `The base moved ${baseMoveRetries + 1} times while this batch was tested; merge again.`,
        ),
      );
    }
  }

  type Built = MergeResultBuild & { topSha: string; queueBranch: string };

  async function testAndLand(batch: Waiting[], built: Built): Promise<"decided" | "base_moved"> {
    const command = batch[0]?.request.ciCommand;
    const status: CiStatus = command
      ? await dependencies.test({
          sha: built.topSha,
          queueBranch: built.queueBranch,
          homeBranch: (batch[0] as Waiting).request.head,
          command,
        })
      : { sha: built.topSha, state: "none", checks: [] };
    try {
      if (status.state === "success" || status.state === "none") {
        return await landGreen(batch, built, status);
      }
      if (status.state === "pending") {
        const message = `CI on the merge result ${built.topSha.slice(0, 12)} did not finish; merge again.`;
        for (const entry of batch) settle(entry, refusal("not_mergeable", message));
        return "decided";
      }
    } finally {
      await dependencies.discard(built.queueBranch);
    }
    if (batch.length === 1) {
      const entry = batch[0] as Waiting;
      const landedBefore = await dependencies.landedSince(entry.request.headSha, built.baseBefore);
      settle(entry, redResult(entry.request, built, status, landedBefore));
      return "decided";
    }
    const half = Math.ceil(batch.length / 2);
    await tryBatch(batch.slice(0, half));
    await tryBatch(batch.slice(half));
    return "decided";
  }

  async function landGreen(
    batch: Waiting[],
    built: Built,
    status: CiStatus,
  ): Promise<"decided" | "base_moved"> {
    const numbers = batch.map((entry) => entry.request.number);
    const landed = batch.map((entry) => {
      const outcome = built.outcomes.get(entry.request.number);
      if (outcome?.kind !== "applied") throw new Error(`#${entry.request.number} was not applied`);
      return { request: entry.request, commitSha: outcome.commitSha };
    });
    const landing = {
      via: "merge_queue" as const,
      testedSha: built.topSha,
      ciState: status.state === "success" ? ("success" as const) : ("none" as const),
      ciDetailsUrl: status.checks[0]?.detailsUrl ?? null,
      batch: numbers,
    };
    const moved = await dependencies.land({
      baseBefore: built.baseBefore,
      topSha: built.topSha,
      landed,
      landing,
    });
    if (moved === "base_moved") return "base_moved";
    for (const [index, entry] of batch.entries()) {
      settle(entry, {
        isMerged: true,
        mergeCommitSha: (landed[index] as BatchLanding["landed"][number]).commitSha,
        landing,
      });
    }
    return "decided";
  }

  return {
    enqueue,
    get size() {
      return undecided.size;
    },
  };
}

function redResult(
  request: QueuedMerge,
  built: { baseBefore: string; topSha: string },
  status: CiStatus,
  landedBefore: number[],
): Refusal {
  const check = status.checks.find((candidate) => candidate.conclusion !== "success") ?? status.checks[0];
  const landed = landedBefore.map((number) => `#${number}`);
  const base = `\`${request.base}\` at ${built.baseBefore.slice(0, 12)}${landed.length > 0 ? `, which has ${landed.join(", ")} landed since the pull request branched` : ""}`;
  const tail = check?.summary ? `:\n${check.summary}` : ".";
  return {
    ...refusal(
      "merge_result_failed",
      `CI failed on the merge result ${built.topSha.slice(0, 12)} of #${request.number} on ${base} (${check?.conclusion ?? "failure"}; log: ${check?.detailsUrl ?? "none"})${tail}`,
    ),
    mergeResult: {
      testedSha: built.topSha,
      ciDetailsUrl: check?.detailsUrl ?? null,
      batch: [request.number],
    },
  };
}

function refusal(reason: Refusal["reason"], message: string): Refusal {
  return { isMerged: false, reason, message };
}
