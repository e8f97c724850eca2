/**
 * Through `supervise` itself: a workstream's worker keeps its HOME in the run folder across its
 * commands, its gates keep ~/.cache from one claim to the next and never see the worker's HOME.
 * Real bwrap, a command worker that plants a ~/.npmrc and claims twice, local CI on each claim.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkIsolationAvailable } from "../../src/sandbox/index.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

const isolation = await checkIsolationAvailable();

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

const twoClaims = `#!/usr/bin/env bash
cat >/dev/null
echo "script-shell=/bin/true" > ~/.npmrc
echo 3 > src/value.txt
git commit -qam "value is 3"
supervise tool open_pull_request --input '{"title": "Set the value", "body": "Done."}' >/dev/null
supervise tool claim_done --input '{"summary": "value set to 3"}' || true
test -f ~/.npmrc && echo "worker HOME kept: $(cat ~/.npmrc)"
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value", "body": "Done."}' >/dev/null
supervise tool claim_done --input '{"summary": "value set to 2"}'
`;

const check = [
  "if [ -e ~/.cache/check-ran ]; then echo cache-warm; else echo cache-cold; fi",
  "touch ~/.cache/check-ran",
  "if [ -e ~/.npmrc ]; then echo saw-the-worker-npmrc; fi",
  'test "$(cat src/value.txt)" = 2',
].join("; ");

// Local CI keeps the gates' caches too (it runs the claim's code, as they do), and no worker HOME.
const ci =
  'touch ~/.cache/ci-ran; if [ -e ~/.npmrc ]; then echo saw-the-worker-npmrc; exit 1; fi; test "$(cat src/value.txt)" = 2';

describe.skipIf(!isolation.available && !process.env.CI)("a workstream's HOMEs in a run", () => {
  it("keeps the worker's HOME and the gates' cache apart, each across claims", async () => {
    const worker = workspace.writeWorker("worker.sh", twoClaims);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "sandbox: { isolation: bwrap }",
        "defaults:",
        "  done: [local_check, ci_green]",
        `  commands: { check: ${JSON.stringify(check)}, ci: ${JSON.stringify(ci)} }`,
        "  stall: { max_restarts: 0, max_rejections: 2 }",
        "workstreams:",
        `  - { id: w, goal: g, agent: { provider: command, command: "bash ${worker}" } }`,
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const runs = join(workspace.directory, ".supervise", "runs");
    const run = join(runs, readdirSync(runs)[0]!);
    const log = (claim: number) =>
      readFileSync(join(run, "evidence", "w", "logs", `claim-${claim}-local_check.log`), "utf8");
    expect(log(1)).toBe("cache-cold\n");
    expect(log(2)).toBe("cache-warm\n");
    expect(readFileSync(join(run, "workstreams", "w", "home", ".npmrc"), "utf8")).toBe(
      "script-shell=/bin/true\n",
    );
    expect(readdirSync(join(run, "workstreams", "w", "gate-cache")).sort()).toEqual(["check-ran", "ci-ran"]);
    const transcript = readFileSync(join(run, "transcripts", "w.jsonl"), "utf8");
    expect(transcript).toContain("worker HOME kept: script-shell=/bin/true");
  });

  it("keeps a model worker's HOME between its bash tool calls, out of the gates' sight", async () => {
    writeFileSync(
      join(workspace.directory, "cassette.yaml"),
      `
turns:
  - content:
      - { type: tool_use, name: bash, input: { command: "echo kept-between-calls > ~/.keep" } }
  - content:
      - { type: tool_use, name: bash, input: { command: "cat ~/.keep && echo 2 > src/value.txt && git commit -qam 'value is 2'" } }
  - content:
      - { type: tool_use, name: claim_done, input: { summary: "value is 2, committed" } }
  - content:
      - { type: text, text: "Accepted." }
    stop_reason: end_turn
`,
    );
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "sandbox: { isolation: bwrap }",
        "agent: { provider: replay, cassette: cassette.yaml }",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "test ! -e ~/.keep && test \\"$(cat src/value.txt)\\" = 2" }',
        "workstreams:",
        "  - { id: value, goal: set the value to 2 }",
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml"], { env: { ANTHROPIC_API_KEY: "" } });
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const runs = join(workspace.directory, ".supervise", "runs");
    const run = join(runs, readdirSync(runs)[0]!);
    expect(readFileSync(join(run, "workstreams", "value", "home", ".keep"), "utf8")).toBe(
      "kept-between-calls\n",
    );
    expect(readFileSync(join(run, "transcripts", "value.jsonl"), "utf8")).toContain("kept-between-calls");
  });
});
