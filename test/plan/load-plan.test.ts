import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExitCode, PlanError, type PlanProblem, SuperviseError } from "../../src/errors.ts";
import { loadPlan } from "../../src/plan/load-plan.ts";

const source = (...lines: string[]): string => `${lines.join("\n")}\n`;
const workstreams = ["workstreams:", "  - { id: ws1, issue: 1, goal: Fix it. }"];

let root: string;
let planFile: string;

async function git(cwd: string, ...args: string[]): Promise<void> {
  await execa("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", ...args], { cwd });
}

/** A repository with a first commit on main and a second branch, dev. */
async function createRepository(directory: string): Promise<void> {
  await mkdir(directory, { recursive: true });
  await git(directory, "init", "--quiet", "--initial-branch=main");
  await writeFile(path.join(directory, "README.md"), "widget\n");
  await git(directory, "add", "README.md");
  await git(directory, "commit", "--quiet", "-m", "first");
  await git(directory, "branch", "dev");
}

async function planProblems(text: string): Promise<PlanProblem[]> {
  await writeFile(planFile, text);
  const error = await loadPlan(planFile).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(PlanError);
  expect((error as PlanError).exitCode).toBe(ExitCode.badInput);
  return (error as PlanError).problems;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "supervise-plan-"));
  await mkdir(path.join(root, "plans"));
  planFile = path.join(root, "plans", "week2.yaml");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("loadPlan", () => {
  it("loads a valid plan against a real repository", async () => {
    await createRepository(path.join(root, "widget"));
    await writeFile(planFile, source("repo: ../widget", "base: dev", ...workstreams));
    const plan = await loadPlan(planFile);
    expect([plan.file, plan.name, plan.repo, plan.base]).toEqual([
      planFile,
      "week2",
      path.join(root, "widget"),
      "dev",
    ]);
    expect(plan.workstreams.map((workstream) => workstream.branch)).toEqual(["supervise/ws1"]);
  });

  it("resolves a relative plan file against options.cwd and keeps it relative in problems", async () => {
    await writeFile(planFile, source("repo: ../widget", ...workstreams));
    const error = (await loadPlan("plans/week2.yaml", { cwd: root }).catch(
      (thrown: unknown) => thrown,
    )) as PlanError;
    expect(error.problems).toEqual([
      {
        file: "plans/week2.yaml",
        line: 1,
        column: 7,
        path: "repo",
        message: `repository ../widget does not exist (resolved to ${path.join(root, "widget")})`,
      },
    ]);
    const missing = await loadPlan("plans/other.yaml", { cwd: root }).catch((thrown: unknown) => thrown);
    expect((missing as SuperviseError).message).toBe(
      `plan file plans/other.yaml (${path.join(root, "plans", "other.yaml")}) does not exist`,
    );
  });

  it("names the path of a missing plan file and exits 2", async () => {
    const missing = path.join(root, "nope.yaml");
    const error = await loadPlan(missing).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(SuperviseError);
    expect(error).not.toBeInstanceOf(PlanError);
    expect((error as SuperviseError).message).toBe(`plan file ${missing} does not exist`);
    expect((error as SuperviseError).exitCode).toBe(ExitCode.badInput);
  });

  it("refuses a directory as the plan file", async () => {
    const error = await loadPlan(root).catch((thrown: unknown) => thrown);
    expect((error as SuperviseError).message).toBe(`plan file ${root} is a directory, not a file`);
    expect((error as SuperviseError).exitCode).toBe(ExitCode.badInput);
  });

  it("reports a repository that does not exist, at the repo field", async () => {
    const problems = await planProblems(source("name: demo", "repo: ../widget", ...workstreams));
    expect(problems).toEqual([
      {
        file: planFile,
        line: 2,
        column: 7,
        path: "repo",
        message: `repository ../widget does not exist (resolved to ${path.join(root, "widget")})`,
      },
    ]);
  });

  it("reports a directory that is not a git repository", async () => {
    await mkdir(path.join(root, "widget"));
    const problems = await planProblems(source("repo: ../widget", ...workstreams));
    expect(problems).toEqual([
      {
        file: planFile,
        line: 1,
        column: 7,
        path: "repo",
        message: `repository ../widget is not a git repository (resolved to ${path.join(root, "widget")})`,
      },
    ]);
  });

  it("reports an unknown base branch with the branches that exist", async () => {
    const repository = path.join(root, "widget");
    await createRepository(repository);
    const problems = await planProblems(source("repo: ../widget", "base: mian", ...workstreams));
    expect(problems).toEqual([
      {
        file: planFile,
        line: 2,
        column: 7,
        path: "base",
        message: `branch "mian" does not exist in ${repository} (did you mean "main"? branches: dev, main)`,
      },
    ]);
  });

  it("points a problem with a defaulted field at the start of the file", async () => {
    // repo defaults to the plan's directory and base to main; this repository has neither main nor dev.
    const plans = path.join(root, "plans");
    await git(plans, "init", "--quiet", "--initial-branch=trunk");
    await writeFile(path.join(plans, "x"), "x\n");
    await git(plans, "add", "x");
    await git(plans, "commit", "--quiet", "-m", "first");
    const problems = await planProblems(source("# comment", ...workstreams));
    expect(problems).toEqual([
      {
        file: planFile,
        line: 1,
        column: 1,
        path: "base",
        message: `branch "main" does not exist in ${plans} (branches: trunk)`,
      },
    ]);
  });

  it("says when a repository has no branches yet", async () => {
    await mkdir(path.join(root, "empty"));
    await git(path.join(root, "empty"), "init", "--quiet", "--initial-branch=main");
    const problems = await planProblems(source("repo: ../empty", ...workstreams));
    expect(problems.map((problem) => problem.message)).toEqual([
      `branch "main" does not exist in ${path.join(root, "empty")} (it has no branches yet: commit something first)`,
    ]);
  });

  it("reports rule and repository problems together, in source order", async () => {
    const problems = await planProblems(
      source(
        "repo: ../missing",
        "workstreams:",
        "  - { id: a, issue: 1, goal: x, depends_on: [b] }",
        "  - { id: b, issue: 2, goal: y, depends_on: [a] }",
      ),
    );
    expect(problems.map(({ line, column, path: field }) => `${line}:${column} ${field}`)).toEqual([
      "1:7 repo",
      "3:46 workstreams[0].depends_on[0]",
    ]);
  });

  it("throws every schema problem in one PlanError whose message lists them", async () => {
    await writeFile(planFile, source("concurrency: 0", "workstreams: []"));
    const error = (await loadPlan(planFile).catch((thrown: unknown) => thrown)) as PlanError;
    expect(error.message).toBe(
      [
        "The plan is not valid (2 problems):",
        `  ${planFile}:1:14: concurrency: expected a positive integer, got 0`,
        `  ${planFile}:2:14: workstreams: the plan needs at least one workstream`,
      ].join("\n"),
    );
  });
});
