/**
 * CI green as GitHub computes it for a commit, from both of its systems: check runs (Actions and
 * other apps) and commit statuses (the older API many CI services still use). Pure: the reader
 * fetches every page, this decides.
 *
 * A commit is green only when every latest check run completed as success, neutral or skipped
 * and every latest status is success. A failure anywhere makes it failure at once, even while
 * others still run (GitHub's rollup does the same, and the worker learns sooner). Nothing at all
 * is `none`: the combined status of a commit without statuses says "pending" with total_count 0,
 * and taking that literally would wait forever on a repository without CI.
 */
import type { CheckConclusion, CheckRun, CiStatus } from "../forge.ts";

/** The fields of a GitHub check run this reads; the API's objects carry many more. */
export interface GithubCheckRun {
  id: number;
  name: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  html_url: string | null;
  output: { title: string | null; summary: string | null };
  app: { id: number } | null;
}

/** The fields of a commit status (from the combined status) this reads. */
export interface GithubCommitStatus {
  id: number;
  context: string;
  state: string;
  description: string | null;
  target_url: string | null;
  created_at: string;
  updated_at: string;
}

type Verdict = "success" | "pending" | "failure";

const passingConclusions = new Set(["success", "neutral", "skipped"]);

/**
 * One check run's verdict. Every status but `completed` (queued, in_progress, waiting, requested,
 * pending) is still running. `stale` (GitHub gave up on an incomplete run after 14 days) must run
 * again, so it is pending; a conclusion GitHub adds later is not success until it is known.
 */
export function checkRunVerdict(run: Pick<GithubCheckRun, "status" | "conclusion">): Verdict {
  if (run.status !== "completed") return "pending";
  if (run.conclusion === null || run.conclusion === "stale") return "pending";
  if (passingConclusions.has(run.conclusion)) return "success";
  return "failure"; // failure, cancelled, timed_out, action_required, startup_failure, and anything unknown
}

/** One commit status's verdict; `expected` is how branch protection shows a required one not yet reported. */
export function commitStatusVerdict(status: Pick<GithubCommitStatus, "state">): Verdict {
  if (status.state === "success") return "success";
  if (status.state === "pending" || status.state === "expected") return "pending";
  return "failure"; // failure, error, and anything unknown
}

/**
 * The latest run of each check: a re-run is a new run with the same name. Keyed by app too, so
 * two apps reporting the same name both count. A run not started yet is the newest; ties go to
 * the higher id, which GitHub assigns in creation order.
 */
export function latestCheckRuns<T extends GithubCheckRun>(runs: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const run of runs) {
    const key = `${run.app?.id ?? ""}\u0000${run.name}`;
    const current = latest.get(key);
    if (!current || isNewerRun(run, current)) latest.set(key, run);
  }
  return [...latest.values()];
}

function isNewerRun(candidate: GithubCheckRun, current: GithubCheckRun): boolean {
  const candidateStart =
    candidate.started_at === null ? Number.POSITIVE_INFINITY : Date.parse(candidate.started_at);
  const currentStart =
    current.started_at === null ? Number.POSITIVE_INFINITY : Date.parse(current.started_at);
  if (candidateStart !== currentStart) return candidateStart > currentStart;
  return candidate.id > current.id;
}

/** The latest status of each context (the combined status already is; this keeps it so for any input). */
export function latestCommitStatuses<T extends GithubCommitStatus>(statuses: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const status of statuses) {
    const current = latest.get(status.context);
    const isNewer =
      !current ||
      Date.parse(status.updated_at) > Date.parse(current.updated_at) ||
      (status.updated_at === current.updated_at && status.id > current.id);
    if (isNewer) latest.set(status.context, status);
  }
  return [...latest.values()];
}

export function computeCiStatus(observation: {
  sha: string;
  checkRuns: readonly GithubCheckRun[];
  statuses: readonly GithubCommitStatus[];
}): CiStatus {
  const runs = latestCheckRuns(observation.checkRuns);
  const statuses = latestCommitStatuses(observation.statuses);
  const verdicts = [...runs.map(checkRunVerdict), ...statuses.map(commitStatusVerdict)];
  const checks = [...runs.map(checkFromRun), ...statuses.map(checkFromStatus)].sort((left, right) =>
    left.name < right.name ? -1 : left.name > right.name ? 1 : 0,
  );
  return { sha: observation.sha, state: combine(verdicts), checks };
}

function combine(verdicts: readonly Verdict[]): CiStatus["state"] {
  if (verdicts.length === 0) return "none";
  if (verdicts.includes("failure")) return "failure";
  if (verdicts.includes("pending")) return "pending";
  return "success";
}

const knownConclusions = new Set<string>([
  "success",
  "failure",
  "neutral",
  "skipped",
  "cancelled",
  "timed_out",
  "action_required",
]);

/** Maps into the forge's CheckRun, whose conclusions are the common ones: the rest are folded in by verdict. */
export function checkFromRun(run: GithubCheckRun): CheckRun {
  const verdict = checkRunVerdict(run);
  const summary = summarize([run.output.title, run.output.summary]);
  if (verdict === "pending") {
    const note = run.conclusion === "stale" ? "GitHub marked this run stale; it has to run again." : null;
    return {
      name: run.name,
      status: run.status === "in_progress" ? "in_progress" : "queued",
      conclusion: null,
      detailsUrl: run.details_url ?? run.html_url,
      startedAt: run.started_at,
      completedAt: null,
      summary: summarize([note, summary]),
    };
  }
  const isKnown = run.conclusion !== null && knownConclusions.has(run.conclusion);
  const conclusion: CheckConclusion = isKnown ? (run.conclusion as CheckConclusion) : "failure";
  const note = isKnown ? null : `GitHub reported ${run.status}/${run.conclusion ?? "no conclusion"}.`;
  return {
    name: run.name,
    status: "completed",
    conclusion,
    detailsUrl: run.details_url ?? run.html_url,
    startedAt: run.started_at,
    completedAt: run.completed_at,
    summary: summarize([note, summary]),
  };
}

export function checkFromStatus(status: GithubCommitStatus): CheckRun {
  const verdict = commitStatusVerdict(status);
  return {
    name: status.context,
    status: verdict === "pending" ? (status.state === "expected" ? "queued" : "in_progress") : "completed",
    conclusion: verdict === "pending" ? null : verdict,
    detailsUrl: status.target_url,
    startedAt: status.created_at,
    completedAt: verdict === "pending" ? null : status.updated_at,
    summary: status.description,
  };
}

/** Check output can be megabytes of Markdown; rejections and playbooks need its end. */
const summaryLimit = 2000;

function summarize(parts: readonly (string | null)[]): string | null {
  const text = parts
    .filter((part): part is string => part !== null && part.trim() !== "")
    .join("\n")
    .trim();
  if (text === "") return null;
  return text.length <= summaryLimit ? text : `…${text.slice(text.length - summaryLimit)}`;
}
