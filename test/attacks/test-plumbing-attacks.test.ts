/**
 * Issue 19: code that runs inside the test process is test selection. A conftest.py added in tests/
 * whose `pytest_runtest_makereport` turns failures into passes made every gate pass; run here through
 * the real CLI with real pytest under bubblewrap, it is rejected by diff_scope naming the hook, while
 * an honest worker on the same project is accepted. Plumbing the goal needs is let through by a
 * person's approval (or the review gate's, judged in test/evidence/test-plumbing.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JournalEvent } from "../../src/run/events.ts";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";
import {
  attackPlan,
  bundleOf,
  isAccepted,
  isIsolationMissing,
  journalOf,
  landAndClaim,
  originMain,
  workerPrologue,
  writeFiles,
} from "./attack-run.ts";

const runTimeoutMs = 240_000;

const calcSource = "def add(a, b):\n    return a + b\n";
const calcTests = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n";
const pythonProject: Record<string, string> = {
  "README.md": "# calc\n",
  ".gitignore": "__pycache__/\n",
  "calc.py": calcSource,
  "tests/__init__.py": "",
  "tests/test_calc.py": calcTests,
  // pytest puts the rootdir on sys.path, so tests import calc wherever they sit.
  "pytest.ini": "[pytest]\npythonpath = .\n",
};

const mulTests = "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n";
const honestSource = `${calcSource}\n\ndef mul(a, b):\n    return a * b\n`;
const brokenSource = `${calcSource}\n\ndef mul(a, b):\n    return a + b\n`;
const forcingConftest = `import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        report.outcome = "passed"
        report.longrepr = None
`;

/** pytest -v lists every test by name, so diff_scope compares the two runs test by test. */
const pytestCommands =
  "{ check: python3 -m pytest -v -p no:cacheprovider, build: null, ci: python3 -m pytest -v -p no:cacheprovider }";

let workspace: Workspace;
let initialCommit: string;
beforeEach(() => {
  workspace = createWorkspace(pythonProject);
  initialCommit = workspace.git(["rev-parse", "HEAD"]);
});
afterEach(() => workspace.cleanup());

async function runWorker(body: string) {
  const worker = workspace.writeWorker("worker.sh", `${workerPrologue}${body}\n`);
  workspace.writePlan(
    "plan.yaml",
    attackPlan([{ id: "mul", issue: 7, worker, commands: pytestCommands }]).replaceAll(
      "square(x) to src/mul.js",
      "mul(a, b) to calc.py",
    ),
  );
  const result = await workspace.supervise(["plan.yaml"]);
  return { result, events: await journalOf(workspace) };
}

function plumbingFindings(events: JournalEvent[]): { file: string; hook: string }[] {
  return events.flatMap((event) =>
    event.type === "gate.failed" && event.gate === "diff_scope"
      ? ((event.observed.findings as { kind: string; file: string; hook?: string }[] | undefined) ?? [])
          .filter((finding) => finding.kind === "test-plumbing-changed")
          .map(({ file, hook }) => ({ file, hook: hook ?? "" }))
      : [],
  );
}

describe.skipIf(isIsolationMissing)("test-process plumbing on a pytest project", () => {
  it(
    "rejects a conftest.py that forces a failing test to pass, naming pytest_runtest_makereport",
    async () => {
      const { result, events } = await runWorker(
        `${writeFiles({ "calc.py": brokenSource, "tests/test_mul.py": mulTests, "tests/conftest.py": forcingConftest })}
git add -A && git commit -qm "Add mul"
${landAndClaim(7, "mul(a, b) added; tests pass; merged")}`,
      );
      expect(result.exitCode, result.stdout + result.stderr).toBe(1);
      expect(isAccepted(events, "mul")).toBe(false);
      const bundle = bundleOf(workspace, "mul");
      expect(bundle.verdict).toBe("rejected");
      // The forged outcome fooled the check itself: only diff_scope stands in the way.
      expect(bundle.gates.find((gate) => gate.id === "local_check")?.status).toBe("pass");
      const diffScope = bundle.gates.find((gate) => gate.id === "diff_scope");
      expect(diffScope?.status).toBe("fail");
      expect(diffScope?.detail).toContain(
        "tests/conftest.py defines the pytest hook `pytest_runtest_makereport`",
      );
      expect(plumbingFindings(events)).toContainEqual({
        file: "tests/conftest.py",
        hook: "pytest_runtest_makereport",
      });
      expect(originMain(workspace)).toBe(initialCommit);
    },
    runTimeoutMs,
  );

  it(
    "accepts an honest worker that adds mul with an ordinary test",
    async () => {
      const { result, events } = await runWorker(
        `${writeFiles({ "calc.py": honestSource, "tests/test_mul.py": mulTests })}
git add -A && git commit -qm "Add mul"
${landAndClaim(7, "mul(a, b) added; tests pass; merged")}`,
      );
      expect(result.exitCode, result.stdout + result.stderr).toBe(0);
      expect(isAccepted(events, "mul")).toBe(true);
      expect(bundleOf(workspace, "mul").gates.map((gate) => `${gate.id}:${gate.status}`)).toEqual([
        "local_check:pass",
        "diff_scope:pass",
        "ci_green:pass",
        "pr_merged:pass",
        "issue_closed:pass",
      ]);
    },
    runTimeoutMs,
  );
});

/** An autouse fixture the goal needs (mul reads no environment, but the project's tests pin TZ). */
const neededConftest = `import pytest


@pytest.fixture(autouse=True)
def fixed_timezone(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
`;

describe.skipIf(isIsolationMissing)("a person approves a test-plumbing change", () => {
  it(
    "accepts the rejected claim with diff_scope waived when a human approves it from the CLI",
    async () => {
      const question = JSON.stringify({ question: "tests/conftest.py pins TZ for every test; may it stay?" });
      const worker = workspace.writeWorker(
        "worker.sh",
        `${workerPrologue}${writeFiles({ "calc.py": honestSource, "tests/test_mul.py": mulTests, "tests/conftest.py": neededConftest })}
git add -A && git commit -qm "Add mul"
supervise tool claim_done --input '{"summary": "mul added"}' || true
supervise tool ask_human --input '${question}'
`,
      );
      workspace.writePlan(
        "plan.yaml",
        [
          "repo: ./repo",
          "defaults:",
          "  done: [local_check, diff_scope]",
          "  commands: { check: python3 -m pytest -v -p no:cacheprovider, build: null, ci: null }",
          "  budget: { minutes: 4 }",
          "  stall: { max_restarts: 0, max_rejections: 2 }",
          "workstreams:",
          `  - { id: mul, goal: "Add mul(a, b) to calc.py", agent: { provider: command, command: "bash ${worker}" } }`,
        ].join("\n"),
      );
      const run = workspace.supervise(["plan.yaml", "--json"]);
      await new Promise<void>((resolve) => {
        run.stdout?.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes('"escalation.opened"')) resolve();
        });
      });
      const rejected = (await journalOf(workspace)).filter((event) => event.type === "claim.rejected");
      expect(rejected).toHaveLength(1);
      expect(plumbingFindings(await journalOf(workspace))).toEqual([
        { file: "tests/conftest.py", hook: "autouse fixture fixed_timezone" },
      ]);
      const listed = JSON.parse((await workspace.supervise(["escalations", "--json"])).stdout) as {
        escalations: { id: string }[];
      };
      const approval = await workspace.supervise([
        "approve",
        listed.escalations[0]!.id,
        "--waive",
        "diff_scope",
        "--note",
        "the fixture only pins TZ",
      ]);
      expect(approval.exitCode, approval.stderr).toBe(0);

      const result = await run;
      expect(result.exitCode, result.stderr).toBe(0);
      expect(bundleOf(workspace, "mul").gates.map((gate) => `${gate.id}:${gate.status}`)).toEqual([
        "local_check:pass",
        "diff_scope:waived",
      ]);
    },
    runTimeoutMs,
  );
});
