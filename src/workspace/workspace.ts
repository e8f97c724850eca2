/**
 * The supervisor's private repositories: a bare mirror of the user's repository, and one clone of
 * it per workstream for the worker. A clone has refs of its own (worktrees would share them), so a
 * worker can move nothing but its own checkout's refs; its commits reach the mirror only through
 * fetchFromCheckout, and the forge only when the supervisor pushes from the mirror.
 *
 * State-dir layout:
 *   git/mirror.git                    bare; refs/heads/<base>, refs/supervise/<id>/{base,commits/<sha>}
 *   checkouts/<id>                    the workstream's checkout, on its branch
 *   checkouts/.partial/<id>/clone     a checkout being made; renamed into place when complete
 */
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { StateError, SuperviseError } from "../errors.ts";
import { workstreamIdPattern } from "../plan/index.ts";
import { createSerialQueue, type SerialQueue } from "../serial-queue.ts";
import { createSafeGit, type SafeGit, type SafeGitOptions } from "./safe-git.ts";
import { baseCountingCeiling, WorkerCommitLimitError } from "./tree-limits.ts";
import { emptyTreeSize, measureTree, type TreeSize } from "./tree-size.ts";
import { inspectUserRepository } from "./user-repository.ts";
import {
  checkWorkerCommit,
  defaultWorkerCommitLimits,
  type WorkerCommitLimits,
  type WorkerCommitRefusal,
} from "./worker-commit-limits.ts";

export interface Checkout {
  workstream: string;
  path: string;
  branch: string;
  /** The base commit the branch was created from (kept in the mirror, so a resume reports the same). */
  baseSha: string;
  isNew: boolean;
}

export interface WorkspaceOptions {
  stateDir: string;
  /** The plan's repository; only ever read. */
  userRepository: string;
  /** The plan's base branch. */
  base: string;
  /** PATH and HOME for git; see SafeGitOptions. */
  environment?: SafeGitOptions["environment"];
  /** What the supervisor takes of a worker's commit; default worker-commit-limits.ts's. */
  workerCommitLimits?: WorkerCommitLimits;
}

/** The worker's commits are its own; a local identity lets it commit where no global one exists. */
const workerIdentity = { name: "supervise worker", email: "worker@supervise.invalid" } as const;

/**
 * Pushing to `origin` (the mirror) must fail: a path under /dev/null can be neither a directory nor
 * created. The remote itself stays, so the worker can still `git fetch origin` and diff against
 * `origin/<base>`; removing it would take that away and stop no one who pushes by path anyway.
 */
const disabledPushUrl = "/dev/null/push-disabled";

/** `git clone` options every worker's clone gets, wherever it is made: its identity, and no push. */
export const workerCloneConfig: readonly string[] = [
  "--config",
  `user.name=${workerIdentity.name}`,
  "--config",
  `user.email=${workerIdentity.email}`,
  "--config",
  `remote.origin.pushurl=${disabledPushUrl}`,
];

const shaPattern = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export class Workspace {
  private readonly stateDir: string;
  private readonly userRepository: string;
  private readonly base: string;
  private readonly environment: SafeGitOptions["environment"];
  /** One SafeGit per directory, so commands in one repository never run in parallel. */
  private readonly repositories = new Map<string, Promise<SafeGit>>();
  /** The last operation per workstream: creating, reusing and removing a checkout never overlap. */
  private readonly workstreamQueues = new Map<string, SerialQueue>();
  /** Fetching a worker's commit into the mirror and recording its owner, across workstreams. */
  private readonly commitOwnership: SerialQueue = createSerialQueue();
  /**
   * The base as prepare() fetched it. Only prepare() moves the mirror's base, so checkouts made
   * after it start there without asking git again (a process per workstream, in the mirror's queue).
   */
  private preparedBaseSha: string | undefined;
  private userRepositoryCheck: Promise<void> | undefined;
  /** Workstreams whose base prepare() recorded in the mirror (at preparedBaseSha). */
  private readonly basesRecorded = new Set<string>();
  private readonly workerCommitLimits: WorkerCommitLimits;
  /** By base SHA: the tree the limits of its workstreams' commits grow from. */
  private readonly baseTreeSizes = new Map<string, Promise<TreeSize>>();
  /**
   * By workstream and commit: a claim's fetch and its gates ask about the same commit, and a
   * commit's objects never change; measuring once spares a handful of git processes per claim.
   */
  private readonly commitRefusals = new Map<string, Promise<WorkerCommitRefusal | null>>();

  constructor(options: WorkspaceOptions) {
    this.stateDir = resolve(options.stateDir);
    this.userRepository = resolve(options.userRepository);
    this.base = options.base;
    this.environment = options.environment;
    this.workerCommitLimits = options.workerCommitLimits ?? defaultWorkerCommitLimits;
  }

  /** The bare repository the supervisor pushes from; no worker can write to it through git. */
  get mirrorPath(): string {
    return join(this.stateDir, "git", "mirror.git");
  }

  checkoutPath(workstreamId: string): string {
    if (!workstreamIdPattern.test(workstreamId)) {
      throw new SuperviseError(
        `"${workstreamId}" is not a workstream id (letters, digits, ".", "_" and "-").`,
      );
    }
    return join(this.stateDir, "checkouts", workstreamId);
  }

  /**
   * Creates the mirror on first use, then fetches the base into it; returns the base's SHA. The
   * base of every listed workstream that has no checkout yet is recorded at once (one git process
   * for all, where one per checkout queued behind each other in the mirror).
   */
  async prepare(options: { workstreamIds?: readonly string[] } = {}): Promise<{ baseSha: string }> {
    await this.checkUserRepository();
    if (!(await isDirectory(this.mirrorPath))) await this.createMirror();
    const mirror = await this.repository(this.mirrorPath);
    // Only the base is fetched, by an explicit refspec: refs/supervise/* are never touched, and
    // the user's repository is only read (no remote is configured in either direction).
    const baseBranchRef = `refs/heads/${this.base}`;
    await fetchExactly(mirror, this.userRepository, `+${baseBranchRef}:${baseBranchRef}`);
    const baseSha = await this.mirrorBaseSha(mirror);
    this.preparedBaseSha = baseSha;
    const withoutCheckout: string[] = [];
    for (const id of options.workstreamIds ?? []) {
      if (!(await isDirectory(this.checkoutPath(id)))) withoutCheckout.push(id);
    }
    if (withoutCheckout.length > 0) {
      await mirror.raw(["update-ref", "--stdin"], {
        input: withoutCheckout.map((id) => `update ${baseRef(id)} ${baseSha}\n`).join(""),
      });
      for (const id of withoutCheckout) this.basesRecorded.add(id);
    }
    return { baseSha };
  }

  /**
   * The workstream's checkout, made once and reused after; safe to call again after a crash. A new
   * one starts from the base as prepared, or from the commit `startFrom` gives (asked only when a
   * checkout is made), which must be in the mirror: the base as it is now, with the merges of the
   * workstreams this one depends on.
   */
  ensureCheckout(
    workstream: { id: string; branch: string },
    options: { startFrom?: () => Promise<string> } = {},
  ): Promise<Checkout> {
    return this.queued(workstream.id, async () => {
      const path = this.checkoutPath(workstream.id);
      const mirror = await this.repository(this.mirrorPath).catch((error: unknown) => {
        throw new StateError(`The supervisor's mirror ${this.mirrorPath} is missing; prepare() makes it.`, {
          cause: error,
        });
      });
      if (await isDirectory(path)) return this.reuseCheckout(mirror, workstream, path);
      return this.createCheckout(mirror, workstream, path, await options.startFrom?.());
    });
  }

  /** HEAD and the uncommitted changes together, from one git process. */
  async readCheckout(path: string): Promise<{ head: string; uncommittedChanges: string[] }> {
    const { head, changes } = await (await this.repository(path)).state();
    if (head === null) throw new StateError(`The checkout ${path} has no commit at HEAD.`);
    return { head, uncommittedChanges: changes };
  }

  /**
   * What makes the tracked files differ from HEAD without `git status` showing it: index entries
   * marked assume-unchanged or skip-worktree (status trusts them), and a HEAD that names a tag
   * object rather than a commit. A claim with any of these names no commit the gates could speak
   * for. Untracked files hidden by ignore rules are not counted: local_check runs in the worktree
   * as it is, by design, and CI's fresh clone is the gate that sees what they hid.
   */
  async hiddenChanges(path: string, head: string): Promise<string[]> {
    const git = await this.repository(path);
    const problems: string[] = [];
    const entries = (await git.raw(["ls-files", "-v", "-z"])).split("\0");
    for (const entry of entries) {
      const tag = entry.charAt(0);
      const file = entry.slice(2);
      if (tag === "S")
        problems.push(`${file} (marked skip-worktree: its changes are hidden from git status)`);
      else if (tag !== "" && tag === tag.toLowerCase() && tag !== tag.toUpperCase()) {
        problems.push(`${file} (marked assume-unchanged: its changes are hidden from git status)`);
      }
    }
    // `head` is HEAD as readCheckout() read it; peeled, a tag object becomes its commit.
    if ((await git.resolveCommit("HEAD")) !== head)
      problems.push(`HEAD (names ${head.slice(0, 12)}, which is not a commit)`);
    return problems;
  }

  /** Deletes the checkout; the commits fetched from it stay in the mirror for the evidence. */
  removeCheckout(workstreamId: string): Promise<void> {
    return this.queued(workstreamId, async () => {
      const path = this.checkoutPath(workstreamId);
      this.repositories.delete(path);
      await rm(path, { recursive: true, force: true });
      await rm(this.partialRoot(workstreamId), { recursive: true, force: true });
    });
  }

  /**
   * Copies `sha` and its history from the checkout into the mirror, and keeps it at
   * refs/supervise/<id>/commits/<sha> unless it carries commits another workstream pushed first
   * (see foreignCommits): those are returned, and the commit is not recorded as this one's.
   * A commit past the limits (workerCommitRefusal) is not fetched: WorkerCommitLimitError.
   */
  async fetchFromCheckout(workstreamId: string, sha: string): Promise<ForeignCommits> {
    const path = await this.existingCheckout(workstreamId, sha);
    const refusal = await this.workerCommitRefusal(workstreamId, sha);
    if (refusal !== null) throw new WorkerCommitLimitError(refusal.problem, refusal.observed);
    // From the moment a commit's objects land in the mirror, every checkout can read them through
    // its alternates. Taking them in and recording whose they are is one step for all workstreams,
    // so no other claim can take them between the two and leave their author "foreign".
    return this.commitOwnership(() => this.takeCommitFromCheckout(workstreamId, path, sha));
  }

  /**
   * Fetches `sha` from a git bundle (a worker host's commit) into the workstream's checkout here,
   * its shadow: fetchFromCheckout then takes it into the mirror by the same checks as any claim.
   */
  async fetchBundleIntoCheckout(workstreamId: string, bundleFile: string, sha: string): Promise<void> {
    const path = await this.existingCheckout(workstreamId, sha);
    const git = await this.repository(path);
    await git.raw([
      "fetch",
      "--quiet",
      "--no-tags",
      "--",
      bundleFile,
      `refs/supervise-bundle/${sha}:refs/supervise-remote/${sha}`,
    ]);
    if ((await git.resolveCommit(`refs/supervise-remote/${sha}`)) !== sha) {
      throw new StateError(`The bundle of ${workstreamId}'s host did not hold the commit ${sha}.`);
    }
  }

  private async takeCommitFromCheckout(
    workstreamId: string,
    path: string,
    sha: string,
  ): Promise<ForeignCommits> {
    const mirror = await this.repository(this.mirrorPath);
    const incoming = `refs/supervise-incoming/${workstreamId}/${sha}`;
    // git clears our -c overrides for the upload-pack it starts in the checkout (local transports
    // reset GIT_CONFIG_PARAMETERS), so that side reads the worker's config as is. upload-pack runs
    // no hooks and takes packObjectsHook only from protected config: nothing there runs code.
    await fetchExactly(mirror, path, `${sha}:${incoming}`);
    try {
      if ((await mirror.resolveCommit(incoming)) !== sha) {
        throw new StateError(
          `Fetching ${sha} from the checkout of ${workstreamId} did not bring that commit into the mirror.`,
        );
      }
      const foreign = await this.foreignCommits(workstreamId, sha);
      if (foreign.commits.length === 0) await mirror.raw(["update-ref", commitRef(workstreamId, sha), sha]);
      return foreign;
    } finally {
      await mirror.raw(["update-ref", "-d", incoming]);
    }
  }

  /**
   * Why the supervisor will not take `sha` from the workstream's checkout (its history or tree past
   * the limits: worker-commit-limits.ts), or null; measured once per commit, nothing written.
   */
  workerCommitRefusal(workstreamId: string, sha: string): Promise<WorkerCommitRefusal | null> {
    const key = `${workstreamId}\0${sha}`;
    let refusal = this.commitRefusals.get(key);
    if (!refusal) {
      refusal = this.measureWorkerCommit(workstreamId, sha);
      // A failure is not kept: git may work on the next call.
      refusal.catch(() => this.commitRefusals.delete(key));
      this.commitRefusals.set(key, refusal);
    }
    return refusal;
  }

  private async measureWorkerCommit(workstreamId: string, sha: string): Promise<WorkerCommitRefusal | null> {
    const path = await this.existingCheckout(workstreamId, sha);
    const mirror = await this.repository(this.mirrorPath);
    // One listing gives both what the mirror holds and this workstream's base.
    const refs = (await mirror.raw(["for-each-ref", "--format=%(objectname) %(refname)"]))
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.split(" "));
    const baseSha = refs.find(([, ref]) => ref === baseRef(workstreamId))?.[0];
    return checkWorkerCommit({
      checkout: await this.repository(path),
      known: refs.map(([object]) => object!),
      sha,
      base: baseSha === undefined ? emptyTreeSize : await this.baseTreeSize(mirror, baseSha),
      limits: this.workerCommitLimits,
    });
  }

  private baseTreeSize(mirror: SafeGit, baseSha: string): Promise<TreeSize> {
    let size = this.baseTreeSizes.get(baseSha);
    if (!size) {
      size = measureTree(mirror, baseSha, { stopAfterFiles: baseCountingCeiling });
      size.catch(() => this.baseTreeSizes.delete(baseSha));
      this.baseTreeSizes.set(baseSha, size);
    }
    return size;
  }

  private async existingCheckout(workstreamId: string, sha: string): Promise<string> {
    if (!shaPattern.test(sha)) throw new SuperviseError(`"${sha}" is not a full commit SHA.`);
    const path = this.checkoutPath(workstreamId);
    if (!(await isDirectory(path)))
      throw new StateError(`The workstream ${workstreamId} has no checkout at ${path}.`);
    return path;
  }

  /**
   * Commits of `sha` (already in the mirror) that another workstream pushed and that are not on
   * this workstream's base nor on the mirror's base branch: a worker can read every pushed commit in the mirror its checkout
   * borrows objects from, and must not take another's work as its own.
   */
  async foreignCommits(workstreamId: string, sha: string): Promise<ForeignCommits> {
    const mirror = await this.repository(this.mirrorPath);
    const ownBase = baseRef(workstreamId);
    if ((await mirror.resolveCommit(ownBase)) === null) return { commits: [], owners: [] };
    const othersPushed = (
      await mirror.raw(["for-each-ref", "--format=%(objectname) %(refname)", "refs/supervise/"])
    )
      .split("\n")
      .map((line) => line.split(" "))
      .filter(([, ref]) => ref !== undefined && /^refs\/supervise\/[^/]+\/commits\//.test(ref))
      .filter(([, ref]) => !ref!.startsWith(`refs/supervise/${workstreamId}/`))
      .map(([objectName]) => objectName!);
    if (othersPushed.length === 0) return { commits: [], owners: [] };
    const listed = (output: string) => output.split("\n").filter((line) => line !== "");
    // What landed on the base (the forge's, once a worker had to rebase on it) is nobody's: a
    // worker that rebased first must not make it "its" for the others who rebase after.
    const onBase = `^refs/heads/${this.base}`;
    const unmerged = listed(
      await mirror.raw(["rev-list", "--stdin"], { input: `${sha}\n^${ownBase}\n${onBase}\n` }),
    );
    const ownOnly = new Set(
      listed(
        await mirror.raw(["rev-list", "--stdin"], {
          input: [sha, `^${ownBase}`, onBase, ...othersPushed.map((other) => `^${other}`)].join("\n"),
        }),
      ),
    );
    const commits = unmerged.filter((commit) => !ownOnly.has(commit));
    if (commits.length === 0) return { commits, owners: [] };
    const owners = new Set(
      listed(
        await mirror.raw([
          "for-each-ref",
          "--format=%(refname)",
          "--contains",
          commits[0]!,
          "refs/supervise/",
        ]),
      )
        .map((ref) => ref.split("/")[2]!)
        .filter((owner) => owner !== workstreamId),
    );
    return { commits, owners: [...owners] };
  }

  /** The SafeGit of a repository under this workspace (a checkout, the mirror), for diffs and logs. */
  repository(path: string): Promise<SafeGit> {
    const key = resolve(path);
    let git = this.repositories.get(key);
    if (!git) {
      git = createSafeGit(key, { environment: this.environment });
      // A failure is not cached: the directory may exist on the next call.
      git.catch(() => this.repositories.delete(key));
      this.repositories.set(key, git);
    }
    return git;
  }

  /**
   * That the plan's repository is a git repository with the base branch; once per Workspace
   * (prepare() asks again for nothing). The run awaits it before anything writes elsewhere.
   */
  checkUserRepository(): Promise<void> {
    this.userRepositoryCheck ??= this.readUserRepository();
    return this.userRepositoryCheck;
  }

  private async readUserRepository(): Promise<void> {
    const finding = await inspectUserRepository(this.userRepository, this.base, this.environment);
    const hint = "The plan's `repo` must be the top folder of a git repository (or a bare repository).";
    switch (finding.kind) {
      case "ready":
        return;
      case "missing":
      case "file":
        throw new SuperviseError(`The repository ${this.userRepository} does not exist.`, { hint });
      case "not_a_repository":
      case "unreadable":
        throw new SuperviseError(`${this.userRepository} is not a git repository.`, {
          hint,
          cause: finding.cause,
        });
      case "invalid_base":
        throw new SuperviseError(`"${this.base}" is not a valid branch name for the plan's base.`);
      case "no_base":
        throw new SuperviseError(
          `The repository ${this.userRepository} has no branch "${this.base}", the plan's base.`,
          { hint: "Create the branch, or set `base` in the plan to an existing branch." },
        );
    }
  }

  /** Cloned beside its final place, then renamed: a crash leaves either no mirror or a whole one. */
  private async createMirror(): Promise<void> {
    const gitFolder = join(this.stateDir, "git");
    const partial = join(gitFolder, ".partial-mirror.git");
    await mkdir(gitFolder, { recursive: true });
    await rm(partial, { recursive: true, force: true });
    const outside = await this.repository(gitFolder);
    // Checkouts borrow the mirror's objects (clone --shared): a gc pruning them would corrupt every
    // checkout, so the mirror never collects garbage.
    await outside.raw([
      "clone",
      "--bare",
      "--single-branch",
      "--no-tags",
      "--branch",
      this.base,
      "--config",
      "gc.auto=0",
      "--config",
      "gc.pruneExpire=never",
      "--",
      this.userRepository,
      partial,
    ]);
    // No remote: nothing run in the mirror can reach the user's repository by name.
    await (await createSafeGit(partial, { environment: this.environment })).raw([
      "remote",
      "remove",
      "origin",
    ]);
    await rename(partial, this.mirrorPath);
  }

  private async mirrorBaseSha(mirror: SafeGit): Promise<string> {
    const sha = await mirror.resolveCommit(`refs/heads/${this.base}`);
    if (sha === null)
      throw new StateError(
        `The mirror ${this.mirrorPath} has no branch "${this.base}"; prepare() fetches it.`,
      );
    return sha;
  }

  private async reuseCheckout(
    mirror: SafeGit,
    workstream: { id: string; branch: string },
    path: string,
  ): Promise<Checkout> {
    const hint = `Remove ${path} (the worker's uncommitted work is lost) to start this workstream's checkout over.`;
    if (!(await isDirectory(join(path, ".git")))) {
      throw new StateError(`The checkout ${path} is no longer a git repository.`, { hint });
    }
    const baseSha = await mirror.resolveCommit(baseRef(workstream.id));
    if (baseSha === null)
      throw new StateError(`The mirror does not record the base of the checkout ${path}.`, { hint });
    return { workstream: workstream.id, path, branch: workstream.branch, baseSha, isNew: false };
  }

  private async createCheckout(
    mirror: SafeGit,
    workstream: { id: string; branch: string },
    path: string,
    startFrom?: string,
  ): Promise<Checkout> {
    const preparedBase = this.preparedBaseSha ?? (await this.mirrorBaseSha(mirror));
    const baseSha = startFrom ?? preparedBase;
    // Recorded before the clone: once the rename commits the checkout, its base is known.
    if (!this.basesRecorded.has(workstream.id) || baseSha !== preparedBase) {
      await mirror.raw(["update-ref", baseRef(workstream.id), baseSha]);
    }

    // Whatever a crash left half-made is thrown away; nothing in it was ever handed to a worker.
    const partialRoot = this.partialRoot(workstream.id);
    await rm(partialRoot, { recursive: true, force: true });
    await mkdir(partialRoot, { recursive: true });
    const partial = join(partialRoot, "clone");
    // Cloned from its own folder, not through one SafeGit of checkouts/: that one would make the
    // clones of all workstreams wait for each other, and clones into separate folders never race.
    const outside = await createSafeGit(partialRoot, { environment: this.environment });
    // --shared: objects are borrowed from the mirror through alternates; refs are the clone's own.
    // The clone checks out the base itself and the branch is then renamed: two git commands where
    // `clone --no-checkout`, `checkout -b` and deleting the local base took three, each preceded by
    // a config listing (the clone's config is too new to be remembered; config-listing-cache.ts).
    // The clone starts at the mirror's base, which is baseSha: only prepare() moves it, once, before
    // any checkout, and the state dir's lock keeps every other supervisor out.
    await outside.raw([
      "clone",
      "--shared",
      "--single-branch",
      "--no-tags",
      "--branch",
      this.base,
      ...workerCloneConfig,
      "--",
      this.mirrorPath,
      partial,
    ]);
    const clone = await createSafeGit(partial, { environment: this.environment, isUnsharedClone: true });
    // Renamed, so no local base branch is left to invite commits on the wrong branch; origin/<base>
    // remains. The clone made the base its upstream, which the rename keeps: removed, so that
    // neither `git status` nor a refused `git push` suggests the base as where the work goes.
    if (workstream.branch !== this.base) {
      await clone.raw(["branch", "-m", this.base, workstream.branch]);
      await clone.raw(["branch", "--unset-upstream", workstream.branch]);
    }
    // The clone is at the prepared base; a later start point is in the mirror, which it borrows from.
    if (baseSha !== preparedBase) await clone.raw(["reset", "--quiet", "--hard", baseSha]);

    try {
      await rename(partial, path);
    } catch (error) {
      // Someone else's rename won (another supervisor on the same state dir): keep theirs.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
      await rm(partialRoot, { recursive: true, force: true });
      return this.reuseCheckout(mirror, workstream, path);
    }
    await rm(partialRoot, { recursive: true, force: true });
    return { workstream: workstream.id, path, branch: workstream.branch, baseSha, isNew: true };
  }

  private partialRoot(workstreamId: string): string {
    return join(this.stateDir, "checkouts", ".partial", workstreamId);
  }

  private queued<T>(workstreamId: string, operation: () => Promise<T>): Promise<T> {
    let queue = this.workstreamQueues.get(workstreamId);
    if (!queue) {
      queue = createSerialQueue();
      this.workstreamQueues.set(workstreamId, queue);
    }
    return queue(operation);
  }
}

/** Commits another workstream pushed first, and which workstreams did. */
export interface ForeignCommits {
  commits: string[];
  owners: string[];
}

/** Fetches what `refspec` names and nothing more: no tags, no submodules, no FETCH_HEAD. */
async function fetchExactly(repository: SafeGit, source: string, refspec: string): Promise<void> {
  await repository.raw([
    "fetch",
    "--no-tags",
    "--no-recurse-submodules",
    "--no-write-fetch-head",
    "--",
    source,
    refspec,
  ]);
}

function baseRef(workstreamId: string): string {
  return `refs/supervise/${workstreamId}/base`;
}

function commitRef(workstreamId: string, sha: string): string {
  return `refs/supervise/${workstreamId}/commits/${sha}`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
