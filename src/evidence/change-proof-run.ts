/**
 * `tests_prove_change` observed: the claim's test files (added, changed and deleted) are laid over
 * the base's source in a throwaway clone and the check command runs there, sandboxed like every
 * command of a worker's code; its tests are compared by name with the run at the claimed commit
 * (local_check's, when it ran). The run without the change is cached by base, command and the
 * test files' contents, so a re-claim that changed only source runs the check once, at the claim.
 */
import { join } from "node:path";
import type { CommandRunner } from "../sandbox/index.ts";
import { createSafeGit, GitCommandError, type SafeGitOptions } from "../workspace/index.ts";
import { runTestsAtBase, runTestsAtClaim } from "./base-test-run.ts";
import { type ChangeKind, type ChangeProof, judgeChangeProof, namesFile } from "./change-proof.ts";
import { classifyPath } from "./file-roles.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import type { RecordedLedger } from "./test-ledger.ts";
import type { TestRun } from "./test-run-comparison.ts";

export const changeProofGate = "tests_prove_change";

export interface ChangeProofRequest {
  kind: ChangeKind;
  /** The workstream's checkout, at the claimed commit. */
  checkoutPath: string;
  baseSha: string;
  commit: string;
  checkCommand: string | undefined;
  runner: CommandRunner;
  environment: Record<string, string>;
  gitEnvironment?: SafeGitOptions["environment"];
  timeoutMs: number;
  runDirectory: string;
  /** Listed runs without the change, by base, command and test files. */
  cacheDirectory: string;
  withoutChangeLogPath: string;
  claimLogPath: string;
  /** The supervisor's mirror, cloned instead of the checkout (see BaseCheckoutRequest.cloneFrom). */
  cloneFrom?: string | undefined;
  trustedDependenciesPath?: string | undefined;
  claimedRunOutput?: string | undefined;
  claimedLedger?: RecordedLedger | null | undefined;
  signal?: AbortSignal | undefined;
}

interface TestFileChanges {
  /** Added or modified at the claim. */
  changed: string[];
  removed: string[];
}

/** How many test names the gate's observation keeps per list. */
const listedTestsLimit = 100;

export async function observeChangeProof(request: ChangeProofRequest): Promise<GateResult> {
  const observedBase = { kind: request.kind, base: request.baseSha, commit: request.commit };
  if (!request.checkCommand)
    return gateResult(
      changeProofGate,
      "error",
      "the plan names no check command to run the tests with",
      observedBase,
    );
  const common = {
    runner: request.runner,
    command: request.checkCommand,
    environment: request.environment,
    gitEnvironment: request.gitEnvironment,
    timeoutMs: request.timeoutMs,
    runDirectory: request.runDirectory,
    signal: request.signal,
    temporaryDirectory: join(request.cacheDirectory, "work"),
  };
  const atClaim = await runTestsAtClaim({
    ...common,
    checkoutPath: request.checkoutPath,
    commit: request.commit,
    claimedRunOutput: request.claimedRunOutput,
    claimedLedger: request.claimedLedger,
    logPath: request.claimLogPath,
  });
  let files: TestFileChanges;
  let identity: string;
  try {
    const git = await createSafeGit(request.checkoutPath, { environment: request.gitEnvironment });
    files = testFileChanges(
      await git.diff(["--name-status", "-z", "--no-renames", request.baseSha, request.commit]),
      atClaim,
    );
    identity =
      files.changed.length === 0
        ? `removed:${files.removed.join("\0")}`
        : `${blobsOf(await git.raw(["ls-tree", "-r", "-z", "--full-tree", request.commit]), files.changed)}\0removed:${files.removed.join("\0")}`;
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    return gateResult(changeProofGate, "error", `could not read the change: ${error.message}`, observedBase);
  }
  const withoutChange = await runTestsAtBase({
    ...common,
    checkoutPath: request.checkoutPath,
    ...(request.cloneFrom ? { cloneFrom: request.cloneFrom } : {}),
    ...(request.trustedDependenciesPath ? { trustedDependenciesPath: request.trustedDependenciesPath } : {}),
    baseSha: request.baseSha,
    cacheDirectory: request.cacheDirectory,
    logPath: request.withoutChangeLogPath,
    overlay: { commit: request.commit, paths: files.changed, removed: files.removed, identity },
  });
  const observed = {
    ...observedBase,
    changed_test_files: files.changed,
    removed_test_files: files.removed,
    without_change: runSummary(withoutChange),
    at_claim: runSummary(atClaim),
  };
  if (withoutChange.kind === "not-run")
    return gateResult(
      changeProofGate,
      "error",
      `the check did not run on the base's code with the claim's tests: ${withoutChange.reason}`,
      observed,
    );
  if (atClaim.kind === "not-run")
    return gateResult(
      changeProofGate,
      "error",
      `the check did not run at the claim: ${atClaim.reason}`,
      observed,
    );
  const proof = judgeChangeProof({
    kind: request.kind,
    changedTestFiles: files.changed,
    withoutChange: withoutChange.listing,
    atClaim: atClaim.listing,
  });
  return judged(proof, observed);
}

function judged(proof: ChangeProof, observed: Record<string, unknown>): GateResult {
  if (proof.kind === "not-judged")
    return gateResult(changeProofGate, "error", `the tests could not be compared: ${proof.reason}`, observed);
  return gateResult(changeProofGate, proof.isProven ? "pass" : "fail", proof.detail, {
    ...observed,
    tests_proving_change: proof.proving.slice(0, listedTestsLimit).map((test) => ({
      name: test.name,
      without_change: test.withoutChange,
      at_claim: test.atClaim,
    })),
    tests_not_testing_change: proof.notTesting.slice(0, listedTestsLimit),
    ...(observed.kind === "refactor"
      ? {
          outcomes_changed: proof.changed.slice(0, listedTestsLimit).map((test) => ({
            name: test.name,
            without_change: test.withoutChange,
            at_claim: test.atClaim,
          })),
        }
      : {}),
  });
}

/**
 * The claim's test files: those named as tests (file-roles.ts), and any other file the runner
 * collected tests from at the claim, whatever its name.
 */
function testFileChanges(nameStatus: string, atClaim: TestRun): TestFileChanges {
  const collected =
    atClaim.kind === "ran" && atClaim.listing.kind === "listed"
      ? atClaim.listing.tests.map((test) => test.name)
      : [];
  const isTest = (path: string) =>
    classifyPath(path) === "test" || collected.some((name) => namesFile(name, path));
  const fields = nameStatus.split("\0");
  const changed: string[] = [];
  const removed: string[] = [];
  for (let index = 0; index + 1 < fields.length; index += 2) {
    const status = fields[index]!;
    const path = fields[index + 1]!;
    if (!isTest(path)) continue;
    if (status.startsWith("D")) removed.push(path);
    else changed.push(path);
  }
  return { changed, removed };
}

/** The tree entries (mode, blob id, path) of `paths`, from `ls-tree -r -z` output. */
function blobsOf(listing: string, paths: readonly string[]): string {
  const wanted = new Set(paths);
  return listing
    .split("\0")
    .filter((entry) => wanted.has(entry.slice(entry.indexOf("\t") + 1)))
    .join("\0");
}

function runSummary(run: TestRun): Record<string, unknown> {
  return run.kind === "not-run"
    ? { ran: false, reason: run.reason, log: run.log }
    : { ran: true, exit_code: run.exitCode, source: run.source, log: run.log, duration_ms: run.durationMs };
}
