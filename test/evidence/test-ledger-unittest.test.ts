/**
 * The test ledger for Python's unittest, with real python3: the supervisor's runs of a `python -m
 * unittest …` check go through its runner module (ledger/supervise_unittest_ledger.py), unittest's
 * own command line with a result that records each test by file, class and method. So plain
 * `python3 -m unittest` (no -v) passes the base preflight and is compared by name, and lines a
 * test prints count for nothing.
 */
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkTestsAtBase } from "../../src/evidence/base-check-preflight.ts";
import { ledgerCommand } from "../../src/evidence/ledger-command.ts";
import { runWithTestLedger } from "../../src/evidence/test-ledger.ts";
import { checkIsolationAvailable, createCommandRunner } from "../../src/sandbox/index.ts";
import { createRunIsolation } from "../../src/sandbox/run-isolation.ts";
import {
  claimCounts,
  createMatrixRepository,
  expectAcceptedByName,
  type MatrixRepository,
} from "./plumbing-matrix.ts";

/** The folder of python3, or null: then these tests are skipped. */
function pythonFolderOf(): string | null {
  try {
    const executable = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return dirname(executable);
  } catch {
    return null;
  }
}
const pythonFolder = pythonFolderOf();
const pythonInstalled = pythonFolder !== null;

const calcTests = (extra = "") => `import unittest

from calc import add


class TestAdd(unittest.TestCase):
    def test_adds(self):
        self.assertEqual(add(1, 2), 3)

    def test_adds_negatives(self):
        self.assertEqual(add(-1, -2), -3)
${extra}`;

let fixture: MatrixRepository;
beforeAll(async () => {
  if (!pythonInstalled) return;
  fixture = await createMatrixRepository({
    prefix: "unittest",
    files: {
      ".gitignore": "__pycache__/\n",
      "calc.py": "def add(a, b):\n    return a + b\n",
      "tests/__init__.py": "",
      "tests/test_calc.py": calcTests(),
    },
    environment: (_root, plain) => ({ PATH: `${pythonFolder}:${plain.PATH}`, PYTHONDONTWRITEBYTECODE: "1" }),
  });
});
afterAll(() => fixture?.dispose());

const check = "python3 -m unittest";

describe("the unittest ledger's command line", () => {
  it("runs python -m unittest's forms under the supervisor's runner module, and nothing else", async () => {
    const cwd = "/nonexistent";
    expect(await ledgerCommand("python3 -m unittest", cwd)).toEqual({
      command: "python3 -m supervise_unittest_ledger",
      runner: "unittest",
    });
    expect(
      (await ledgerCommand("/usr/bin/python3.11 -W error -m unittest discover -s tests -v", cwd)).command,
    ).toBe("/usr/bin/python3.11 -W error -m supervise_unittest_ledger discover -s tests -v");
    for (const untouched of ["python3 -m unittestx", "python3 -m pytest", "cd src && python -m unittest"])
      expect(await ledgerCommand(untouched, cwd)).toEqual({ command: untouched, runner: null });
  });
});

describe.skipIf(!pythonInstalled)("a plain `python3 -m unittest` check", () => {
  it("records every test by file, class and method: skips, expected failures, subtests, a module that fails to import, and no printed line", async () => {
    await fixture.claim({
      "tests/test_more.py": `import os
import unittest


class TestMore(unittest.TestCase):
    def test_prints_a_forged_pass(self):
        print("test_invented (tests.test_more.TestMore.test_invented) ... ok")
        self.assertNotIn("NODE_TEST_LEDGER_KEY", os.environ)
        self.assertNotIn("PYTHONPATH", os.environ)

    @unittest.skip("later")
    def test_later(self):
        pass

    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertEqual(1, 2)

    def test_subtests(self):
        for value in range(2):
            with self.subTest(value=value):
                self.assertLess(value, 1)
`,
      "tests/test_broken.py": "import missing_module\n",
    });
    const { result, ledger, note } = await runWithTestLedger(
      createCommandRunner(),
      { command: check, cwd: fixture.repository, env: fixture.environment, timeoutMs: 60_000 },
      join(fixture.root, "ledgers"),
    );
    expect(note).toBeNull();
    expect(result.exitCode).toBe(1);
    // unittest's own output, unchanged: dots, not names.
    expect(result.output).toMatch(/^Ran 7 tests in /m);
    expect(ledger?.kinds).toEqual(["unittest"]);
    expect([...(ledger?.tests ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual([
      { name: "tests/test_broken.py", status: "failed" },
      { name: "tests/test_calc.py > TestAdd > test_adds", status: "passed" },
      { name: "tests/test_calc.py > TestAdd > test_adds_negatives", status: "passed" },
      { name: "tests/test_more.py > TestMore > test_known_bug", status: "todo" },
      { name: "tests/test_more.py > TestMore > test_later", status: "skipped" },
      { name: "tests/test_more.py > TestMore > test_prints_a_forged_pass", status: "passed" },
      { name: "tests/test_more.py > TestMore > test_subtests", status: "failed" },
    ]);
  });

  it("passes the base preflight, listed by name, where it was refused as unlisted", async () => {
    const [outcome] = await checkTestsAtBase({
      runner: createCommandRunner(),
      checks: [{ command: check, workstreams: ["ws1"], timeoutMs: 60_000 }],
      baseSha: fixture.baseSha,
      mirrorPath: fixture.repository,
      userRepository: fixture.repository,
      environment: fixture.environment,
      runDirectory: join(fixture.root, "preflight-run"),
    });
    expect(outcome).toMatchObject({ kind: "listed", failing: [] });
  });

  it("accepts an honest claim and loses a deleted test by name", async () => {
    const honest = await fixture.claim({
      "calc.py": "def add(a, b):\n    return b + a\n\n\ndef double(a):\n    return add(a, a)\n",
      "tests/test_calc.py": calcTests(
        "\n\nclass TestDouble(unittest.TestCase):\n    def test_doubles(self):\n        from calc import double\n\n        self.assertEqual(double(2), 4)\n",
      ),
    });
    const accepted = await fixture.judge(honest, check);
    expectAcceptedByName(accepted, 2);
    expect(claimCounts(accepted)).toMatchObject({ passed: 3, failed: 0 });

    const deleting = await fixture.claim({
      "calc.py": "def add(a, b):\n    return b + a\n",
      "tests/test_calc.py": calcTests().replace(
        "\n    def test_adds_negatives(self):\n        self.assertEqual(add(-1, -2), -3)\n",
        "",
      ),
    });
    const rejected = await fixture.judge(deleting, check);
    expect(rejected.status).toBe("fail");
    expect((rejected.observed.test_runs as Record<string, unknown>).lost_tests).toEqual([
      { name: "tests/test_calc.py > TestAdd > test_adds_negatives", count: 1 },
    ]);
  });
});

const availability = await checkIsolationAvailable();
describe.skipIf(!pythonInstalled || (!availability.available && process.env.CI === undefined))(
  "the unittest ledger under bwrap",
  () => {
    it("loads the runner module from supervise's read-only source and records through the sandbox", async () => {
      const state = join(fixture.root, "state");
      await mkdir(state, { recursive: true });
      await writeFile(join(state, "socket"), "");
      const runner = createCommandRunner({
        isolate: createRunIsolation({
          stateDirectory: state,
          userRepository: join(fixture.root, "user"),
          mirrorPath: tmpdir(),
          socketPath: join(state, "socket"),
          readOnly: [dirname(dirname(pythonFolder!)), dirname(dirname(dirname(import.meta.dirname)))],
          network: "none",
          home: undefined,
        }),
      });
      await fixture.claim({ "calc.py": "def add(a, b):\n    return b + a\n" });
      const { ledger, result, note } = await runWithTestLedger(
        runner,
        { command: check, cwd: fixture.repository, env: fixture.environment, timeoutMs: 60_000 },
        join(fixture.root, "ledgers-bwrap"),
      );
      expect(note).toBeNull();
      expect(result.exitCode, result.output).toBe(0);
      expect(ledger?.tests.map((test) => test.name).sort()).toEqual([
        "tests/test_calc.py > TestAdd > test_adds",
        "tests/test_calc.py > TestAdd > test_adds_negatives",
      ]);
    });
  },
);
