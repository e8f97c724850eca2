import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

/**
 * A plan's own command gate (a formatter check that fails on a tab) ahead of local_check, driven by
 * a scripted CLI worker: the fast gate rejects first, and the slow one is not run for that claim.
 */
let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "README.md": "# demo\n",
    "src/value.txt": "1\n",
    "check.sh": 'test "$(cat src/value.txt)" = 2\n',
    // Like a real formatter check: progress first, the errors, then a long tail of notes and a summary.
    "fmt-check.sh": [
      "echo 'fmt-check: scanning src/'",
      'for file in src/*; do echo "checked $file"; done',
      "found=$(grep -rn \"$(printf '\\t')\" src | cut -d: -f1,2)",
      '[ -z "$found" ] && exit 0',
      "echo \"$found\" | sed 's/^/error: tab indentation at /'",
      "echo",
      'for i in $(seq 1 200); do echo "note: formatter statistics line $i"; done',
      "echo 'fmt-check: 1 file would be reformatted'",
      "exit 1",
      "",
    ].join("\n"),
  });
});
afterEach(() => workspace.cleanup());

const runDirectory = () => {
  const runs = join(workspace.directory, ".supervise", "runs");
  return join(runs, readdirSync(runs)[0]!);
};

describe("a gate the plan defines", () => {
  it("rejects a claim that fails it, naming it with its fix hint and first errors, and skips the check after it", async () => {
    const worker = workspace.writeWorker(
      "worker.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 2 > src/value.txt
printf 'function a() {\\n\\treturn 1;\\n}\\n' > src/a.js
git add -A
git commit -qm "value is 2"
supervise tool claim_done --input '{"summary": "value is 2"}' || true
sed -i "s/$(printf '\\t')/  /" src/a.js
git commit -qam "indent with spaces"
supervise tool claim_done --input '{"summary": "value is 2, formatted"}'
`,
    );
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "gates:",
        '  fmt: { run: bash fmt-check.sh, fix_hint: "indent with spaces, never tabs" }',
        "defaults:",
        "  done: [fmt, local_check]",
        "  commands: { check: bash check.sh }",
        "  stall: { max_restarts: 0, max_rejections: 2 }",
        "workstreams:",
        `  - { id: fix, goal: "set the value to 2", agent: { provider: command, command: "bash ${worker}" } }`,
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    const gateEvents = result.stdout
      .split("\n")
      .filter((line) => line.includes('"type":"gate.'))
      .map((line) => JSON.parse(line))
      .map((event) => `${event.claim} ${event.gate}: ${event.type} — ${event.detail}`);
    expect(gateEvents).toEqual([
      "1 fmt: gate.failed — `bash fmt-check.sh` exited 1",
      "1 local_check: gate.skipped — not run: an earlier gate failed (fmt)",
      "2 fmt: gate.passed — `bash fmt-check.sh` exited 0",
      "2 local_check: gate.passed — `bash check.sh` exited 0",
    ]);
    expect(readdirSync(join(runDirectory(), "evidence", "fix", "logs")).sort()).toEqual([
      "claim-1-fmt.log",
      "claim-2-fmt.log",
      "claim-2-local_check.log",
    ]);

    const verdicts = readFileSync(join(runDirectory(), "transcripts", "fix.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"tool":"claim_done"') && line.includes('"tool_result"'))
      .map((line) => JSON.parse(line) as { isError: boolean; text: string });
    expect(verdicts.map((verdict) => verdict.isError)).toEqual([true, false]);
    const rejection = verdicts[0]!.text;
    expect(rejection).toContain(
      [
        "- fmt: fail — `bash fmt-check.sh` exited 1",
        "  How to fix it: indent with spaces, never tabs",
        "  First errors in its log:",
        "    error: tab indentation at src/a.js:2",
        "  Full log: evidence/fix/logs/claim-1-fmt.log",
      ].join("\n"),
    );
    expect(rejection).not.toContain("local_check");
    expect(rejection).not.toContain("statistics line 200");

    const bundle = JSON.parse(readFileSync(join(runDirectory(), "evidence", "fix", "bundle.json"), "utf8"));
    expect(bundle.verdict).toBe("accepted");
    expect(bundle.done).toEqual(["fmt", "local_check"]);
    expect(bundle.claims.map((claim: { failed_gates: string[] }) => claim.failed_gates)).toEqual([
      ["fmt"],
      [],
    ]);
    expect(bundle.gates).toMatchObject([
      {
        id: "fmt",
        status: "pass",
        command: "bash fmt-check.sh",
        exit_code: 0,
        duration_ms: expect.any(Number),
        log: join(runDirectory(), "evidence", "fix", "logs", "claim-2-fmt.log"),
        explanation:
          "fmt: `bash fmt-check.sh` passes in your checkout at the claimed commit (when it fails: indent with spaces, never tabs)",
        fix_hint: "indent with spaces, never tabs",
        first_errors: null,
      },
      {
        id: "local_check",
        status: "pass",
        command: "bash check.sh",
        log: join(runDirectory(), "evidence", "fix", "logs", "claim-2-local_check.log"),
        explanation: "local_check: `bash check.sh` passes in your checkout at the claimed commit",
        fix_hint: null,
      },
    ]);
  });

  it("with a metric, runs at the base too and rejects a claim whose number grew past max_regression", async () => {
    const worker = workspace.writeWorker(
      "worker.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 1000000 > src/value.txt
git commit -qam "a bigger value"
supervise tool claim_done --input '{"summary": "bigger"}' || true
echo 2 > src/value.txt
git commit -qam "a value of the same size"
supervise tool claim_done --input '{"summary": "same size"}'
`,
    );
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "gates:",
        "  size:",
        "    run: 'echo \"size: $(wc -c < src/value.txt) bytes\"'",
        "    metric: 'size: (\\d+) bytes'",
        "    max_regression: 50",
        "defaults:",
        "  done: [size]",
        "  stall: { max_restarts: 0, max_rejections: 2 }",
        "workstreams:",
        `  - { id: fix, goal: "keep the value small", agent: { provider: command, command: "bash ${worker}" } }`,
      ].join("\n"),
    );
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const gateEvents = result.stdout
      .split("\n")
      .filter((line) => line.includes('"type":"gate.'))
      .map((line) => JSON.parse(line))
      .map((event) => [event.type, event.detail, event.observed.metric]);
    const metric = (claim: number, base: number, change: number) => ({
      pattern: "size: (\\d+) bytes",
      claim,
      base,
      change_percent: change,
      max_regression_percent: 50,
      base_log: expect.stringMatching(/^evidence\/fix\/logs\/claim-\d-size-base\.log$/),
    });
    expect(gateEvents).toEqual([
      ["gate.failed", "8 at the claim, 2 at the base: +300.0% (at most +50%)", metric(8, 2, 300)],
      ["gate.passed", "2 at the claim, 2 at the base: +0.0% (at most +50%)", metric(2, 2, 0)],
    ]);
    expect(readdirSync(join(runDirectory(), "evidence", "fix", "logs")).sort()).toEqual([
      "claim-1-size-base.log",
      "claim-1-size.log",
      "claim-2-size-base.log",
      "claim-2-size.log",
    ]);
  });
});
