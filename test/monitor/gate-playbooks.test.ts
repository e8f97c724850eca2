import { mkdirSync, writeFileSync } from "node:fs";
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
