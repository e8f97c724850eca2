import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

function plan(workers: Record<string, string>, extra = ""): string {
  return [
    "name: e2e",
    "repo: ./repo",
    "concurrency: 2",
    "defaults:",
    "  done: [local_check]",
    '  commands: { check: "test \\"$(cat src/value.txt)\\" = 2" }',
    "  stall: { max_restarts: 1, max_rejections: 2 }",
    extra,
    "workstreams:",
    ...Object.entries(workers).map(
      ([id, worker]) =>
        `  - id: ${id}\n    goal: set the value to 2\n    agent: { provider: command, command: "bash ${worker}" }`,
    ),
  ].join("\n");
}

const honestWorker = `#!/usr/bin/env bash
set -eu
cat > .git/prompt.txt
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool claim_done --input '{"summary": "value set to 2"}'
`;

function readBundle(workstream: string): Record<string, unknown> {
  const runs = readdirSync(join(workspace.directory, ".supervise", "runs"));
  return JSON.parse(
    readFileSync(
      join(workspace.directory, ".supervise", "runs", runs[0]!, "evidence", workstream, "bundle.json"),
      "utf8",
    ),
  );
}

describe("supervise PLAN with command workers", () => {
  it("accepts an honest worker on evidence it gathered itself, and exits 0", async () => {
    const worker = workspace.writeWorker("honest.sh", honestWorker);
    workspace.writePlan("plan.yaml", plan({ honest: worker }));
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode).toBe(0);
    const types = result.stdout.split("\n").map((line) => JSON.parse(line).type);
    expect(types).toContain("claim.accepted");
    expect(types.at(-1)).toBe("run.finished");
    expect(readBundle("honest")).toMatchObject({
      schema: "supervise.bundle/v1",
      workstream: "honest",
      verdict: "accepted",
      gates: [{ id: "local_check", status: "pass", exit_code: 0 }],
    });
    // The prompt reached the worker on stdin, with the goal and the tool to call.
    const prompt = readFileSync(
      join(workspace.directory, ".supervise", "checkouts", "honest", ".git", "prompt.txt"),
      "utf8",
    );
    expect(prompt).toContain("Goal: set the value to 2");
    expect(prompt).toContain("supervise tool claim_done");

    const status = await workspace.supervise(["status", "--json"]);
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout).workstreams).toMatchObject([
      { workstream: "honest", state: "accepted", claims: 1, attempts: 1 },
    ]);
    const evidence = await workspace.supervise(["evidence", "honest"]);
    expect(evidence.stdout).toContain("**Verdict: accepted**");
  });

  it("does nothing twice: a finished run is reported, and --new-run starts afresh", async () => {
    const worker = workspace.writeWorker("honest.sh", honestWorker);
    workspace.writePlan("plan.yaml", plan({ honest: worker }));
    expect((await workspace.supervise(["plan.yaml"])).exitCode).toBe(0);
    const again = await workspace.supervise(["plan.yaml"]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(
      /^Run \S+ of this plan already finished \(honest accepted\); nothing was started\./,
    );
    expect(readdirSync(join(workspace.directory, ".supervise", "runs"))).toHaveLength(1);
    // The checkout is reused (the work is already committed there), so this worker's second run fails
    // to commit again, the same way twice, and a human is asked; what matters here is that a new run
    // was started.
    await workspace.supervise(["plan.yaml", "--new-run", "--no-wait"]);
    expect(readdirSync(join(workspace.directory, ".supervise", "runs"))).toHaveLength(2);
  });

  it("rejects a worker that claims done without doing the work, and exits 1", async () => {
    const worker = workspace.writeWorker(
      "liar.sh",
      `#!/usr/bin/env bash
cat >/dev/null
echo "// TODO" > src/stub.txt
supervise tool no_such_tool
echo "exit of an unknown tool: $?"
supervise tool claim_done --input '{}'
echo "exit of input that fails the schema: $?"
supervise tool claim_done --input '{"summary": "Implementation complete"}'
echo "exit of the claim: $?"
`,
    );
    workspace.writePlan("plan.yaml", plan({ liar: worker }));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(1);
    const bundle = readBundle("liar");
    expect(bundle).toMatchObject({ verdict: "rejected", status: "rejected", commit: null });
    expect((bundle.claims as unknown[]).length).toBe(2);
    const transcript = readFileSync(
      join(
        workspace.directory,
        ".supervise",
        "runs",
        readdirSync(join(workspace.directory, ".supervise", "runs"))[0]!,
        "transcripts",
        "liar.jsonl",
      ),
      "utf8",
    );
    // `supervise tool` exits 1 on a rejected claim, so the worker sees the verdict as an error.
    expect(transcript).toContain("exit of the claim: 1");
    expect(transcript).toContain("exit of an unknown tool: 2");
    expect(transcript).toContain("exit of input that fails the schema: 2");
  });

  it("keeps the user's repository out of a worker's reach", async () => {
    const mainBefore = workspace.git(["rev-parse", "main"]);
    const worker = workspace.writeWorker(
      "rogue.sh",
      `#!/usr/bin/env bash
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2"
git branch -f main HEAD 2>&1 || true
git push 2>&1 || true
git push origin HEAD:main 2>&1 || true
git push --force origin HEAD:refs/heads/main 2>&1 || true
git push --force ${workspace.repository} HEAD:main 2>&1 || true
echo pwned > ${workspace.repository}/pwned 2>&1 || true
cat ${workspace.directory}/.supervise/runs/*/journal.jsonl > .git/stolen-journal.txt 2>&1 || true
supervise tool claim_done --input '{"summary": "done"}'
`,
    );
    workspace.writePlan("plan.yaml", plan({ rogue: worker }));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(0);
    expect(workspace.git(["rev-parse", "main"])).toBe(mainBefore);
    expect(workspace.git(["branch", "--list"])).toBe("* main");
    // OS isolation: the user's repository and the state dir are out of sight, not only out of git's reach.
    expect(existsSync(join(workspace.repository, "pwned"))).toBe(false);
    const stolen = readFileSync(
      join(workspace.directory, ".supervise", "checkouts", "rogue", ".git", "stolen-journal.txt"),
      "utf8",
    );
    expect(stolen).not.toContain("run.started");
  });

  it("keeps the files beside the plan out of the worker's and the gates' sight, and supervision out of the gates' environment", async () => {
    writeFileSync(join(workspace.directory, ".env"), "DEPLOY_KEY=beside-the-plan-7f3a\n");
    const worker = workspace.writeWorker(
      "nosy.sh",
      `#!/usr/bin/env bash
cat >/dev/null
cat ${workspace.directory}/.env > seen-by-worker.txt 2>&1 || true
cat "$(dirname "$0")/.env" >> seen-by-worker.txt 2>&1 || true
echo 2 > src/value.txt
git add -A && git commit -qm "value is 2"
supervise tool claim_done --input '{"summary": "done"}'
`,
    );
    workspace.writePlan(
      "plan.yaml",
      plan({ nosy: worker }).replace(
        '  commands: { check: "test \\"$(cat src/value.txt)\\" = 2" }',
        `  commands: { check: "env | sed -n 's/^SUPERV\\\\(ISE[A-Z_]*\\\\)=.*/found SUPERV\\\\1/p'; cat ${workspace.directory}/.env; test \\"$(cat src/value.txt)\\" = 2" }`,
      ),
    );
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode).toBe(0);
    const checkout = join(workspace.directory, ".supervise", "checkouts", "nosy");
    expect(readFileSync(join(checkout, "seen-by-worker.txt"), "utf8")).not.toContain("beside-the-plan");
    const run = readdirSync(join(workspace.directory, ".supervise", "runs"))[0]!;
    const logs = join(workspace.directory, ".supervise", "runs", run, "evidence", "nosy", "logs");
    const gateLogs = readdirSync(logs, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"));
    expect(gateLogs.join("\n")).toContain("No such file or directory");
    expect(gateLogs.join("\n")).not.toContain("beside-the-plan");
    expect(gateLogs.join("\n")).not.toContain("found SUPERVISE");
  });

  it("never lets a worker push or claim another workstream's pushed commit as its own", async () => {
    const victim = workspace.writeWorker(
      "victim.sh",
      `#!/usr/bin/env bash
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2, by the victim"
supervise tool push
supervise tool claim_done --input '{"summary": "value set to 2"}'
`,
    );
    const thief = workspace.writeWorker(
      "thief.sh",
      `#!/usr/bin/env bash
cat >/dev/null
mirror=$(dirname "$(cat .git/objects/info/alternates)")
for _ in $(seq 1 600); do
  stolen=$(git --git-dir="$mirror" for-each-ref --format='%(objectname)' refs/supervise/victim/commits/ | head -1)
  [ -n "$stolen" ] && break
  sleep 0.1
done
git reset -q --hard "$stolen"
echo "push: $(supervise tool push 2>&1)"
echo "claim: $(supervise tool claim_done --input '{"summary": "mine"}' 2>&1)"
`,
    );
    workspace.writePlan("plan.yaml", plan({ victim, thief }).replace("max_restarts: 1", "max_restarts: 0"));
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(readBundle("victim")).toMatchObject({ verdict: "accepted" });
    expect(readBundle("thief")).toMatchObject({ verdict: "rejected", claims: [] });
    const run = readdirSync(join(workspace.directory, ".supervise", "runs"))[0]!;
    const transcript = readFileSync(
      join(workspace.directory, ".supervise", "runs", run, "transcripts", "thief.jsonl"),
      "utf8",
    );
    expect(transcript).toMatch(
      /push: Refused: HEAD \([0-9a-f]{12}\) contains 1 commit\(s\) that workstream victim pushed/,
    );
    expect(transcript).toMatch(
      /claim: Refused: HEAD \([0-9a-f]{12}\) contains 1 commit\(s\) that workstream victim pushed/,
    );
    expect(result.stdout).not.toContain('"type":"push.completed","workstream":"thief"');
  });

  it("says why a worker stopped: its last lines in the signal, the journal and the evidence", async () => {
    const worker = workspace.writeWorker(
      "lost.sh",
      "#!/usr/bin/env bash\ncat >/dev/null\necho starting\necho 'Not logged in · Please run /login' >&2\nexit 1\n",
    );
    workspace.writePlan("plan.yaml", plan({ lost: worker }).replace("max_restarts: 1", "max_restarts: 0"));
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode).toBe(1);
    const signal = result.stdout
      .split("\n")
      .filter((line) => line.includes('"type":"signal.detected"'))
      .map((line) => JSON.parse(line))[0];
    expect(signal).toMatchObject({
      summary: "the worker exited 1; its last output: Not logged in · Please run /login",
      last_output: "starting\nNot logged in · Please run /login",
    });
    const run = readdirSync(join(workspace.directory, ".supervise", "runs"))[0]!;
    const bundleMarkdown = readFileSync(
      join(workspace.directory, ".supervise", "runs", run, "evidence", "lost", "bundle.md"),
      "utf8",
    );
    expect(bundleMarkdown).toContain("  Not logged in · Please run /login\n  ```");
  });

  it("asks a human at once when a worker stops at start twice with the same output, instead of restarting it blind", async () => {
    const worker = workspace.writeWorker(
      "unauthenticated.sh",
      "#!/usr/bin/env bash\ncat >/dev/null\necho 'Not logged in · Please run /login'\nexit 1\n",
    );
    workspace.writePlan("plan.yaml", plan({ nologin: worker }).replace("max_restarts: 1", "max_restarts: 3"));
    const result = await workspace.supervise(["plan.yaml", "--json", "--no-wait"]);
    expect(result.exitCode, result.stderr).toBe(3);
    const events = result.stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line));
    expect(events.filter((event) => event.type === "worker.started")).toHaveLength(2);
    const opened = events.find((event) => event.type === "escalation.opened");
    expect(opened).toMatchObject({ workstream: "nologin", source: "monitor" });
    expect(opened.question).toContain(
      "stuck (stopped_without_claim) in a way no playbook or restart can fix",
    );
    expect(opened.question).not.toContain("spend");
    expect(events.filter((event) => event.type === "signal.detected").at(-1)).toMatchObject({
      summary: "the worker cannot start: Not logged in · Please run /login",
    });
  });

  it("names the user's uncommitted work, which no checkout has, and runs from the committed base", async () => {
    writeFileSync(join(workspace.repository, "README.md"), "# demo, edited but not committed\n");
    const worker = workspace.writeWorker("honest.sh", honestWorker);
    workspace.writePlan("plan.yaml", plan({ honest: worker }));
    const result = await workspace.supervise(["plan.yaml"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain(
      "has uncommitted changes (README.md); the workers' checkouts start from main as committed, without them.",
    );
  });

  it("refuses a second supervisor on the same state dir with exit 2", async () => {
    const worker = workspace.writeWorker("slow.sh", "#!/usr/bin/env bash\ncat >/dev/null\nsleep 30\n");
    workspace.writePlan("plan.yaml", plan({ slow: worker }));
    const first = workspace.supervise(["plan.yaml", "--json"]);
    await new Promise<void>((resolve) => {
      first.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("worker.started")) resolve();
      });
    });
    const second = await workspace.supervise(["plan.yaml"]);
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(/^error: Another supervisor \(pid \d+/);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    first.kill("SIGINT");
    const stopped = await first;
    expect(stopped.exitCode).toBe(130);
    const lastEvent = JSON.parse(stopped.stdout.trim().split("\n").at(-1)!);
    expect(lastEvent).toMatchObject({ type: "run.stopped", reason: "interrupted" });
  });
});

describe("secrets", () => {
  it("keeps the plan's secrets out of a worker's environment and redacts their values everywhere", async () => {
    const worker = workspace.writeWorker(
      "leaky.sh",
      `#!/usr/bin/env bash
cat >/dev/null
echo "seen: [\${DEPLOY_THING:-unset}] [\${ANTHROPIC_API_KEY:-unset}]"
echo "and the literal: s3cr3t-deploy-value-42"
echo 2 > src/value.txt
git commit -qam "value is 2"
supervise tool claim_done --input '{"summary": "done; s3cr3t-deploy-value-42"}'
`,
    );
    workspace.writePlan("plan.yaml", `${plan({ leaky: worker })}\nsecrets: [DEPLOY_*]\n`);
    const result = await workspace.supervise(["plan.yaml", "--json"], {
      env: { DEPLOY_THING: "s3cr3t-deploy-value-42", ANTHROPIC_API_KEY: "sk-test-key-0123456789" },
    });
    expect(result.exitCode).toBe(0);
    const runs = join(workspace.directory, ".supervise", "runs");
    const run = join(runs, readdirSync(runs)[0]!);
    const transcript = readFileSync(join(run, "transcripts", "leaky.jsonl"), "utf8");
    // The model key variable holds the run's gateway token for this workstream, never the key.
    expect(transcript).toMatch(/seen: \[unset\] \[supervise-gateway-[\w-]{43}\]/);
    expect(transcript).not.toContain("sk-test-key-0123456789");
    expect(transcript).toContain("the literal: [REDACTED:DEPLOY_THING]");
    for (const text of [
      transcript,
      readFileSync(join(run, "journal.jsonl"), "utf8"),
      result.stdout,
      readFileSync(join(run, "evidence", "leaky", "bundle.json"), "utf8"),
    ]) {
      expect(text).not.toContain("s3cr3t-deploy-value-42");
      expect(text).not.toContain("sk-test-key-0123456789");
    }
  });
});

describe("bad input", () => {
  it("exits 2 on an unknown flag, naming it", async () => {
    const result = await workspace.supervise(["run", "plan.yaml", "--concurency", "2"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("--concurency");
  });

  it("exits 2 on a broken plan with file:line:column, without a stack trace, and keeps the journal", async () => {
    workspace.writePlan(
      "plan.yaml",
      ["repo: ./repo", "workstreams:", "  - id: a", "    gaol: typo"].join("\n"),
    );
    const result = await workspace.supervise(["validate", "plan.yaml"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'plan.yaml:4:5: workstreams[0].gaol: unknown field "gaol" (did you mean "goal"?)',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const run = await workspace.supervise(["plan.yaml"]);
    expect(run.exitCode).toBe(2);
    expect(existsSync(join(workspace.directory, ".supervise"))).toBe(false);
  });

  it("exits 2 when the base branch does not exist", async () => {
    workspace.writePlan(
      "plan.yaml",
      ["repo: ./repo", "base: mian", "workstreams:", "  - { id: a, goal: g }"].join("\n"),
    );
    const result = await workspace.supervise(["validate", "plan.yaml"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/plan\.yaml:2:7: base: .*"mian"/);
  });

  it("--dry-run prints the schedule and creates nothing", async () => {
    const worker = workspace.writeWorker("honest.sh", honestWorker);
    workspace.writePlan("plan.yaml", plan({ first: worker, second: worker }));
    const result = await workspace.supervise(["plan.yaml", "--dry-run"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Wave 1:");
    expect(result.stdout).toContain("done when: local_check");
    expect(existsSync(join(workspace.directory, ".supervise"))).toBe(false);
  });
});
