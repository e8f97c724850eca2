/**
 * `supervise init`'s plan: a commented starting point for the repository it is run in, with the
 * check, build and CI commands its project files suggest. Pure: the caller reads the files.
 */

/** What init found in the repository: the project files that name its toolchain. */
export interface RepositoryFacts {
  /** The plan's `repo`, relative to where the plan is written. */
  repo: string;
  base: string;
  /** package.json's `scripts`, when there is a package.json. */
  packageScripts?: Record<string, string>;
  hasPackageLock?: boolean;
  hasCargoToml?: boolean;
  hasPyproject?: boolean;
  hasGoMod?: boolean;
}

export interface StarterCommands {
  /** Where the commands came from, for the comment above them. */
  source: string;
  check: string;
  build: string | null;
  ci: string;
}

export function detectCommands(facts: RepositoryFacts): StarterCommands | null {
  if (facts.packageScripts !== undefined) {
    const scripts = facts.packageScripts;
    const install = facts.hasPackageLock ? "npm ci" : "npm install";
    const check = scripts.test !== undefined ? "npm test" : null;
    if (check !== null) {
      return {
        source: "package.json",
        check,
        build: scripts.build !== undefined ? "npm run build" : null,
        ci: `${install} && ${check}`,
      };
    }
  }
  if (facts.hasCargoToml)
    return { source: "Cargo.toml", check: "cargo test", build: "cargo build --release", ci: "cargo test" };
  if (facts.hasGoMod)
    return { source: "go.mod", check: "go test ./...", build: "go build ./...", ci: "go test ./..." };
  if (facts.hasPyproject)
    return {
      source: "pyproject.toml",
      check: "python -m pytest",
      build: null,
      ci: "python -m pip install -e . && python -m pytest",
    };
  return null;
}

/** The plan's text: every field a person changes first, with a comment saying what it does. */
export function starterPlan(facts: RepositoryFacts, name: string): string {
  const commands = detectCommands(facts);
  const quoted = (command: string | null) => (command === null ? "null" : JSON.stringify(command));
  const commandLines =
    commands === null
      ? [
          "  # No package.json test script, Cargo.toml, go.mod or pyproject.toml was found: put your own",
          "  # test, build and CI commands here (null removes one; a gate that needs it is then an error).",
          '  commands: { check: "make test", build: null, ci: "make test" }',
        ]
      : [
          `  # From ${commands.source}. check runs in each worktree, ci in a fresh clone of the pushed commit.`,
          `  commands: { check: ${quoted(commands.check)}, build: ${quoted(commands.build)}, ci: ${quoted(commands.ci)} }`,
        ];
  const done = commands?.build ? "[local_check, release_build, diff_scope]" : "[local_check, diff_scope]";
  return [
    "# yaml-language-server: $schema=./plan.schema.json",
    "# A supervise plan (`supervise schema > plan.schema.json` gives your editor its fields).",
    "# Check it with `supervise validate <this file>`, preview it with `--dry-run`, run it with `supervise <this file>`.",
    `name: ${name}`,
    `repo: ${JSON.stringify(facts.repo)}            # the git repository the workers' checkouts are made from`,
    `base: ${JSON.stringify(facts.base)}            # the branch every workstream starts from and merges into`,
    "forge: { kind: local }  # or { kind: github, owner: you, repo: name } with GITHUB_TOKEN",
    "agent: { provider: claude-code }  # or anthropic (ANTHROPIC_API_KEY), codex, or { provider: command, command: ... }",
    "concurrency: 2",
    "defaults:",
    "  # The gates that define done, checked by the supervisor itself; add ci_green, pr_merged and",
    "  # issue_closed for workstreams that land through pull requests.",
    `  done: ${done}`,
    ...commandLines,
    "  budget: { minutes: 60, turns: 60, usd: 10 }",
    "workstreams:",
    "  - id: first-task",
    "    goal: Say in one sentence what done means for this workstream.",
    "    brief: |",
    "      Longer instructions for the worker: where to look, what not to touch.",
    "",
  ].join("\n");
}
