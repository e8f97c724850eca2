/**
 * The embedded default forge: a bare origin, pull requests, issues and CI runs under
 * `<stateDir>/forge/`. It behaves like a protected GitHub repository where the supervisor needs
 * it to: merges land one squash commit, only with green CI on the head the caller saw, and close
 * the issues the pull request names.
 */
import { mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Clock } from "../../clock.ts";
import type { CommandHome, CommandRunner } from "../../sandbox/index.ts";
import { createSerialQueue } from "../../serial-queue.ts";
import type { CiStatus, Forge, Landing, MergeResult, PullRequest } from "../forge.ts";
import {
  forgeLayout,
  type LandingRecord,
  landingPath,
  landingRecordSchema,
  listRecordNumbers,
  type PullRequestRecord,
  pullRequestPath,
  pullRequestRecordSchema,
  readRecord,
  writeRecord,
} from "./forge-store.ts";
import { createGit } from "./git.ts";
import { createIssueTracker } from "./issue-tracker.ts";
import { createLocalCi } from "./local-ci.ts";
import { LocalForgeError } from "./local-forge-error.ts";
import { type BatchLanding, createMergeQueue, type QueuedMerge } from "./merge-queue.ts";
import { createOriginRepository, missingBranch } from "./origin-repository.ts";
import { advanceBase, buildMergeResult, deleteQueueBranch } from "./pull-request-merge.ts";
import { createRevertBranch, type RevertBranchRequest } from "./revert-branch.ts";

export interface LocalForgeOptions {
  /** The forge lives in `<stateDir>/forge/`. */
  stateDir: string;
  /** The plan's repository; it gets the remote `supervise` and nothing else is changed in it. */
  userRepository: string;
  base: string;
  /** `commands.ci` of the workstream owning `branch`; undefined: that branch has no CI. */
  ciCommandFor: (branch: string) => string | undefined;
  runner: CommandRunner;
  /** The persistent HOME of a branch's CI runs under isolation; none: an empty HOME each run. */
  ciHomeFor?: (branch: string) => CommandHome | undefined;
  /** The whole environment CI commands get; its PATH is also where the forge finds git. */
  environment: Record<string, string>;
  clock: Clock;
  /** Default 10 minutes. */
  ciTimeoutMs?: number;
  /** Where CI and merge clones go; default the system temp dir. */
  temporaryDirectory?: string;
  /** Most pull requests the merge queue tests together; default 8, 1 tests each alone. */
  maxMergeBatch?: number;
}

export interface LocalForge extends Forge {
  readonly kind: "local";
  /** The bare repository `git pull supervise <base>` reads from. */
  readonly originPath: string;
  /** Resolves when the CI run of `sha` has finished; `none` when there is none. */
  whenCiSettled(sha: string): Promise<CiStatus>;
  /** Pull requests in the merge queue: waiting, or in the batch under test. */
  readonly mergeQueueSize: number;
  /** Aborts running CI; unfinished runs are restarted by the next forge that is asked about them. */
  close(): Promise<void>;
}

const defaultCiTimeoutMs = 10 * 60 * 1000;
const defaultMaxMergeBatch = 8;
const defaultSearchPath = "/usr/local/bin:/usr/bin:/bin";

export function createLocalForge(options: LocalForgeOptions): LocalForge {
  const layout = forgeLayout(resolve(options.stateDir));
  const userRepository = resolve(options.userRepository);
  const temporaryDirectory = options.temporaryDirectory ?? tmpdir();
  const git = createGit(options.environment.PATH ?? defaultSearchPath);
  const origin = createOriginRepository(git, layout.origin);
  const ci = createLocalCi({
    layout,
    git,
    runner: options.runner,
    environment: options.environment,
    ciHomeFor: options.ciHomeFor,
    clock: options.clock,
    timeoutMs: options.ciTimeoutMs ?? defaultCiTimeoutMs,
    temporaryDirectory,
  });
  // Mutations run one at a time: numbering, the open-or-update check and a merge each read then
  // write records, and two interleaved would duplicate a pull request or merge twice. The
  // supervisor holds the state dir's lock, so one process is the only writer.
  const exclusive = createSerialQueue();
  const now = () => new Date(options.clock.now()).toISOString();
  const issues = createIssueTracker(layout, now);

  async function loadPullRequest(number: number): Promise<PullRequestRecord> {
    const record = await readRecord(pullRequestPath(layout, number), pullRequestRecordSchema);
    if (!record) throw new LocalForgeError(`The local forge has no pull request #${number}.`);
    return record;
  }

  async function allPullRequests(): Promise<PullRequestRecord[]> {
    const numbers = await listRecordNumbers(layout.pulls);
    return Promise.all(numbers.map(loadPullRequest));
  }

  /** GitHub numbers issues and pull requests from one sequence; so does this forge. */
  async function nextNumber(): Promise<number> {
    const taken = [...(await listRecordNumbers(layout.issues)), ...(await listRecordNumbers(layout.pulls))];
    return Math.max(0, ...taken) + 1;
  }

  function view(record: PullRequestRecord): PullRequest {
    return {
      number: record.number,
      url: pathToFileURL(pullRequestPath(layout, record.number)).href,
      title: record.title,
      body: record.body,
      head: record.head,
      headSha: record.headSha,
      base: record.base,
      state: record.state,
      isMerged: record.isMerged,
      mergeCommitSha: record.mergeCommitSha,
      mergedAt: record.mergedAt,
      landing: record.landing ?? null,
    };
  }

  /**
   * An open pull request as origin has it now: its head refreshed from the branch, and completed
   * if its merge commit is already on the base (a crash came between the push and the record).
   */
  async function settle(record: PullRequestRecord): Promise<PullRequestRecord> {
    if (record.state !== "open") return record;
    const landed = await origin.findLandedPullRequest(record.number, record.base);
    if (landed) return completeMerge(record, landed);
    return { ...record, headSha: (await origin.branchSha(record.head)) ?? record.headSha };
  }

  /** Issues first, the pull request record last: until that record says merged, this can run again. */
  async function completeMerge(
    record: PullRequestRecord,
    commitSha: string,
    landing?: Landing,
  ): Promise<PullRequestRecord> {
    await issues.closeByPullRequest(record.body, record.number, commitSha);
    const merged: PullRequestRecord = {
      ...record,
      state: "closed",
      isMerged: true,
      mergeCommitSha: commitSha,
      mergedAt: now(),
      landing: landing ?? (await landingOf(commitSha)),
      updatedAt: now(),
    };
    await writeRecord(pullRequestPath(layout, record.number), merged);
    return merged;
  }

  /** What CI tested before `commitSha` landed, from the batch record written before the base moved. */
  async function landingOf(commitSha: string): Promise<Landing | null> {
    let names: string[];
    try {
      names = await readdir(layout.landings);
    } catch {
      return null;
    }
    for (const name of names.filter((candidate) => candidate.endsWith(".json"))) {
      const record = await readRecord(`${layout.landings}/${name}`, landingRecordSchema);
      if (record?.landed.some((landed) => landed.commitSha === commitSha)) return landingFacts(record);
    }
    return null;
  }

  async function prepare(request: { issues: { number: number; title: string }[] }): Promise<void> {
    await mkdir(layout.root, { recursive: true });
    await origin.prepare({ userRepository, base: options.base });
    await issues.ensure(request.issues, new Set(await listRecordNumbers(layout.pulls)));
  }

  async function push(request: { fromRepository: string; sha: string; branch: string }): Promise<void> {
    if (request.branch === options.base) {
      throw new LocalForgeError(
        `\`${options.base}\` is protected: changes reach it only through a merged pull request.`,
      );
    }
    await origin.receive(request);
    const sha = (await origin.branchSha(request.branch)) ?? request.sha; // the full SHA, however it was named
    const command = options.ciCommandFor(request.branch);
    if (command) await ci.start({ sha, branch: request.branch, command });
  }

  async function findPullRequest(request: { head: string; base: string }): Promise<PullRequest | null> {
    const matching = (await allPullRequests()).filter(
      (pull) => pull.head === request.head && pull.base === request.base,
    );
    const chosen = matching.find((pull) => pull.state === "open") ?? matching.at(-1);
    return chosen ? view(await settle(chosen)) : null;
  }

  async function openOrUpdatePullRequest(request: {
    head: string;
    base: string;
    title: string;
    body: string;
  }): Promise<PullRequest> {
    const headSha = await origin.branchSha(request.head);
    if (!headSha) {
      throw new LocalForgeError(
        `Cannot open a pull request from \`${request.head}\`: origin has no such branch.`,
        {
          hint: "Push the branch first.",
        },
      );
    }
    if ((await origin.branchSha(request.base)) === null) throw missingBranch(request.base);
    for (const pull of await allPullRequests()) {
      if (pull.head !== request.head || pull.base !== request.base || pull.state !== "open") continue;
      const settled = await settle(pull);
      if (settled.state !== "open") continue;
      const updated = { ...settled, title: request.title, body: request.body, headSha, updatedAt: now() };
      await writeRecord(pullRequestPath(layout, pull.number), updated);
      return view(updated);
    }
    const created: PullRequestRecord = {
      number: await nextNumber(),
      ...request,
      headSha,
      state: "open",
      isMerged: false,
      mergeCommitSha: null,
      mergedAt: null,
      createdAt: now(),
      updatedAt: now(),
    };
    await writeRecord(pullRequestPath(layout, created.number), created);
    return view(created);
  }

  /** Checked as GitHub's merge button checks, then queued: the merge result is tested before the base moves. */
  async function mergePullRequest(request: {
    number: number;
    expectedHeadSha: string;
    method?: "squash" | "merge" | "rebase";
  }): Promise<MergeResult> {
    const checked = await exclusive(() => checkMergeable(request));
    return "isMerged" in checked ? checked : mergeQueue.enqueue(checked);
  }

  async function checkMergeable(request: {
    number: number;
    expectedHeadSha: string;
    method?: "squash" | "merge" | "rebase";
  }): Promise<MergeResult | QueuedMerge> {
    const record = await loadPullRequest(request.number);
    const refuse = (
      reason: Exclude<MergeResult, { isMerged: true }>["reason"],
      message: string,
    ): MergeResult => ({
      isMerged: false,
      reason,
      message,
    });
    if (record.isMerged) return refuse("already_merged", `Pull request #${record.number} is already merged.`);
    if (record.state === "closed") {
      return refuse("not_mergeable", `Pull request #${record.number} is closed.`);
    }
    const settled = await settle(record);
    if (settled.isMerged && settled.mergeCommitSha) {
      // The merge commit is on the base already: an earlier call crashed after landing it.
      return { isMerged: true, mergeCommitSha: settled.mergeCommitSha };
    }
    const method = request.method ?? "squash";
    if (method === "rebase") {
      return refuse(
        "not_mergeable",
        "The local forge merges by squash or merge commit; rebase merges are not offered.",
      );
    }
    const headSha = await origin.branchSha(record.head);
    if (!headSha) return refuse("not_mergeable", `The head branch \`${record.head}\` is gone from origin.`);
    if (headSha !== request.expectedHeadSha) {
      return refuse(
        "head_moved",
        `The head of #${record.number} is ${headSha}, not the expected ${request.expectedHeadSha}.`,
      );
    }
    const ciStatus = await ci.status(headSha);
    // Like branch protection, require the checks the branch has: one without `commands.ci` has none.
    const isCiRequired = options.ciCommandFor(record.head) !== undefined || ciStatus.state !== "none";
    if (isCiRequired && ciStatus.state !== "success") {
      const summary = ciStatus.checks[0]?.summary;
      return refuse(
        "ci_not_green",
        `CI on ${headSha} is ${ciStatus.state}${summary ? `:\n${summary}` : "."}`,
      );
    }
    if (await origin.isAncestor(headSha, record.base)) {
      return refuse("not_mergeable", `The head ${headSha} is already part of \`${record.base}\`.`);
    }
    return {
      number: record.number,
      title: record.title,
      body: record.body,
      head: record.head,
      base: record.base,
      headSha,
      method,
      ciCommand: options.ciCommandFor(record.head),
    };
  }

  const landOptions = { git, originPath: layout.origin, temporaryDirectory, clock: options.clock };
  const mergeQueue = createMergeQueue({
    maxBatch: options.maxMergeBatch ?? defaultMaxMergeBatch,
    build: (requests) => buildMergeResult(landOptions, (requests[0] as QueuedMerge).base, requests),
    test: async (run) => {
      await ci.start({
        sha: run.sha,
        branch: run.queueBranch,
        command: run.command,
        homeBranch: run.homeBranch,
      });
      return ci.whenSettled(run.sha);
    },
    land: (batch) => exclusive(() => landBatch(batch)),
    discard: (queueBranch) => deleteQueueBranch(landOptions, queueBranch),
    landedSince: (headSha, baseSha) => origin.pullRequestsLandedSince(headSha, baseSha),
    defer: (task) => setImmediate(task),
  });

  /** The batch's record first, then the base, then each pull request: every step can run again. */
  async function landBatch(batch: BatchLanding): Promise<"advanced" | "base_moved"> {
    const base = (batch.landed[0] as BatchLanding["landed"][number]).request.base;
    const record: LandingRecord = {
      ...batch.landing,
      baseBefore: batch.baseBefore,
      landed: batch.landed.map((landed) => ({ number: landed.request.number, commitSha: landed.commitSha })),
    };
    await writeRecord(landingPath(layout, batch.topSha), record);
    const numbers = batch.landing.batch.map((number) => `#${number}`).join(", ");
    const moved = await advanceBase(landOptions, {
      base,
      baseBefore: batch.baseBefore,
      topSha: batch.topSha,
      message: `merge pull requests ${numbers}`,
    });
    if (moved === "base_moved") return moved;
    for (const landed of batch.landed) {
      const pull = await loadPullRequest(landed.request.number);
      await completeMerge(
        { ...pull, headSha: landed.request.headSha },
        landed.commitSha,
        landingFacts(record),
      );
    }
    return moved;
  }

  async function revertBranch(request: RevertBranchRequest) {
    const made = await createRevertBranch(
      { git, originPath: layout.origin, base: options.base, clock: options.clock },
      request,
    );
    const command = options.ciCommandFor(request.branch);
    if (command) await ci.start({ sha: made.sha, branch: request.branch, command });
    return made;
  }

  async function closePullRequest(number: number): Promise<PullRequest> {
    const settled = await settle(await loadPullRequest(number));
    if (settled.state !== "open") return view(settled);
    const closed: PullRequestRecord = { ...settled, state: "closed", updatedAt: now() };
    await writeRecord(pullRequestPath(layout, number), closed);
    return view(closed);
  }

  async function baseSha(base: string): Promise<string> {
    const sha = await origin.branchSha(base);
    if (!sha) throw missingBranch(base);
    return sha;
  }

  async function fetchBase(request: { intoRepository: string; base: string; ref: string }): Promise<string> {
    await baseSha(request.base); // throws, naming it, when the base is missing
    const refspec = `+refs/heads/${request.base}:${request.ref}`;
    await git.run(["fetch", "--no-tags", "--quiet", "--", layout.origin, refspec], {
      cwd: request.intoRepository,
    });
    return git.run(["rev-parse", "--verify", `${request.ref}^{commit}`], { cwd: request.intoRepository });
  }

  return {
    kind: "local",
    originPath: layout.origin,
    prepare: (request) => exclusive(() => prepare(request)),
    push: (request) => exclusive(() => push(request)),
    findPullRequest: (request) => exclusive(() => findPullRequest(request)),
    openOrUpdatePullRequest: (request) => exclusive(() => openOrUpdatePullRequest(request)),
    getPullRequest: (number) => exclusive(async () => view(await settle(await loadPullRequest(number)))),
    mergePullRequest,
    createRevertBranch: (request) => exclusive(() => revertBranch(request)),
    closePullRequest: (number) => exclusive(() => closePullRequest(number)),
    closeIssue: (request) => exclusive(() => issues.closeByHand(request.number, request.comment)),
    getIssue: (number) => issues.get(number),
    ciStatus: (sha) => ci.status(sha),
    whenCiSettled: (sha) => ci.whenSettled(sha),
    baseSha,
    fetchBase: (request) => exclusive(() => fetchBase(request)),
    isAncestorOfBase: (request) => origin.isAncestor(request.sha, request.base),
    close: () => ci.close(),
    get mergeQueueSize() {
      return mergeQueue.size;
    },
  };
}

function landingFacts(record: LandingRecord): Landing {
  return {
    via: record.via,
    testedSha: record.testedSha,
    ciState: record.ciState,
    ciDetailsUrl: record.ciDetailsUrl,
    batch: record.batch,
  };
}
