import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

/**
 * A branched cassette through the whole supervisor: the branch is chosen on the rejection and the
 * playbook intervention the real run wrote into the claim's tool result, so this also pins the
 * cassette conditions to the supervisor's own wording.
 */
let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

const cassette = `
turns:
  - content:
      - { type: tool_use, name: claim_done, input: { summary: "Implementation complete." } }
    branches:
      - when: { rejected_gate: diff_scope }
        turns:
          - content: [ { type: text, text: "Wrong branch: diff_scope did not run." } ]
      - when: { rejected_gate: local_check, intervention: failing-tests }
        turns:
          - content:
              - { type: tool_use, name: write_file, input: { path: src/value.txt, content: "2\\n" } }
              - { type: tool_use, name: bash, input: { command: "git commit -qam 'value is 2'" } }
          - content:
              - { type: tool_use, name: claim_done, input: { summary: "value is 2, committed" } }
  - content:
      - { type: text, text: "Accepted." }
`;

describe("a branched cassette under the supervisor", () => {
  it("takes the branch matching the gate that failed and the playbook that intervened", async () => {
    writeFileSync(join(workspace.directory, "cassette.yaml"), cassette);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "agent: { provider: replay, cassette: cassette.yaml }",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "test \\"$(cat src/value.txt)\\" = 2 || { echo \\"expected 2, got $(cat src/value.txt)\\"; exit 1; }" }',
        "workstreams:",
        "  - { id: value, goal: set the value to 2 }",
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml", "--json"], { env: { ANTHROPIC_API_KEY: "" } });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = result.stdout.split("\n").map((line) => JSON.parse(line) as { type: string });
    expect(
      events
        .filter((event) => ["claim.rejected", "claim.accepted", "intervention.applied"].includes(event.type))
        .map((event) => event.type),
    ).toEqual(["claim.rejected", "intervention.applied", "claim.accepted"]);
  });

  it("refuses a branch that waits for a playbook the run does not have, before anything starts", async () => {
    writeFileSync(
      join(workspace.directory, "cassette.yaml"),
      cassette.replace("failing-tests", "failing-test"),
    );
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "agent: { provider: replay, cassette: cassette.yaml }",
        "workstreams:",
        "  - { id: value, goal: set the value to 2 }",
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml"], { env: { ANTHROPIC_API_KEY: "" } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'turns.0.branches.1.when.intervention: no playbook has the id "failing-test"',
    );
  });
});
