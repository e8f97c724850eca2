/**
 * `diff_scope`: the claimed change touches real source, not only tests, docs or config, and leaves
 * the tests that ran at the base running: none deleted, skipped, focused away, excluded from the
 * runner's selection, or stripped of assertions. A campaign's worker once "completed" a workstream
 * with test stubs alone; this gate is why that claim fails. Two kinds of evidence, both required:
 * the diff read statically (diff-scope-observation.ts), and, given a runner, the check command run
 * at the base and at the claim with the tests compared by name (base-test-run.ts). The verdict
 * here is pure.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SuperviseError } from "../errors.ts";
import { renderPrompt } from "../prompts/index.ts";
import type { CommandRunner } from "../sandbox/index.ts";
import { createSafeGit, type SafeGitOptions } from "../workspace/index.ts";
import { runTestsAtBase, runTestsAtClaim } from "./base-test-run.ts";
import {
  type ChangedFile,
  type DiffScopeLimits,
  type DiffScopeObservation,
  type FileContent,
  observeDiffScope,
} from "./diff-scope-observation.ts";
import { classifyPath, type FileRole, languageOf } from "./file-roles.ts";
import { patchesTestFramework } from "./framework-patching.ts";
import { type GateResult, gateResult } from "./gate-result.ts";
import { multisetDifference, significantLines } from "./line-changes.ts";
import { testChangeFindings } from "./test-change-findings.ts";
import type { RecordedLedger } from "./test-ledger.ts";
import { testPlumbing } from "./test-plumbing.ts";
import { judgeTestRuns, type TestRunVerdict, testRunFindings } from "./test-run-comparison.ts";
import {
  code,
  filesRunBy,
  parseScripts,
  scriptsRunBy,
  selectionChanges,
  selectionFileKind,
} from "./test-selection.ts";
import { toolchainShadowing } from "./toolchain-shadowing.ts";

export type DiffScopeFindingKind =
  | "no-source-change"
  | "test-deleted"
  | "test-skipped"
  | "assertions-weakened"
  | "trivial-assertion"
  | "tests-excluded"
  | "not-inspected"
  /** Passed when the check command ran at the base; absent from its run at the claimed commit. */
  | "test-lost"
  /** Passed at the base; failed, skipped or todo at the claimed commit. */
  | "test-broken"
  /** Source code that assigns into the test framework or the assertion library. */
  | "test-framework-patched"
  /** An existing test's assertion now expects something else (another value or matcher). */
  | "expectation-changed"
  /** A program or package the gates would run in place of the toolchain (toolchain-shadowing.ts). */
  | "toolchain-replaced"
  /** Code that runs inside the test process around the tests, added or changed (test-plumbing.ts). */
  | "test-plumbing-changed";

export interface DiffScopeFinding {
  kind: DiffScopeFindingKind;
  /** The file the finding is about; null when it is about the change as a whole. */
  file: string | null;
  /** One line, naming the file and what was seen. */
  detail: string;
  /** For test plumbing: the hook, config key or flag through which the file runs in the test process. */
  hook?: string;
}

/**
 * Findings a reviewer can judge from the diff: test plumbing and changed expectations are sometimes
 * the goal itself (a new fixture, a corrected expected value), unlike a lost or skipped test.
 */
const reviewableKinds: ReadonlySet<DiffScopeFindingKind> = new Set([
  "test-plumbing-changed",
  "expectation-changed",
]);

export interface DiffScopeJudgeOptions {
  /**
   * The workstream's done list has the `review` gate, which runs after this one: reviewable
   * findings then pass this gate as needing the reviewer's approval, and the reviewer is told so.
   * Without it they fail the gate, and a person can waive it (`supervise approve … --waive diff_scope`).
   */
  isReviewed?: boolean;
}

/** How many changed files the gate result lists by name; a bigger change is counted, not listed. */
const listedFilesLimit = 200;

/** What the two runs of the check command showed, or why they were not compared. */
export type TestRunEvidence = TestRunVerdict | { kind: "not-compared"; reason: string };

/**
 * Any finding fails the gate, but for a reviewed workstream findings that are all reviewable pass
 * it, stated in the detail, for the review gate to approve or reject. Runs that could not be compared (a runner's output without per-test
 * lines, a base that would not run) make it an error, unless the diff alone already fails it.
 */
export function judgeDiffScope(
  observation: DiffScopeObservation,
  testRuns?: TestRunEvidence,
  options: DiffScopeJudgeOptions = {},
): GateResult {
  const { files } = observation;
  const roles = new Map(files.map((file) => [file, roleOf(file)]));
  const sourceFiles = files.filter((file) => roles.get(file) === "source");
  const findings: DiffScopeFinding[] = [];
  if (files.length === 0) {
    findings.push({
      kind: "no-source-change",
      file: null,
      detail: `no change between the base ${short(observation.baseSha)} and the claimed commit ${short(observation.commit)}`,
    });
  } else if (sourceFiles.length === 0) {
    findings.push({ kind: "no-source-change", file: null, detail: onlyNonSourceDetail([...roles.values()]) });
  }
  const tests = testChangeFindings(files, observation.limits.maxFileBytes);
  findings.push(
    ...tests.findings,
    ...selectionFindings(observation),
    ...toolchainFindings(files),
    ...frameworkPatchFindings(files, roles),
  );
  // A conftest.py already named for what it deselects needs no second, vaguer finding.
  const plumbing = plumbingFindings(observation, options.isReviewed === true).filter(
    (finding) => finding.hook !== "conftest.py" || !findings.some((other) => other.file === finding.file),
  );
  findings.push(...plumbing);
  if (testRuns?.kind === "compared") findings.push(...testRunFindings(testRuns.comparison));
  const plumbingFiles = new Set(plumbing.map((finding) => finding.file));

  const observed = {
    base: observation.baseSha,
    ...(observation.requestedBase === observation.baseSha
      ? {}
      : { requested_base: observation.requestedBase }),
    commit: observation.commit,
    changed_file_count: files.length,
    changed_files: files.slice(0, listedFilesLimit).map((file) => ({
      path: file.path,
      previous_path: file.previousPath,
      status: file.status,
      role: roles.get(file),
      added_lines: file.addedLines,
      removed_lines: file.removedLines,
    })),
    source_files: sourceFiles.slice(0, listedFilesLimit).map((file) => file.path),
    tests_at_base: tests.testsAtBase,
    tests_at_commit: tests.testsAtCommit,
    findings,
    ...(plumbing.length === 0
      ? {}
      : { test_plumbing: plumbing.map(({ file, hook }) => ({ file, hook: hook ?? null })) }),
    ...(testRuns === undefined
      ? {}
      : {
          test_runs: testRuns.kind === "not-compared" ? { not_compared: testRuns.reason } : testRuns.observed,
        }),
  };
  const isForReview =
    options.isReviewed === true &&
    findings.length > 0 &&
    findings.every((finding) => reviewableKinds.has(finding.kind));
  if (findings.length > 0 && !isForReview) {
    const unjudged =
      testRuns?.kind === "error" ? `; the test runs were not compared: ${testRuns.detail}` : "";
    return gateResult("diff_scope", "fail", `${failureDetail(findings)}${unjudged}`, observed);
  }
  // A conftest.py or setup file in a test folder runs around the tests; it is not a test itself.
  const testFileCount = files.filter(
    (file) => roles.get(file) === "test" && !plumbingFiles.has(file.path),
  ).length;
  const forReview = isForReview ? `for the review gate to approve: ${failureDetail(findings)}; ` : "";
  const detail = `${forReview}source changed: ${listFiles(sourceFiles)}; ${plural(testFileCount, "test file")} changed, no test lost, skipped, weakened or excluded${runsDetail(testRuns)}`;
  // "Every test that passed at the base still runs and passes" is unproven when the two runs could
  // not be compared by name; a worker can bring that about on purpose (a runner whose output lists
  // nothing, a base that will not run), so it is not a pass.
  if (testRuns?.kind === "error") return gateResult("diff_scope", "error", detail, observed);
  return gateResult("diff_scope", "pass", detail, observed);
}

function runsDetail(testRuns: TestRunEvidence | undefined): string {
  if (testRuns?.kind === "compared") {
    const kept = testRuns.comparison.keptCount;
    return `; ${plural(kept, "test")} that passed at the base still ${kept === 1 ? "passes" : "pass"}`;
  }
  if (testRuns?.kind === "error") {
    // The diff passed, but the runs could not be compared by name (a check that is not a test
    // runner, or a reporter that lists no tests): the gate errs, and says why.
    return `; but the tests could not be compared by name: ${testRuns.detail}`;
  }
  return testRuns?.kind === "not-compared" ? `; tests not run: ${testRuns.reason}` : "";
}

export interface DiffScopeRequest {
  /** A repository holding both commits: the supervisor's mirror or the workstream's checkout. */
  repositoryPath: string;
  /** Where the base run's clone comes from when not repositoryPath: the mirror, which no worker writes. */
  baseRepositoryPath?: string;
  /** Installed dependencies lent to the base run from here first (the user's repository), then from the checkout. */
  trustedDependenciesPath?: string;
  baseSha: string;
  commit: string;
  /** The plan's check command (`npm test`): the scripts and files it runs count as test selection. */
  checkCommand?: string | undefined;
  /** The environment of the check command, as local_check gets it; PATH and HOME from it also run git. */
  environment?: SafeGitOptions["environment"];
  limits?: Partial<DiffScopeLimits> | undefined;
  /**
   * Runs the check command at the base (in a throwaway clone) and at the claimed commit, so the
   * tests are compared by name. Without it the gate reads the diff alone.
   */
  runner?: CommandRunner | undefined;
  /** Runs the check at the base instead of `runner` (see GateServices.baseRunner). */
  baseRunner?: CommandRunner | undefined;
  /** local_check's FULL output at the claimed commit (its log file, not the capped tail); saves a run. */
  claimedRunOutput?: string | undefined;
  /** local_check's test ledger, recorded beside that output. */
  claimedLedger?: RecordedLedger | null | undefined;
  /** Per run of the check command; default 10 minutes. */
  timeoutMs?: number | undefined;
  /** The review gate runs after this one and can approve reviewable findings (DiffScopeJudgeOptions). */
  isReviewed?: boolean | undefined;
  /** Where listed base runs are cached, per (base, command). */
  cacheDirectory?: string | undefined;
  /** With the log paths below (relative to it), where the runs' full logs are kept. */
  runDirectory?: string | undefined;
  /** e.g. `evidence/<ws>/logs/claim-<n>-diff_scope-base.log`. */
  baseLogPath?: string | undefined;
  /** Used only when the claimed commit is run here, without `claimedRunOutput`. */
  claimLogPath?: string | undefined;
  /** Where the base clone goes; default `<cacheDirectory>/work`, else the system's temporary folder. */
  temporaryDirectory?: string | undefined;
  signal?: AbortSignal | undefined;
}

const defaultTimeoutMs = 10 * 60_000;

/** Observes with safe git, then judges. Git failures and unknown commits become an `error` result. */
export async function observeAndJudgeDiffScope(request: DiffScopeRequest): Promise<GateResult> {
  try {
    const git = await createSafeGit(request.repositoryPath, { environment: request.environment });
    const observation = await observeDiffScope(git, request);
    return judgeDiffScope(observation, await observeTestRuns(request, observation), {
      isReviewed: request.isReviewed === true,
    });
  } catch (error) {
    if (!(error instanceof SuperviseError)) throw error;
    return gateResult("diff_scope", "error", `could not read the change: ${error.message}`, {
      base: request.baseSha,
      commit: request.commit,
    });
  }
}

/** Undefined without a runner: the gate is static, as it was before test runs were compared. */
async function observeTestRuns(
  request: DiffScopeRequest,
  observation: DiffScopeObservation,
): Promise<TestRunEvidence | undefined> {
  const { runner, checkCommand } = request;
  if (runner === undefined) return undefined;
  // Same commit: the diff alone fails the claim; running its tests twice would show nothing more.
  if (observation.baseSha === observation.commit) return undefined;
  if (!checkCommand) return { kind: "not-compared", reason: "the plan names no check command" };
  const environment = Object.fromEntries(
    Object.entries(request.environment ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  const common = {
    runner,
    command: checkCommand,
    environment,
    gitEnvironment: request.environment,
    timeoutMs: request.timeoutMs ?? defaultTimeoutMs,
    runDirectory: request.runDirectory,
    signal: request.signal,
    temporaryDirectory:
      request.temporaryDirectory ??
      (request.cacheDirectory ? join(request.cacheDirectory, "work") : tmpdir()),
  };
  const base = await runTestsAtBase({
    ...common,
    runner: request.baseRunner ?? runner,
    checkoutPath: request.repositoryPath,
    ...(request.baseRepositoryPath ? { cloneFrom: request.baseRepositoryPath } : {}),
    ...(request.trustedDependenciesPath ? { trustedDependenciesPath: request.trustedDependenciesPath } : {}),
    baseSha: observation.baseSha,
    cacheDirectory: request.cacheDirectory,
    logPath: request.baseLogPath,
  });
  const claim = await runTestsAtClaim({
    ...common,
    checkoutPath: request.repositoryPath,
    commit: observation.commit,
    claimedRunOutput: request.claimedRunOutput,
    claimedLedger: request.claimedLedger,
    logPath: request.claimLogPath,
  });
  return judgeTestRuns(base, claim);
}

/** A file moved out of source, or into it, still touched source. */
function roleOf(file: ChangedFile): FileRole {
  const role = classifyPath(file.path);
  return file.previousPath !== null && classifyPath(file.previousPath) === "source" ? "source" : role;
}

/** The npm scripts the check command reaches, and their bodies in the root package.json at the base and the claim. */
function checkScripts(observation: DiffScopeObservation): {
  scripts: Set<string>;
  bodies: { base: boolean; body: string }[];
} {
  const rootPackageJson = observation.files.find((file) => file.path === "package.json");
  const commitText =
    rootPackageJson === undefined
      ? (observation.runnerConfigs?.get("package.json") ?? observation.packageJsonAtBase)
      : rootPackageJson.commit.kind === "text"
        ? rootPackageJson.commit.text
        : null;
  const sides = [
    { base: true, text: observation.packageJsonAtBase },
    { base: false, text: commitText },
  ].filter((side): side is { base: boolean; text: string } => side.text !== null);
  const scripts = scriptsRunBy(
    observation.checkCommand ?? undefined,
    sides.map((side) => side.text),
  );
  const bodies = sides.flatMap(({ base, text }) => {
    const table = parseScripts(text);
    return [...scripts].flatMap((name) => (table[name] === undefined ? [] : [{ base, body: table[name] }]));
  });
  return { scripts, bodies };
}

function plumbingFindings(observation: DiffScopeObservation, isReviewed: boolean): DiffScopeFinding[] {
  const plumbing = testPlumbing({
    files: observation.files.filter((file) => !isFixture(file.path)),
    configs: observation.runnerConfigs ?? new Map(),
    scriptBodies: checkScripts(observation).bodies,
    checkCommand: observation.checkCommand,
  });
  const approver = { reviewed: isReviewed ? "yes" : "", unreviewed: isReviewed ? "" : "yes" };
  return plumbing.map(({ file, hook, why }) => ({
    kind: "test-plumbing-changed" as const,
    file,
    hook,
    detail: renderPrompt("findings/test-plumbing-changed", { why, ...approver }),
  }));
}

function selectionFindings(observation: DiffScopeObservation): DiffScopeFinding[] {
  const { scripts, bodies } = checkScripts(observation);
  const scriptBodies = bodies.map((script) => script.body);
  const filesRun = filesRunBy(observation.checkCommand ?? undefined, scriptBodies);

  const findings: DiffScopeFinding[] = [];
  for (const file of observation.files) {
    const paths = file.previousPath ? [file.path, file.previousPath] : [file.path];
    // Fixture projects inside a test folder carry their own package.json and configs; they select nothing.
    const isSelection =
      paths.some((path) => selectionFileKind(path) !== null) && !paths.some((path) => isFixture(path));
    if (isSelection) {
      const base = textOf(file.base);
      const commit = textOf(file.commit);
      if (base === undefined || commit === undefined) {
        findings.push({
          kind: "not-inspected",
          file: file.path,
          detail: `${file.path} selects tests but was not read (${file.commit.kind === "text" ? file.base.kind : file.commit.kind}), so its changes could not be checked`,
        });
        continue;
      }
      const details = selectionChanges(file.path, base, commit, scripts);
      findings.push(
        ...details.map((detail) => ({ kind: "tests-excluded" as const, file: file.path, detail })),
      );
      if (details.length > 0) continue;
    }
    if (paths.some((path) => filesRun.has(path))) {
      findings.push({
        kind: "tests-excluded",
        file: file.path,
        detail: `the check command runs ${file.previousPath ?? file.path}, which this change ${describeEdit(file)}`,
      });
    }
  }
  return findings;
}

/** The text of one side, null when the file is absent there, undefined when it was not read. */
function textOf(content: FileContent): string | null | undefined {
  if (content.kind === "text") return content.text;
  return content.kind === "absent" ? null : undefined;
}

function frameworkPatchFindings(
  files: readonly ChangedFile[],
  roles: ReadonlyMap<ChangedFile, FileRole>,
): DiffScopeFinding[] {
  return files.flatMap((file) => {
    const language = languageOf(file.path);
    if (roles.get(file) !== "source" || language === null || file.commit.kind !== "text") return [];
    const before = file.base.kind === "text" ? significantLines(file.base.text) : [];
    const patching = multisetDifference(significantLines(file.commit.text), before).filter((line) =>
      patchesTestFramework(language, line),
    );
    if (patching.length === 0) return [];
    return [
      {
        kind: "test-framework-patched" as const,
        file: file.path,
        detail: `${file.path} rewrites the test framework or assertion library from the code under test: ${code(patching[0]!)}`,
      },
    ];
  });
}

function toolchainFindings(files: readonly ChangedFile[]): DiffScopeFinding[] {
  return files.flatMap((file) => {
    if (file.status === "deleted" || isFixture(file.path)) return [];
    const detail = toolchainShadowing(file.path);
    return detail === null ? [] : [{ kind: "toolchain-replaced" as const, file: file.path, detail }];
  });
}

function isFixture(path: string): boolean {
  return path.split("/").some((folder) => /^(?:__)?(?:fixtures?|testdata)(?:__)?$/.test(folder));
}

function describeEdit(file: ChangedFile): string {
  const counts = file.addedLines === null ? "" : ` (+${file.addedLines} -${file.removedLines})`;
  switch (file.status) {
    case "deleted":
      return "deletes";
    case "renamed":
      return `renames to ${file.path}${counts}`;
    default:
      return `edits${counts}`;
  }
}

const roleWords: Record<Exclude<FileRole, "source">, [group: string, file: string]> = {
  test: ["tests", "test file"],
  doc: ["docs", "doc file"],
  config: ["config", "config file"],
};

function onlyNonSourceDetail(roles: readonly FileRole[]): string {
  const present = (["test", "doc", "config"] as const).filter((role) => roles.includes(role));
  const groups = present.map((role) => roleWords[role][0]).join(" and ");
  const counts = present.map((role) =>
    plural(roles.filter((each) => each === role).length, roleWords[role][1]),
  );
  return `only ${groups} changed: ${counts.join(", ")}, no source`;
}

function failureDetail(findings: readonly DiffScopeFinding[]): string {
  if (findings.length === 1) return findings[0]!.detail;
  const shown = findings.slice(0, 3).map((finding) => finding.detail);
  const more = findings.length > 3 ? `; and ${findings.length - 3} more` : "";
  return `${findings.length} findings: ${shown.join("; ")}${more}`;
}

function listFiles(files: readonly ChangedFile[]): string {
  const shown = files.slice(0, 3).map((file) => {
    if (file.status === "deleted") return `${file.path} (deleted)`;
    return file.addedLines === null
      ? `${file.path} (binary)`
      : `${file.path} (+${file.addedLines} -${file.removedLines})`;
  });
  return files.length > 3 ? `${shown.join(", ")} and ${files.length - 3} more` : shown.join(", ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}
