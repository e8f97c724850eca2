import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadPlanPlaybooks } from "../../src/monitor/playbook.ts";
import { choosePlaybook, type Signal } from "../../src/monitor/playbook-matcher.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

/**
 * A plan gate names the playbooks for its own failure: a formatter gate (whatever it is called)
 * brings lint-format, though `cargo fmt --check` prints none of the words lint-format's log patterns
 * look for, and the same rejection also failed gates other playbooks answer to.
 */
const fmtRejection: Signal = {
  kind: "claim_rejected",
  failingGates: ["style", "ci_green", "pr_merged", "issue_closed"],
  logText: [
    "`cargo fmt --all --check` exited 1",
    "Diff in /checkout/units/src/kelvin.rs:3:",
    "-pub fn celsius_to_kelvin(celsius:f64)->f64{ celsius+273.15 }",
    "no pull request for this workstream: CI is only judged on a PR's head",
    "issue #3 is open",
  ].join("\n"),
  evidence: "- style: fail — `cargo fmt --all --check` exited 1",
};

const planWith = (playbooks: string[]) => ({
  playbooks: undefined,
  gates: { style: { name: "style", playbooks } },
});

describe("a plan gate that names a playbook", () => {
  it("gets that playbook when it rejects a claim, ahead of the other failing gates' playbooks", async () => {
    const playbooks = await loadPlanPlaybooks(planWith(["lint-format"]));
    expect(playbooks.find((playbook) => playbook.id === "lint-format")?.namedByGates).toEqual(["style"]);
    expect(choosePlaybook(fmtRejection, playbooks, new Map())).toMatchObject({
      kind: "intervene",
      playbook: { id: "lint-format" },
      attempt: 1,
    });
  });

  it("without the name, the same rejection gets another playbook (what the phased example got before)", async () => {
    const playbooks = await loadPlanPlaybooks(planWith([]));
    const choice = choosePlaybook(fmtRejection, playbooks, new Map());
    expect(choice.kind === "intervene" ? choice.playbook.id : choice.kind).not.toBe("lint-format");
  });

  it("does not bring it for another gate's failure, nor once its attempts are spent", async () => {
    const playbooks = await loadPlanPlaybooks(planWith(["lint-format"]));
    const other = choosePlaybook(
      { ...fmtRejection, failingGates: ["diff_scope"], logText: "only tests changed" },
      playbooks,
      new Map(),
    );
    expect(other).toMatchObject({ playbook: { id: "stub-implementation" } });
    const spent = choosePlaybook(fmtRejection, playbooks, new Map([["lint-format", 2]]));
    expect(spent.kind === "intervene" ? spent.playbook.id : spent.kind).not.toBe("lint-format");
  });
});

describe("supervise validate on a gate's playbooks", () => {
  let workspace: Workspace;
  beforeEach(() => {
    workspace = createWorkspace();
  });
  afterEach(() => workspace.cleanup());

  const plan = (playbooks: string, extra: string[] = []) =>
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        ...extra,
        "gates:",
        `  style: { run: cargo fmt --check, playbooks: ${playbooks} }`,
        "defaults: { done: [style] }",
        "workstreams:",
        "  - { id: ws, goal: Format. }",
      ].join("\n"),
    );

  it("names an unknown playbook where it stands, with the closest one", async () => {
    plan("[lint-format, lint-formatt]");
    const result = await workspace.supervise(["validate", "plan.yaml"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'plan.yaml:3:61: gates.style.playbooks[1]: unknown playbook "lint-formatt" (did you mean "lint-format"?); playbooks are budget-nearly-spent,',
    );
    expect(result.stderr).not.toContain("    at ");
  });

  it("accepts a playbook of the plan's own folder", async () => {
    mkdirSync(join(workspace.directory, "playbooks"));
    writeFileSync(
      join(workspace.directory, "playbooks", "rustfmt.md"),
      [
        "---",
        "id: rustfmt",
        "title: R",
        "triggers:",
        "  signals: [claim_rejected]",
        "---",
        "Run cargo fmt.",
      ].join("\n"),
    );
    plan("[rustfmt]", ["playbooks: ./playbooks"]);
    const result = await workspace.supervise(["validate", "plan.yaml"]);
    expect(result.exitCode, result.stderr).toBe(0);
  });
});

describe("a run whose plan gate names lint-format", () => {
  let workspace: Workspace;
  beforeEach(() => {
    workspace = createWorkspace({
      "src/value.txt": "1\n",
      // Like `cargo fmt --check`: a diff of what it would change, none of lint-format's words.
      "style-check.sh": [
        "found=$(grep -rln \"$(printf '\\t')\" src)",
        '[ -z "$found" ] && exit 0',
        'for file in $found; do echo "Diff in $file:1:"; done',
        "exit 1",
        "",
      ].join("\n"),
    });
  });
  afterEach(() => workspace.cleanup());

  it("intervenes with it when that gate rejects the claim", async () => {
    const worker = workspace.writeWorker(
      "worker.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
if [ "$SUPERVISE_ATTEMPT" = 1 ]; then
  printf '\\t2\\n' > src/value.txt
  git commit -qam "value is 2"
  supervise tool claim_done --input '{"summary": "value is 2"}' || true
  exit 0
fi
echo 2 > src/value.txt
git commit -qam "value is 2, no tab"
supervise tool claim_done --input '{"summary": "value is 2, formatted"}'
`,
    );
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "gates:",
        "  style: { run: bash style-check.sh, playbooks: [lint-format] }",
        "defaults:",
        "  done: [style]",
        "  stall: { max_restarts: 1, max_rejections: 2 }",
        "workstreams:",
        `  - { id: fix, goal: "set the value to 2", agent: { provider: command, command: "bash ${worker}" } }`,
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const runs = join(workspace.directory, ".supervise", "runs");
    const interventions = readFileSync(join(runs, readdirSync(runs)[0]!, "journal.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"type":"intervention.applied"'))
      .map((line) => JSON.parse(line))
      .map((event) => [event.playbook, event.signal]);
    expect(interventions).toEqual([["lint-format", "claim_rejected"]]);
  });
});
