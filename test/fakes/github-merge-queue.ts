/**
 * The GitHub fake's merge queue and its GraphQL API. A branch may have a merge queue; enqueueing
 * (GraphQL `enqueuePullRequest`, head pinned by `expectedHeadOid`) builds the entry's merge group:
 * a commit on top of the base and every entry ahead, on `gh-readonly-queue/<base>/pr-<n>-<head>`,
 * with `merge_group` check runs the test's CI plan decides. `runCi()` completes them; from the
 * front, a green group lands (the base fast-forwards to it, as GitHub's queue does) and a red one
 * is removed with a RemovedFromMergeQueueEvent, the groups behind it rebuilt without it.
 *
 * GraphQL answers name only the operations the github forge sends, in GitHub's envelope and
 * field shapes (`data`, `errors` with `type` and `path`); anything else is a violation.
 */
import type { GraphqlRequest, GraphqlResponse } from "./github-http.ts";
import type { CheckRunRecord, PullRecord, UserRecord } from "./github-objects.ts";

/** What the test's CI does on a commit the fake made: its check runs' planned results. */
export type CiPlan = (commit: {
  sha: string;
  kind: "updated_head" | "merge_group";
  pullRequest: number;
}) => { name: string; conclusion: "success" | "failure"; summary?: string }[];

interface QueueEntry {
  id: string;
  pullRequest: number;
  base: string;
  headSha: string;
  groupSha: string | null;
  groupBranch: string | null;
  enqueuedAt: string;
}

interface RemovalEvent {
  reason: string;
  createdAt: string;
}

export interface MergeQueueDependencies {
  pulls: Map<number, PullRecord>;
  branches: Map<string, string>;
  botUser: UserRecord;
  timestamp(): string;
  addCommit(input: { parents: string[]; message: string }): string;
  /** Starts the CI plan's check runs on a commit the fake made, queued. */
  startChecks(sha: string, kind: "updated_head" | "merge_group", pullRequest: number): void;
  checkRunsOn(sha: string): CheckRunRecord[];
  isConflicting(pull: PullRecord): boolean;
  /** Merges `pull` by moving its base to `landedSha`, a commit already made. */
  fastForward(pull: PullRecord, landedSha: string, actor: UserRecord): void;
  nodeIdOf(pull: PullRecord): string;
}

export function createMergeQueueFake(dependencies: MergeQueueDependencies) {
  const { pulls, branches } = dependencies;
  const queueBranches = new Set<string>();
  const entries: QueueEntry[] = [];
  const additions = new Map<number, number>();
  const removals = new Map<number, RemovalEvent[]>();
  let nextEntry = 0;

  const queueOf = (base: string) => entries.filter((entry) => entry.base === base);
  const entryOf = (number: number) => entries.find((entry) => entry.pullRequest === number);
  /** Each merge group's first parent: the base, or the group of the entry ahead, it was built on. */
  const groupParent = new Map<string, string>();

  /** (Re)builds every merge group of `base` whose base moved: each on the base plus those ahead. */
  function buildGroups(base: string): void {
    let below = branches.get(base) as string;
    for (const entry of queueOf(base)) {
      const pull = pulls.get(entry.pullRequest) as PullRecord;
      const current = entry.groupSha ? groupParent.get(entry.groupSha) : undefined;
      if (entry.groupSha && current === below) {
        below = entry.groupSha;
        continue;
      }
      if (entry.groupBranch) branches.delete(entry.groupBranch);
      if (dependencies.isConflicting(pull)) {
        remove(entry, "Merge conflict with the base branch");
        continue;
      }
      const sha = dependencies.addCommit({
        parents: [below, entry.headSha],
        message: `Merge pull request #${pull.number} from ${pull.head}\n\n${pull.title}`,
      });
      groupParent.set(sha, below);
      entry.groupSha = sha;
      entry.groupBranch = `gh-readonly-queue/${base}/pr-${pull.number}-${entry.headSha}`;
      branches.set(entry.groupBranch, sha);
      dependencies.startChecks(sha, "merge_group", pull.number);
      below = sha;
    }
  }
  function remove(entry: QueueEntry, reason: string): void {
    entries.splice(entries.indexOf(entry), 1);
    if (entry.groupBranch) branches.delete(entry.groupBranch);
    const list = removals.get(entry.pullRequest) ?? [];
    list.push({ reason, createdAt: dependencies.timestamp() });
    removals.set(entry.pullRequest, list);
  }

  /** From the front of each queue: lands green groups, drops the first red one, stops at a pending one. */
  function advance(): void {
    for (const base of queueBranches) {
      buildGroups(base); // the base may have moved since the groups were made
      for (const entry of [...queueOf(base)]) {
        const runs = entry.groupSha ? dependencies.checkRunsOn(entry.groupSha) : [];
        if (runs.some((run) => run.status !== "completed")) break;
        if (runs.some((run) => run.conclusion !== "success")) {
          remove(entry, "The merge group failed its required status checks");
          buildGroups(base);
          break;
        }
        entries.splice(entries.indexOf(entry), 1);
        if (entry.groupBranch) branches.delete(entry.groupBranch);
        dependencies.fastForward(
          pulls.get(entry.pullRequest) as PullRecord,
          entry.groupSha as string,
          dependencies.botUser,
        );
      }
    }
  }

  function entryView(entry: QueueEntry, withQueue: boolean) {
    const queue = queueOf(entry.base);
    const runs = entry.groupSha ? dependencies.checkRunsOn(entry.groupSha) : [];
    const state = runs.some((run) => run.status !== "completed") ? "AWAITING_CHECKS" : "MERGEABLE";
    return {
      id: entry.id,
      state,
      position: queue.indexOf(entry) + 1,
      headCommit: entry.groupSha ? { oid: entry.groupSha } : null,
      ...(withQueue
        ? {
            mergeQueue: {
              entries: {
                nodes: queue.map((each, index) => ({
                  position: index + 1,
                  pullRequest: { number: each.pullRequest },
                })),
              },
            },
          }
        : {}),
    };
  }

  type Answer = GraphqlResponse;

  function enqueue(pull: PullRecord, expectedHeadOid: string): Answer {
    const field = "enqueuePullRequest";
    const headSha = branches.get(pull.head) ?? pull.headSha;
    if (headSha !== expectedHeadOid) {
      return refused(
        field,
        "UNPROCESSABLE",
        `Expected head oid ${expectedHeadOid} does not match the head ${headSha}`,
      );
    }
    if (entryOf(pull.number))
      return refused(field, "UNPROCESSABLE", "Pull request is already in the merge queue");
    nextEntry += 1;
    const entry: QueueEntry = {
      id: `MQE_${nextEntry}`,
      pullRequest: pull.number,
      base: pull.base,
      headSha,
      groupSha: null,
      groupBranch: null,
      enqueuedAt: dependencies.timestamp(),
    };
    entries.push(entry);
    additions.set(pull.number, (additions.get(pull.number) ?? 0) + 1);
    buildGroups(pull.base);
    const current = entryOf(pull.number);
    return { data: { [field]: { mergeQueueEntry: current ? entryView(current, false) : null } } };
  }
  const refused = (field: string, type: string, message: string): Answer => ({
    data: { [field]: null },
    errors: [{ type, path: [field], locations: [{ line: 2, column: 3 }], message }],
  });

  const operations: Record<
    string,
    { variables: string[]; answer(variables: Record<string, unknown>): Answer }
  > = {
    MergeQueueOfBranch: {
      variables: ["owner", "name", "branch"],
      answer: ({ branch }) => ({
        data: {
          repository: {
            mergeQueue: queueBranches.has(String(branch)) ? { id: `MQ_${String(branch)}` } : null,
          },
        },
      }),
    },
    QueuedPullRequest: {
      variables: ["owner", "name", "number"],
      answer: ({ number }) => {
        const pull = pulls.get(Number(number));
        if (!pull) {
          return {
            data: { repository: { pullRequest: null } },
            errors: [
              {
                type: "NOT_FOUND",
                path: ["repository", "pullRequest"],
                locations: [{ line: 3, column: 5 }],
                message: `Could not resolve to a PullRequest with the number of ${String(number)}.`,
              },
            ],
          };
        }
        const entry = entryOf(pull.number);
        const removed = removals.get(pull.number) ?? [];
        return {
          data: {
            repository: {
              pullRequest: {
                id: dependencies.nodeIdOf(pull),
                number: pull.number,
                state: pull.isMerged ? "MERGED" : pull.state === "open" ? "OPEN" : "CLOSED",
                merged: pull.isMerged,
                headRefOid: branches.get(pull.head) ?? pull.headSha,
                mergeCommit: pull.isMerged && pull.mergeCommitSha ? { oid: pull.mergeCommitSha } : null,
                mergeQueueEntry: entry ? entryView(entry, true) : null,
                removals: {
                  totalCount: removed.length,
                  nodes: removed.slice(-1).map((event) => ({
                    __typename: "RemovedFromMergeQueueEvent",
                    reason: event.reason,
                    createdAt: event.createdAt,
                  })),
                },
                additions: { totalCount: additions.get(pull.number) ?? 0 },
              },
            },
          },
        };
      },
    },
    EnqueuePullRequest: {
      variables: ["pullRequestId", "expectedHeadOid"],
      answer: ({ pullRequestId, expectedHeadOid }) => {
        const field = "enqueuePullRequest";
        const pull = [...pulls.values()].find((each) => dependencies.nodeIdOf(each) === pullRequestId);
        if (!pull)
          return refused(
            field,
            "NOT_FOUND",
            `Could not resolve to a node with the global id of '${String(pullRequestId)}'`,
          );
        if (pull.state !== "open") return refused(field, "UNPROCESSABLE", "Pull request is closed");
        if (!queueBranches.has(pull.base)) {
          return refused(field, "UNPROCESSABLE", `Merge queue is not enabled for the ${pull.base} branch`);
        }
        return enqueue(pull, String(expectedHeadOid));
      },
    },
    DequeuePullRequest: {
      variables: ["id"],
      answer: ({ id }) => {
        const entry = entries.find((each) => each.id === id);
        if (!entry)
          return refused(
            "dequeuePullRequest",
            "NOT_FOUND",
            `Could not resolve to a node with the global id of '${String(id)}'`,
          );
        remove(entry, "Removed by the supervisor");
        buildGroups(entry.base);
        return { data: { dequeuePullRequest: { mergeQueueEntry: { id: entry.id } } } };
      },
    },
  };

  return {
    /** POST /graphql, for github-http.ts; `violations` collects requests GitHub would not take. */
    answer(request: GraphqlRequest, violations: string[]): GraphqlResponse {
      const name = /^\s*(?:query|mutation)\s+(\w+)/.exec(request.query)?.[1] ?? "";
      const operation = operations[name];
      if (!operation) {
        violations.push(`the fake's GraphQL API has no operation ${name || "(anonymous)"}`);
        return {
          data: null,
          errors: [{ message: `the fake does not answer ${name || "anonymous operations"}` }],
        };
      }
      const missing = operation.variables.filter((variable) => request.variables[variable] === undefined);
      if (missing.length > 0) {
        violations.push(`GraphQL ${name} was sent without the variables ${missing.join(", ")}`);
        return {
          data: null,
          errors: missing.map((variable) => ({
            message: `Variable $${variable} of type was provided invalid value`,
          })),
        };
      }
      const answer = operation.answer(request.variables);
      // GitHub answers with exactly the fields asked for: a field the query never names is drift.
      for (const field of fieldNames(answer.data)) {
        if (!new RegExp(`\\b${field}\\b`).test(request.query)) {
          violations.push(
            `GraphQL ${name}: the fake answered the field ${field}, which the query does not ask for`,
          );
        }
      }
      return answer;
    },
    /** The base branch takes changes only through its merge queue from now on. */
    enable(branch: string): void {
      queueBranches.add(branch);
    },
    hasQueue: (branch: string) => queueBranches.has(branch),
    /** A person adds the pull request to the queue in the web UI, at its current head. */
    enqueueByHand(number: number): void {
      const pull = pulls.get(number);
      if (!pull) throw new Error(`no pull request #${number}`);
      const answer = enqueue(pull, branches.get(pull.head) ?? pull.headSha);
      if (answer.errors) throw new Error(answer.errors.map((error) => error.message).join("; "));
    },
    advance,
    entries,
    removalsOf: (number: number) => removals.get(number) ?? [],
  };
}

export type MergeQueueFake = ReturnType<typeof createMergeQueueFake>;

function fieldNames(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) fieldNames(item, into);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      into.add(key);
      fieldNames(item, into);
    }
  }
  return into;
}
