import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

/**
 * The whole definition of done on the local forge, driven by scripted CLI workers through
 * `supervise tool`: the honest path to acceptance, and the classic ways to stop short.
 */
let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({
    "README.md": "# demo\n",
    "src/value.txt": "1\n",
    "check.sh": 'test "$(cat src/value.txt)" = 2\n',
  });
});
afterEach(() => workspace.cleanup());

function plan(worker: string, extra: string[] = []): string {
  return [
    "repo: ./repo",
    "defaults:",
    "  done: [local_check, ci_green, pr_merged, issue_closed]",
    "  commands: { check: bash check.sh, ci: bash check.sh }",
    "  stall: { max_restarts: 1, max_rejections: 2 }",
    ...extra,
    "workstreams:",
    `  - { id: fix, issue: 7, goal: "set the value to 2", agent: { provider: command, command: "bash ${worker}" } }`,
  ].join("\n");
}

const waitForCi = `
for i in $(seq 1 100); do
  out=$(supervise tool ci_status) || true
  case "$out" in *": success."*|*": failure."*) break;; esac
  sleep 0.1
done
echo "$out"
`;

function bundle(): Record<string, any> {
  const runs = join(workspace.directory, ".supervise", "runs");
  return JSON.parse(
    readFileSync(join(runs, readdirSync(runs)[0]!, "evidence", "fix", "bundle.json"), "utf8"),
  );
}

describe("the definition of done on the local forge", () => {
  it("lands nothing the checkout's gates have not passed, even with green CI", async () => {
    const worker = workspace.writeWorker(
      "lander.sh",
      `#!/usr/bin/env bash
set -u
cat >/dev/null
echo 3 > src/value.txt
git commit -qam "value is 3"
supervise tool open_pull_request --input '{"title": "Set the value", "body": "Done."}' >/dev/null
${waitForCi}
echo "merge: $(supervise tool merge_pull_request 2>&1)"
`,
    );
    workspace.writePlan(
      "plan.yaml",
      plan(worker).replace("ci: bash check.sh", "ci: 'true'").replace("max_restarts: 1", "max_restarts: 0"),
    );
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode).toBe(1);
    const refused = result.stdout
      .split("\n")
      .filter((line) => line.includes('"type":"merge.refused"'))
      .map((line) => JSON.parse(line));
    expect(refused).toMatchObject([{ reason: "gates_failed", message: "local_check: fail" }]);
    expect(result.stdout).not.toContain('"type":"merge.completed"');
    const runs = join(workspace.directory, ".supervise", "runs");
    const transcript = readFileSync(join(runs, readdirSync(runs)[0]!, "transcripts", "fix.jsonl"), "utf8");
    expect(transcript).toContain("merge: Not merged: before a pull request lands");
    expect(readdirSync(join(runs, readdirSync(runs)[0]!, "evidence", "fix", "logs"))).toContainEqual(
      expect.stringMatching(/^merge-pr8-[0-9a-f]{12}-local_check\.log$/),
    );
  });

  it("accepts a worker that fixes, opens a PR, waits for green CI, merges and claims", async () => {
    const worker = workspace.writeWorker(
      "honest.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value to 2", "body": "The value is now 2."}'
${waitForCi}
supervise tool merge_pull_request
supervise tool claim_done --input '{"summary": "value is 2; CI green; merged"}'
`,
    );
    workspace.writePlan("plan.yaml", plan(worker));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const evidence = bundle();
    expect(evidence.verdict).toBe("accepted");
    expect(evidence.gates.map((gate: { id: string; status: string }) => `${gate.id}:${gate.status}`)).toEqual(
      ["local_check:pass", "ci_green:pass", "pr_merged:pass", "issue_closed:pass"],
    );
    expect(evidence.pr).toMatchObject({ number: 8, merged: true, head_sha: evidence.commit, base: "main" });
    expect(evidence.issue).toMatchObject({
      number: 7,
      state: "closed",
      closed_by: { kind: "pull_request", pullRequest: 8 },
    });
    // The merged work reaches the user's repository through the `supervise` remote, one squash commit.
    workspace.git(["pull", "-q", "supervise", "main"]);
    expect(readFileSync(join(workspace.repository, "src/value.txt"), "utf8")).toBe("2\n");
    expect(workspace.git(["log", "--format=%s", "-1"])).toBe("Set the value to 2 (#8)");
  });

  it("rejects a worker that stops at 'PR created', with the playbook that says what is left", async () => {
    const worker = workspace.writeWorker(
      "stops-at-pr.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
if [ "$SUPERVISE_ATTEMPT" = 1 ]; then
  echo 2 > src/value.txt
  git commit -qam "value is 2"
  supervise tool open_pull_request --input '{"title": "Set the value", "body": "done"}'
fi
supervise tool claim_done --input '{"summary": "PR created, work complete"}' > ".git/claim-$SUPERVISE_ATTEMPT.txt" || true
`,
    );
    workspace.writePlan("plan.yaml", plan(worker));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(1);
    const evidence = bundle();
    expect(evidence.verdict).toBe("rejected");
    const failed = Object.fromEntries(
      evidence.gates.map((gate: { id: string; status: string; detail: string }) => [gate.id, gate.status]),
    );
    expect(failed).toMatchObject({
      local_check: "pass",
      ci_green: "pass",
      pr_merged: "fail",
      issue_closed: "fail",
    });
    const firstVerdict = readFileSync(
      join(workspace.directory, ".supervise", "checkouts", "fix", ".git", "claim-1.txt"),
      "utf8",
    );
    expect(firstVerdict).toContain("PR #8 is open, not merged");
    expect(firstVerdict).toContain('Stopped at "PR created"');
    expect(evidence.interventions).toContainEqual(
      expect.objectContaining({
        playbook: "stopped-at-pr-created",
        signal: "claim_rejected",
        delivery: "tool_result",
      }),
    );
  });

  it("rejects a claim whose CI is red because the fresh clone lacks an ignored file", async () => {
    workspace.git(["rm", "-q", "--cached", "check.sh"]);
    workspace.git(["commit", "-qm", "check.sh is local only"]);
    const worker = workspace.writeWorker(
      "red-ci.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
cat > check.sh <<'SH'
test "$(cat src/value.txt)" = 2
SH
echo check.sh >> .git/info/exclude
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool open_pull_request --input '{"title": "Set the value", "body": "done"}'
${waitForCi}
supervise tool merge_pull_request || true
supervise tool claim_done --input '{"summary": "done"}' || true
`,
    );
    workspace.writePlan("plan.yaml", plan(worker, []).replace("max_rejections: 2", "max_rejections: 1"));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(1);
    const evidence = bundle();
    const ci = evidence.gates.find((gate: { id: string }) => gate.id === "ci_green");
    expect(ci.status).toBe("fail");
    expect(ci.detail).toMatch(/^CI failed on [0-9a-f]{12}: ci failure/);
    expect(evidence.gates.find((gate: { id: string }) => gate.id === "local_check").status).toBe("pass");
  });

  it("rejects a claim whose tree nests past the limits, and takes nothing of it into the mirror", async () => {
    const worker = workspace.writeWorker(
      "deep.sh",
      `#!/usr/bin/env bash
set -eu
cat >/dev/null
# deep/a/…/a/leaf: 70 levels, past the 64 the supervisor checks out.
dir=deep$(printf '/a%.0s' $(seq 1 68))
mkdir -p "$dir" && echo deep > "$dir/leaf"
echo 2 > src/value.txt
git add -A && git commit -qm "value is 2, and a deep tree"
echo "push: $(supervise tool push 2>&1 || true)"
supervise tool claim_done --input '{"summary": "done"}' || true
`,
    );
    workspace.writePlan(
      "plan.yaml",
      plan(worker)
        .replace("done: [local_check, ci_green, pr_merged, issue_closed]", "done: [local_check, ci_green]")
        .replace("max_rejections: 2", "max_rejections: 1")
        .replace("max_restarts: 1", "max_restarts: 0"),
    );
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(1);
    const problem = `the claimed commit's tree has a path 70 levels deep (deep/${"a/".repeat(17)}a…${"/a".repeat(17)}/leaf), over the 64 the supervisor checks out`;
    const evidence = bundle();
    expect(
      evidence.gates.map(({ id, status, detail }: Record<string, string>) => ({ id, status, detail })),
    ).toEqual([
      { id: "local_check", status: "fail", detail: problem },
      { id: "ci_green", status: "fail", detail: problem },
    ]);
    const runs = join(workspace.directory, ".supervise", "runs");
    const transcript = readFileSync(join(runs, readdirSync(runs)[0]!, "transcripts", "fix.jsonl"), "utf8");
    expect(transcript).toContain(`push: Refused: the supervisor does not take HEAD`);
    // Neither the mirror nor the forge's origin holds the commit: nothing of it was fetched.
    const head = evidence.claims[0].commit;
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    for (const repository of ["git/mirror.git", "forge/origin.git"]) {
      expect(() =>
        workspace.git(["cat-file", "-e", head], join(workspace.directory, ".supervise", repository)),
      ).toThrow();
    }
  });
});
