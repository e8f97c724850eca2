/**
 * `supervise init` writes a plan that validates, with the commands the repository's project files
 * suggest, and never overwrites; `supervise completion bash` completes commands and flags in a real bash.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { validatePlanSource } from "../../src/plan/index.ts";
import { detectCommands, type RepositoryFacts, starterPlan } from "../../src/plan/starter-plan.ts";
import { cliPath, createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "package.json": JSON.stringify({ name: "demo", scripts: { test: "node --test", build: "tsc" } }),
    "package-lock.json": "{}\n",
  });
});
afterEach(() => workspace.cleanup());

const supervise = (args: string[], cwd: string) =>
  execa(process.execPath, [cliPath, ...args], { cwd, reject: false, env: { NO_COLOR: "1" } });

describe("supervise init", () => {
  it("writes a starter plan for the repository that validates, and never overwrites it", async () => {
    const written = await supervise(["init"], workspace.repository);
    expect(written.exitCode, written.stderr).toBe(0);
    expect(written.stdout).toContain("Wrote supervise.yaml and plan.schema.json");
    const plan = readFileSync(join(workspace.repository, "supervise.yaml"), "utf8");
    expect(plan).toContain(
      'commands: { check: "npm test", build: "npm run build", ci: "npm ci && npm test" }',
    );
    expect(plan).toMatch(/^base: "main"/m);
    expect(JSON.parse(readFileSync(join(workspace.repository, "plan.schema.json"), "utf8")).$id).toBe(
      "urn:supervise:plan",
    );
    const validated = await supervise(["validate", "supervise.yaml"], workspace.repository);
    expect(validated.exitCode, validated.stdout + validated.stderr).toBe(0);

    writeFileSync(join(workspace.repository, "supervise.yaml"), "# mine\n");
    const again = await supervise(["init"], workspace.repository);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already exists; supervise init never overwrites a file.");
    expect(readFileSync(join(workspace.repository, "supervise.yaml"), "utf8")).toBe("# mine\n");

    const outside = await supervise(["init"], "/");
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toContain("is not inside a git repository");
  });

  it.each<[string, Partial<RepositoryFacts>, string | null]>([
    ["Cargo.toml", { hasCargoToml: true }, "cargo test"],
    ["go.mod", { hasGoMod: true }, "go test ./..."],
    ["pyproject.toml", { hasPyproject: true }, "python -m pytest"],
    ["package.json without a test script", { packageScripts: { build: "tsc" } }, null],
    ["nothing", {}, null],
  ])("for %s, suggests the check and writes a plan that validates", (_, found, check) => {
    const facts: RepositoryFacts = { repo: ".", base: "main", ...found };
    expect(detectCommands(facts)?.check ?? null).toBe(check);
    const { problems } = validatePlanSource(starterPlan(facts, "demo"), "supervise.yaml");
    expect(problems).toEqual([]);
  });
});

describe("supervise completion", () => {
  it("completes commands and each command's flags in bash", async () => {
    const script = await supervise(["completion", "bash"], workspace.directory);
    expect(script.exitCode, script.stderr).toBe(0);
    const file = join(workspace.directory, "completion.bash");
    writeFileSync(file, script.stdout);
    const complete = (...words: string[]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `source ${file}; COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _supervise; echo "\${COMPREPLY[*]}"`,
        ],
        { cwd: workspace.directory, encoding: "utf8" },
      ).trim();
    expect(complete("supervise", "sta")).toBe("status");
    expect(complete("supervise", "w")).toBe("watch");
    expect(complete("supervise", "logs", "--f")).toBe("--follow");
    expect(complete("supervise", "evidence", "--cl")).toBe("--claim");
    expect((await supervise(["completion", "fish"], workspace.directory)).exitCode).toBe(2);
  });
});
