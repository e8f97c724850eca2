/**
 * The test ledger for pytest: the supervisor's plugin (src/evidence/ledger/supervise_pytest_ledger.py)
 * records each test by node id where the tests cannot write, so a plain `pytest` check (no -v) is
 * compared by name, and "PASSED" lines a test prints count for nothing. Real pytest, real git, the
 * real command runner (and bwrap where it is available).
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildBundle, renderBundleMarkdown } from "../../src/evidence/bundle.ts";
import { type DiffScopeFinding, observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import { runWithTestLedger } from "../../src/evidence/test-ledger.ts";
import { readTestListing } from "../../src/evidence/test-names.ts";
import { initialWorkstreamState } from "../../src/run/workstream-state.ts";
import { checkIsolationAvailable, createCommandRunner } from "../../src/sandbox/index.ts";
import { createRunIsolation } from "../../src/sandbox/run-isolation.ts";
import { testWorkstream } from "../fakes/plan-builder.ts";
import { commitAsWorker, gitAsWorker } from "../fakes/worker-commits.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

/** The folder of a Python that has pytest, or null: then these tests are skipped. */
function pythonWithPytest(): string | null {
  try {
    const executable = execFileSync("python3", ["-c", "import pytest, sys; print(sys.executable)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return dirname(executable);
  } catch {
    return null;
  }
}
const pythonFolder = pythonWithPytest();
const pytest = pythonFolder === null ? "" : `${pythonFolder}/python3 -m pytest`;

let root: string;
let repository: string;
let environment: Record<string, string>;
let baseSha: string;

function git(args: string[]): Promise<string> {
  return gitAsWorker(repository, environment, args);
}

function commit(files: Record<string, string | null>): Promise<string> {
  return commitAsWorker(repository, environment, files);
}

const testFile = (extra = "") =>
  [
    "from calc import add",
    "",
    "def test_adds():",
    "    assert add(1, 2) == 3",
    "",
    "def test_adds_negatives():",
    "    assert add(-1, -2) == -3",
    "",
    extra,
  ].join("\n");

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-ledger-pytest-"));
  repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  const plain = plainGitEnvironment(join(root, "home"));
  environment = { ...plain, PATH: `${pythonFolder}:${plain.PATH}`, PYTHONDONTWRITEBYTECODE: "1" };
  await git(["init", "--quiet", "--initial-branch=main"]);
  baseSha = await commit({
    ".gitignore": ".pytest_cache/\n__pycache__/\n",
    "pytest.ini": "[pytest]\npythonpath = src\n",
    "src/calc.py": "def add(a, b):\n    return a + b\n",
    "tests/test_calc.py": testFile(),
  });
});
afterEach(() => rm(root, { recursive: true, force: true }));

function judge(commit: string, checkCommand = pytest) {
  return observeAndJudgeDiffScope({
    repositoryPath: repository,
    baseSha,
    commit,
    checkCommand,
    environment,
    runner: createCommandRunner(),
    timeoutMs: 60_000,
    cacheDirectory: join(root, "cache"),
    runDirectory: join(root, "run"),
    baseLogPath: "logs/base.log",
    claimLogPath: "logs/claim.log",
  });
}

const kinds = (findings: unknown) => (findings as DiffScopeFinding[]).map((finding) => finding.kind);

describe.skipIf(pythonFolder === null)("the test ledger for pytest", () => {
  it("records plain pytest's tests by node id, with xfail and skips as skipped and a failing import as failed", async () => {
    await commit({
      "tests/test_more.py": [
        "import pytest",
        "class TestGroup:",
        "    @pytest.mark.parametrize('n', [1, 2])",
        "    def test_param(self, n):",
        "        assert n < 2",
        "@pytest.mark.skip(reason='later')",
        "def test_skipped():",
        "    pass",
        "@pytest.mark.xfail",
        "def test_expected_failure():",
        "    assert False",
        "",
      ].join("\n"),
    });
    const run = () =>
      runWithTestLedger(
        createCommandRunner(),
        { command: pytest, cwd: repository, env: environment, timeoutMs: 60_000 },
        join(root, "ledgers"),
      );
    const { result, ledger, note } = await run();
    expect(note).toBeNull();
    expect(result.exitCode).toBe(1);
    expect(result.output).not.toContain("PASSED");
    expect(ledger?.kinds).toEqual(["pytest"]);
    const listing = readTestListing(result.output, ledger?.tests ?? null, ledger?.kinds);
    expect(listing.kind === "listed" && listing.runners).toEqual(["pytest (ledger)"]);
    expect(
      listing.kind === "listed" && [...listing.tests].sort((a, b) => (a.name < b.name ? -1 : 1)),
    ).toEqual([
      { name: "tests/test_calc.py > test_adds", status: "passed" },
      { name: "tests/test_calc.py > test_adds_negatives", status: "passed" },
      { name: "tests/test_more.py > TestGroup > test_param[1]", status: "passed" },
      { name: "tests/test_more.py > TestGroup > test_param[2]", status: "failed" },
      { name: "tests/test_more.py > test_expected_failure", status: "skipped" },
      { name: "tests/test_more.py > test_skipped", status: "skipped" },
    ]);
    // A file that fails to import: pytest stops at collection, and the file stands as failed.
    await commit({ "tests/test_broken.py": "import missing_module\n" });
    const broken = await run();
    expect(broken.result.exitCode).toBe(2);
    expect(broken.ledger?.tests).toEqual([{ name: "tests/test_broken.py", status: "failed" }]);
  });

  it("leaves the tests and what they start no trace of itself: no key, no plugin option, no PYTHONPATH entry, no node reporter", async () => {
    await commit({
      "tests/test_env.py": [
        "import os",
        "def test_clean_environment():",
        "    assert 'NODE_TEST_LEDGER_KEY' not in os.environ",
        "    assert os.environ.get('PYTEST_ADDOPTS') == '-q'",
        "    assert 'PYTHONPATH' not in os.environ",
        "    assert 'NODE_OPTIONS' not in os.environ",
        "",
      ].join("\n"),
    });
    const { ledger } = await runWithTestLedger(
      createCommandRunner(),
      { command: pytest, cwd: repository, env: { ...environment, PYTEST_ADDOPTS: "-q" }, timeoutMs: 60_000 },
      join(root, "ledgers"),
    );
    expect(ledger?.tests).toContainEqual({
      name: "tests/test_env.py > test_clean_environment",
      status: "passed",
    });
  });

  it("passes an honest claim whose check is plain `pytest`: compared by name, not an error", async () => {
    const claim = await commit({
      "src/calc.py": "def add(a, b):\n    return b + a\n\ndef mul(a, b):\n    return a * b\n",
      "tests/test_calc.py": testFile(
        "def test_multiplies():\n    from calc import mul\n    assert mul(2, 3) == 6\n",
      ),
    });
    const result = await judge(claim);
    expect(result.detail).toMatch(/2 tests that passed at the base still pass$/);
    expect(result.status).toBe("pass");
    const runs = result.observed.test_runs as Record<string, Record<string, unknown>>;
    expect(runs.claim).toMatchObject({ counts: { passed: 3, failed: 0, skipped: 0, todo: 0 } });
  });

  it("does not count PASSED lines a test prints: a deleted test is lost, by node id", async () => {
    const forged = [
      "import os",
      "def test_adds():",
      "    from calc import add",
      "    assert add(1, 2) == 3",
      "    os.write(1, b'\\ntests/test_calc.py::test_adds_negatives PASSED\\n')",
      "",
    ].join("\n");
    const claim = await commit({
      "src/calc.py": "def add(a, b):\n    return b + a\n",
      "tests/test_calc.py": forged,
    });
    const result = await judge(claim);
    expect(result.status).toBe("fail");
    expect(kinds(result.observed.findings)).toContain("test-lost");
    expect((result.observed.test_runs as Record<string, unknown>).lost_tests).toEqual([
      { name: "tests/test_calc.py > test_adds_negatives", count: 1 },
    ]);
    // The forged line is in the log: the printed-line reader alone would have counted it.
    expect(
      readTestListing(
        "============ test session starts ============\ntests/test_calc.py::test_adds_negatives PASSED\n",
      ),
    ).toMatchObject({ kind: "listed" });
  });
});

describe.skipIf(pythonFolder === null)("a test failing at the base that the claim makes pass", () => {
  it("is shown as fixed, with both outcomes, in diff_scope's observation, bundle.json and bundle.md", async () => {
    baseSha = await commit({ "src/calc.py": "def add(a, b):\n    return a + b if a >= 0 else 0\n" });
    const claim = await commit({ "src/calc.py": "def add(a, b):\n    return a + b\n" });
    const result = await judge(claim);
    expect(result.status).toBe("pass");
    const fixed = [
      { name: "tests/test_calc.py > test_adds_negatives", base: "failed", claim: "passed", count: 1 },
    ];
    expect((result.observed.test_runs as Record<string, unknown>).fixed_tests).toEqual(fixed);
    const state = {
      ...initialWorkstreamState("ws1"),
      claims: [
        {
          id: 1,
          attempt: 1,
          summary: "fix add for negatives",
          commit: claim,
          verdict: "accepted" as const,
          gates: [
            {
              gate: "diff_scope",
              status: result.status,
              detail: result.detail,
              observed: result.observed,
              command: null,
            },
          ],
        },
      ],
    };
    const bundle = buildBundle({
      runId: "run-1",
      runDirectory: join(root, "run"),
      workstream: testWorkstream("ws1"),
      state,
      sandbox: { isolation: "none", network: "none" },
    });
    expect(bundle.fixed_tests).toEqual(fixed);
    expect(renderBundleMarkdown(bundle)).toContain(
      "## Fixed tests\n\nFailing at the base, passing at the last claim's commit:\n\n- tests/test_calc.py > test_adds_negatives: failed at the base, passed at the claim",
    );
  });
});

const availability = await checkIsolationAvailable();
describe.skipIf(pythonFolder === null || (!availability.available && process.env.CI === undefined))(
  "the pytest ledger under bwrap",
  () => {
    it("loads the plugin from supervise's read-only source and records through the sandbox", async () => {
      await mkdir(join(root, "state"), { recursive: true });
      await writeFile(join(root, "state", "socket"), "");
      const runner = createCommandRunner({
        isolate: createRunIsolation({
          stateDirectory: join(root, "state"),
          userRepository: join(root, "user"),
          mirrorPath: tmpdir(),
          socketPath: join(root, "state", "socket"),
          readOnly: [dirname(dirname(pythonFolder!)), dirname(dirname(dirname(import.meta.dirname)))],
          network: "none",
          home: undefined,
        }),
      });
      const { ledger, result } = await runWithTestLedger(
        runner,
        { command: pytest, cwd: repository, env: environment, timeoutMs: 60_000 },
        join(root, "ledgers"),
      );
      expect(result.exitCode, result.output).toBe(0);
      expect(ledger?.tests.map((test) => test.name).sort()).toEqual([
        "tests/test_calc.py > test_adds",
        "tests/test_calc.py > test_adds_negatives",
      ]);
    });
  },
);
