/**
 * What the supervisor's own git checks out of a worker's commit, outside any sandbox: a few
 * kilobytes pushed can expand to 100,000 files, gigabytes, or paths nested past what tools
 * expect. Past these limits the commit is refused with the figure measured and the limit passed,
 * before a file is written. Each limit grows with the project (the larger of its default and
 * `baseGrowthFactor` times the base's own figure), so a large repository is never refused for
 * being itself.
 */
import { ExitCode, SuperviseError } from "../errors.ts";
import { formatBytes, printable } from "../text.ts";
import { maxRecordBytes, type TreeSize } from "./tree-size.ts";

export interface TreeLimits {
  maxFiles: number;
  maxBytes: number;
  maxBlobBytes: number;
  maxPathDepth: number;
  maxPathBytes: number;
}

/**
 * - 50,000 files: several times a large application's tree, half the 100,000 entries past which
 *   GitHub's tree API stops listing; no workstream's change adds tens of thousands of files.
 * - 2 GiB in all: a checkout of that size is minutes of disk writes per CI run or merge.
 * - 100 MiB per file: GitHub refuses to take a larger file, so no real project's tree holds one.
 * - 64 levels of folders: source trees stay under 20 (Java packages are the deep ones); far
 *   deeper trees exist to trip the recursion of the tools that walk them.
 * - 4 KiB a path: Linux's PATH_MAX; a longer path cannot be written, so its checkout fails part way.
 */
export const defaultTreeLimits: TreeLimits = {
  maxFiles: 50_000,
  maxBytes: 2 * 1024 ** 3,
  maxBlobBytes: 100 * 1024 ** 2,
  maxPathDepth: 64,
  maxPathBytes: 4096,
};

/** How many times the base's own figure a commit may reach. */
export const baseGrowthFactor = 4;

/** Counting a base's tree stops here; the limits then grow from this figure. */
export const baseCountingCeiling = 1_000_000;

/** Counting a commit's tree stops here: past it the figure only says "more than". */
export function countingCeiling(limits: TreeLimits): number {
  return limits.maxFiles * baseGrowthFactor;
}

/** The limits for a commit on `base`: each the larger of its default and the base's grown figure. */
export function treeLimitsAbove(base: TreeSize, defaults: TreeLimits = defaultTreeLimits): TreeLimits {
  return {
    maxFiles: Math.max(defaults.maxFiles, base.files * baseGrowthFactor),
    maxBytes: Math.max(defaults.maxBytes, base.bytes * baseGrowthFactor),
    maxBlobBytes: Math.max(defaults.maxBlobBytes, (base.largestBlob?.bytes ?? 0) * baseGrowthFactor),
    maxPathDepth: Math.max(defaults.maxPathDepth, (base.deepestPath?.depth ?? 0) * baseGrowthFactor),
    maxPathBytes: Math.max(defaults.maxPathBytes, (base.longestPath?.bytes ?? 0) * baseGrowthFactor),
  };
}

export interface TreeLimitCheck {
  /** What the sentence is about: "the claimed commit's tree". */
  subject: string;
  /** Who would write it: "the supervisor checks out", "CI checks out". */
  action: string;
  limits: TreeLimits;
}

/**
 * Pure: why the tree may not be checked out (every limit it passes, with the figures), or null.
 * `the claimed commit's tree has 100,000 files, over the 50,000 the supervisor checks out`.
 */
export function treeLimitProblem(size: TreeSize, check: TreeLimitCheck): string | null {
  const { limits, action } = check;
  const problems: string[] = [];
  if (size.files > limits.maxFiles) {
    problems.push(
      `has ${size.isPartial ? "more than " : ""}${count(size.files)} files, over the ${count(limits.maxFiles)} ${action}`,
    );
  }
  if (size.bytes > limits.maxBytes) {
    problems.push(
      `holds ${size.isPartial ? "more than " : ""}${formatBytes(size.bytes)} of files, over the ${formatBytes(limits.maxBytes)} ${action}`,
    );
  }
  const blob = size.largestBlob;
  if (blob !== null && blob.bytes > limits.maxBlobBytes) {
    problems.push(
      `has a file of ${formatBytes(blob.bytes)} (${shownPath(blob.path)}), over the ${formatBytes(limits.maxBlobBytes)} ${action} per file`,
    );
  }
  const deepest = size.deepestPath;
  if (deepest !== null && deepest.depth > limits.maxPathDepth) {
    problems.push(
      `has a path ${count(deepest.depth)} levels deep (${shownPath(deepest.path)}), over the ${count(limits.maxPathDepth)} ${action}`,
    );
  }
  const longest = size.longestPath;
  if (longest !== null && longest.bytes > limits.maxPathBytes) {
    problems.push(
      `has a path of ${size.isPartial && longest.bytes >= maxRecordBytes ? "more than " : ""}${formatBytes(longest.bytes)} (${shownPath(longest.path)}), over the ${formatBytes(limits.maxPathBytes)} ${action}`,
    );
  }
  return problems.length === 0 ? null : `${check.subject} ${problems.join("; it ")}`;
}

/**
 * A worker's commit is past what the supervisor's own git reads or writes outside the sandbox
 * (tree-limits.ts, incoming-objects.ts). Raised by Workspace.fetchFromCheckout before anything is
 * fetched; the claim is rejected with `problem`, never retried, and the run goes on.
 */
export class WorkerCommitLimitError extends SuperviseError {
  readonly problem: string;
  /** The figures measured and the limits, for the journal. */
  readonly observed: Record<string, unknown>;

  constructor(problem: string, observed: Record<string, unknown>) {
    super(`The supervisor refuses the commit: ${problem}.`, {
      exitCode: ExitCode.someNotAccepted,
      hint: "Commit only the change itself: no generated trees, no large binaries.",
    });
    this.name = "WorkerCommitLimitError";
    this.problem = problem;
    this.observed = observed;
  }
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** A worker names the path: printable, and cut so a path 10,000 levels deep stays one line. */
function shownPath(path: string): string {
  const shown = path.length > 80 ? `${path.slice(0, 40)}…${path.slice(-39)}` : path;
  return printable(shown);
}
