import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

const cassette = `
turns:
  - content:
      - { type: text, text: "I will claim without doing anything." }
      - { type: tool_use, name: claim_done, input: { summary: "Implementation complete." } }
  - content:
      - { type: tool_use, name: write_file, input: { path: src/value.txt, content: "2\\n" } }
      - { type: tool_use, name: bash, input: { command: "git commit -qam 'value is 2' && git log --oneline -1" } }
  - content:
      - { type: tool_use, name: claim_done, input: { summary: "value is 2, committed" } }
  - content:
      - { type: text, text: "Accepted." }
    stop_reason: end_turn
`;

describe("the replay worker through the CLI", () => {
  it("plays a cassette through the real SDK: a false claim is rejected, the honest one accepted", async () => {
    writeFileSync(join(workspace.directory, "cassette.yaml"), cassette);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "agent: { provider: replay, cassette: cassette.yaml }",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "test \\"$(cat src/value.txt)\\" = 2" }',
        "workstreams:",
        "  - { id: value, goal: set the value to 2 }",
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml", "--json"], { env: { ANTHROPIC_API_KEY: "" } });
    expect(result.exitCode, result.stderr).toBe(0);
    const events = result.stdout.split("\n").map((line) => JSON.parse(line));
    expect(
      events
        .filter((event) => event.type === "claim.rejected" || event.type === "claim.accepted")
        .map((event) => event.type),
    ).toEqual(["claim.rejected", "claim.accepted"]);
    const usage = events.filter((event) => event.type === "worker.usage");
    expect(usage.length).toBe(4);
    const runs = join(workspace.directory, ".supervise", "runs");
    const transcript = readFileSync(join(runs, readdirSync(runs)[0]!, "transcripts", "value.jsonl"), "utf8");
    expect(transcript).toContain("Implementation complete.");
  });

  it("refuses a broken cassette with exit 2 before anything starts", async () => {
    writeFileSync(join(workspace.directory, "cassette.yaml"), "turns:\n  - content: []\n");
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "agent: { provider: replay, cassette: cassette.yaml }",
        "workstreams:",
        "  - { id: value, goal: g }",
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("cassette.yaml");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
