/**
 * The fixture shared by the issue-19 matrix (test/evidence/plumbing-matrix-*.test.ts): one real git
 * repository per test file, each claim committed on its own branch from the base, and diff_scope
 * run on it the way the gate runs it (real runner, base run in a clone, ledger added by the
 * supervisor). The base's listed run is cached per check command, so a file's claims run it once.
 */
import { mkdir, mkdtemp, readdir, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import { type DiffScopeFinding, observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import type { GateResult } from "../../src/evidence/gate-result.ts";
import { createCommandRunner } from "../../src/sandbox/index.ts";
import { commitAsWorker, gitAsWorker } from "../fakes/worker-commits.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

/** supervise's own node_modules/.bin: node 24, jest, vitest and mocha, as a project would install them. */
const nodeModules = join(dirname(dirname(import.meta.dirname)), "node_modules");
export const nodeBinaries = join(nodeModules, ".bin");

export interface MatrixRepository {
  root: string;
  repository: string;
  environment: Record<string, string>;
  baseSha: string;
  /** Commits `files` (null deletes) on a new branch from the base: every claim stands alone. */
  claim(files: Record<string, string | null>): Promise<string>;
  judge(commit: string, checkCommand: string): Promise<GateResult>;
  dispose(): Promise<void>;
}

export interface MatrixRepositoryOptions {
  prefix: string;
  files: Record<string, string>;
  /** Added to a plain git environment (PATH from this process, HOME under the fixture's root). */
  environment?: (root: string, plain: Record<string, string>) => Record<string, string>;
  timeoutMs?: number;
  /**
   * Installs supervise's packages into the checkout (ignored by git), as `npm install` would have
   * installed jest, vitest or mocha: `npx jest` then runs the local one, never the registry's.
   */
  withNodeModules?: boolean;
}

export async function createMatrixRepository(options: MatrixRepositoryOptions): Promise<MatrixRepository> {
  const root = await mkdtemp(join(tmpdir(), `supervise-matrix-${options.prefix}-`));
  const repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  const plain = plainGitEnvironment(join(root, "home"));
  const environment = { ...plain, ...(options.environment?.(root, plain) ?? {}) };
  await gitAsWorker(repository, environment, ["init", "--quiet", "--initial-branch=main"]);
  if (options.withNodeModules) await installNodeModules(join(repository, "node_modules"));
  const files = options.withNodeModules
    ? { ".gitignore": "node_modules\n", ...options.files }
    : options.files;
  const baseSha = await commitAsWorker(repository, environment, files);
  let claims = 0;
  return {
    root,
    repository,
    environment,
    baseSha,
    async claim(files) {
      claims += 1;
      await gitAsWorker(repository, environment, ["checkout", "--quiet", "-B", `claim-${claims}`, baseSha]);
      return commitAsWorker(repository, environment, files);
    },
    judge(commit, checkCommand) {
      return observeAndJudgeDiffScope({
        repositoryPath: repository,
        baseSha,
        commit,
        checkCommand,
        environment,
        runner: createCommandRunner(),
        timeoutMs: options.timeoutMs ?? 60_000,
        cacheDirectory: join(root, "cache"),
        runDirectory: join(root, "run"),
        baseLogPath: `logs/base-${claims}.log`,
        claimLogPath: `logs/claim-${claims}.log`,
      });
    },
    dispose: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * A node_modules folder of links into supervise's own: a real folder, as `npm install` leaves
 * one, so the base clone is lent it (base-clone.ts lends folders, never a link to one).
 */
async function installNodeModules(target: string): Promise<void> {
  await mkdir(join(target, ".bin"), { recursive: true });
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (entry.name === ".bin" || entry.name.startsWith(".")) continue;
    await symlink(join(nodeModules, entry.name), join(target, entry.name));
  }
  for (const name of await readdir(nodeBinaries))
    await symlink(await realpath(join(nodeBinaries, name)), join(target, ".bin", name)).catch(
      () => undefined,
    );
}

/** The test-plumbing findings of a diff_scope result, as file and hook. */
export function plumbingFindings(result: GateResult): { file: string | null; hook: string | undefined }[] {
  return ((result.observed.findings as DiffScopeFinding[] | undefined) ?? [])
    .filter((finding) => finding.kind === "test-plumbing-changed")
    .map(({ file, hook }) => ({ file, hook }));
}

/** Rejected by diff_scope, with a plumbing finding that names this file and hook, also in the detail. */
export function expectRejectedForPlumbing(result: GateResult, file: string, hook: string): void {
  expect(result.status, result.detail).toBe("fail");
  expect(plumbingFindings(result)).toContainEqual({ file, hook });
  expect(result.detail).toContain(file);
}

/** Accepted by diff_scope, the runs compared by name: `kept` tests that passed at the base still pass. */
export function expectAcceptedByName(result: GateResult, kept: number): void {
  expect(result.detail).toMatch(new RegExp(`${kept} tests? that passed at the base still pass(?:es)?$`));
  expect(result.status).toBe("pass");
  expect(plumbingFindings(result)).toEqual([]);
}

/** How the claim's run of the check came out, by the ledger or the listing. */
export function claimCounts(result: GateResult): Record<string, number> | undefined {
  const runs = result.observed.test_runs as { claim?: { counts?: Record<string, number> } } | undefined;
  return runs?.claim?.counts;
}

/** The exit code of the claim's run of the check: 0 when a hook hid the failure from the check too. */
export function claimExitCode(result: GateResult): number | null | undefined {
  const runs = result.observed.test_runs as { claim?: { exit_code?: number | null } } | undefined;
  return runs?.claim?.exit_code;
}
