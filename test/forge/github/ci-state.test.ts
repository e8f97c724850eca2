import { describe, expect, it } from "vitest";
import {
  checkFromRun,
  checkRunVerdict,
  commitStatusVerdict,
  computeCiStatus,
  type GithubCheckRun,
  type GithubCommitStatus,
  latestCheckRuns,
} from "../../../src/forge/github/ci-state.ts";

const sha = "a".repeat(40);
let nextId = 1;

function run(
  name: string,
  status: string,
  conclusion: string | null,
  startedAt = "2026-01-01T10:00:00Z",
): GithubCheckRun {
  nextId += 1;
  return {
    id: nextId,
    name,
    status,
    conclusion,
    started_at: startedAt,
    completed_at: status === "completed" ? "2026-01-01T10:05:00Z" : null,
    details_url: `https://github.com/acme/widget/actions/runs/1/job/${nextId}`,
    html_url: null,
    output: { title: null, summary: null },
    app: { id: 15368 },
  };
}

function status(context: string, state: string): GithubCommitStatus {
  nextId += 1;
  return {
    id: nextId,
    context,
    state,
    description: `${context} is ${state}`,
    target_url: null,
    created_at: "2026-01-01T10:00:00Z",
    updated_at: "2026-01-01T10:01:00Z",
  };
}

describe("one check run's verdict", () => {
  it.each([
    ["queued", null, "pending"],
    ["in_progress", null, "pending"],
    ["waiting", null, "pending"],
    ["requested", null, "pending"],
    ["pending", null, "pending"],
    ["completed", "success", "success"],
    ["completed", "neutral", "success"],
    ["completed", "skipped", "success"],
    ["completed", "stale", "pending"],
    ["completed", "failure", "failure"],
    ["completed", "cancelled", "failure"],
    ["completed", "timed_out", "failure"],
    ["completed", "action_required", "failure"],
    ["completed", "startup_failure", "failure"],
    ["completed", "a_conclusion_github_adds_later", "failure"],
  ])("%s/%s is %s", (runStatus, conclusion, verdict) => {
    expect(checkRunVerdict({ status: runStatus, conclusion })).toBe(verdict);
  });
});

describe("one commit status's verdict", () => {
  it.each([
    ["success", "success"],
    ["pending", "pending"],
    ["expected", "pending"],
    ["failure", "failure"],
    ["error", "failure"],
  ])("%s is %s", (state, verdict) => {
    expect(commitStatusVerdict({ state })).toBe(verdict);
  });
});

describe("the commit's CI state", () => {
  it.each<[string, GithubCheckRun[], GithubCommitStatus[], string]>([
    ["nothing reported (combined status pending with total_count 0)", [], [], "none"],
    ["one green run", [run("test", "completed", "success")], [], "success"],
    ["one green status", [], [status("ci/jenkins", "success")], "success"],
    [
      "green, neutral and skipped runs",
      [run("a", "completed", "success"), run("b", "completed", "neutral"), run("c", "completed", "skipped")],
      [],
      "success",
    ],
    [
      "a green run and a pending status",
      [run("test", "completed", "success")],
      [status("ci/jenkins", "pending")],
      "pending",
    ],
    [
      "a green status and a queued run",
      [run("test", "queued", null, "2026-01-01T10:00:00Z")],
      [status("ci/jenkins", "success")],
      "pending",
    ],
    [
      "a failing run while another still runs",
      [run("lint", "completed", "failure"), run("test", "in_progress", null)],
      [],
      "failure",
    ],
    [
      "an errored status beside green runs",
      [run("test", "completed", "success")],
      [status("deploy", "error")],
      "failure",
    ],
    [
      "a stale run beside a green one",
      [run("a", "completed", "success"), run("b", "completed", "stale")],
      [],
      "pending",
    ],
  ])("%s → %s", (_name, runs, statuses, state) => {
    expect(computeCiStatus({ sha, checkRuns: runs, statuses }).state).toBe(state);
  });

  it("judges the latest run of each name: a green re-run replaces the failed run", () => {
    const failed = run("test", "completed", "failure", "2026-01-01T10:00:00Z");
    const rerun = run("test", "completed", "success", "2026-01-01T11:00:00Z");
    expect(computeCiStatus({ sha, checkRuns: [rerun, failed], statuses: [] }).state).toBe("success");
    expect(latestCheckRuns([failed, rerun])).toEqual([rerun]);
  });

  it("takes a re-run that has not started yet as the latest, so it is pending", () => {
    const passed = run("test", "completed", "success", "2026-01-01T10:00:00Z");
    const queued = { ...run("test", "queued", null), started_at: null };
    expect(computeCiStatus({ sha, checkRuns: [passed, queued], statuses: [] }).state).toBe("pending");
  });

  it("breaks a tie of start times by the higher id", () => {
    const first = run("test", "completed", "failure", "2026-01-01T10:00:00Z");
    const second = run("test", "completed", "success", "2026-01-01T10:00:00Z");
    expect(latestCheckRuns([second, first])).toEqual([second]);
  });

  it("keeps runs of the same name from different apps apart", () => {
    const actions = run("build", "completed", "success");
    const other = { ...run("build", "completed", "failure"), app: { id: 99 } };
    expect(computeCiStatus({ sha, checkRuns: [actions, other], statuses: [] }).state).toBe("failure");
  });

  it("maps runs and statuses into the forge's checks, sorted by name", () => {
    const lint = {
      ...run("lint", "completed", "failure"),
      output: { title: "2 errors", summary: "src/a.ts:3 no-unused-vars" },
    };
    const result = computeCiStatus({ sha, checkRuns: [lint], statuses: [status("ci/jenkins", "pending")] });
    expect(result).toEqual({
      sha,
      state: "failure",
      checks: [
        {
          name: "ci/jenkins",
          status: "in_progress",
          conclusion: null,
          detailsUrl: null,
          startedAt: "2026-01-01T10:00:00Z",
          completedAt: null,
          summary: "ci/jenkins is pending",
        },
        {
          name: "lint",
          status: "completed",
          conclusion: "failure",
          detailsUrl: lint.details_url,
          startedAt: "2026-01-01T10:00:00Z",
          completedAt: "2026-01-01T10:05:00Z",
          summary: "2 errors\nsrc/a.ts:3 no-unused-vars",
        },
      ],
    });
  });

  it("folds conclusions the forge does not name into failure or pending, saying which", () => {
    expect(checkFromRun(run("boot", "completed", "startup_failure"))).toMatchObject({
      status: "completed",
      conclusion: "failure",
      summary: "GitHub reported completed/startup_failure.",
    });
    expect(checkFromRun(run("old", "completed", "stale"))).toMatchObject({
      status: "queued",
      conclusion: null,
      summary: "GitHub marked this run stale; it has to run again.",
    });
  });

  it("keeps the end of a long output", () => {
    const long = {
      ...run("test", "completed", "failure"),
      output: { title: null, summary: `${"x".repeat(5000)}END` },
    };
    const summary = checkFromRun(long).summary ?? "";
    expect(summary.length).toBe(2001);
    expect(summary.slice(-3)).toBe("END");
  });
});
