/**
 * Issue 19's matrix for pytest, with real pytest in a real git repository: a claim that breaks
 * `add` and hides it with code pytest loads into the test process (a conftest hook that forces
 * outcomes, a plugin named in pytest.ini's addopts that disarms unittest's assertions, a conftest
 * that skips a test by name) is rejected by diff_scope naming the file and the hook; an honest
 * claim checked by plain `pytest` (no -v) is accepted, compared by name through the ledger plugin.
 */
import { execFileSync } from "node:child_process";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimCounts,
  createMatrixRepository,
  expectAcceptedByName,
  expectRejectedForPlumbing,
  type MatrixRepository,
} from "./plumbing-matrix.ts";

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

const calcTests = (extra = "") => `import unittest

from calc import add


def test_adds():
    assert add(1, 2) == 3


class TestNegatives(unittest.TestCase):
    def test_adds_negatives(self):
        self.assertEqual(add(-1, -2), -3)
${extra}`;
const brokenAdd = "def add(a, b):\n    return abs(a) + abs(b)\n";
const pytestIni = "[pytest]\npythonpath = src\n";

let fixture: MatrixRepository;
beforeAll(async () => {
  if (pythonFolder === null) return;
  fixture = await createMatrixRepository({
    prefix: "pytest",
    files: {
      ".gitignore": ".pytest_cache/\n__pycache__/\n",
      "pytest.ini": pytestIni,
      "src/calc.py": "def add(a, b):\n    return a + b\n",
      "tests/test_calc.py": calcTests(),
    },
    environment: (_root, plain) => ({ PATH: `${pythonFolder}:${plain.PATH}`, PYTHONDONTWRITEBYTECODE: "1" }),
  });
});
afterAll(() => fixture?.dispose());

describe.skipIf(pythonFolder === null)(
  "pytest: code loaded into the test process is rejected, naming it",
  () => {
    it("a conftest.py whose pytest_runtest_makereport turns failures into passes", async () => {
      const claim = await fixture.claim({
        "src/calc.py": brokenAdd,
        "tests/conftest.py": `import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        report.outcome = "passed"
        report.longrepr = None
`,
      });
      const result = await fixture.judge(claim, "pytest");
      expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
      expectRejectedForPlumbing(result, "tests/conftest.py", "pytest_runtest_makereport");
    });

    it("a plugin named in pytest.ini's addopts that makes unittest's assertEqual check nothing", async () => {
      const claim = await fixture.claim({
        "src/calc.py": brokenAdd,
        "pytest.ini": `${pytestIni}addopts = -p lenient\n`,
        "src/lenient.py":
          "import unittest\n\nunittest.TestCase.assertEqual = lambda self, *args, **kwargs: None\n",
      });
      const result = await fixture.judge(claim, "pytest");
      expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
      expectRejectedForPlumbing(result, "src/lenient.py", "-p lenient");
    });

    it("a conftest.py that skips the failing test by name", async () => {
      const claim = await fixture.claim({
        "src/calc.py": brokenAdd,
        "tests/conftest.py": `import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "negatives" in item.name:
            item.add_marker(pytest.mark.skip(reason="later"))
`,
      });
      const result = await fixture.judge(claim, "pytest");
      expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0, skipped: 1 });
      expectRejectedForPlumbing(result, "tests/conftest.py", "pytest_collection_modifyitems");
    });

    it("accepts an honest claim whose check is plain `pytest`", async () => {
      const claim = await fixture.claim({
        "src/calc.py": "def add(a, b):\n    return b + a\n\n\ndef double(a):\n    return add(a, a)\n",
        "tests/test_calc.py": calcTests(
          "\n\ndef test_doubles():\n    from calc import double\n\n    assert double(2) == 4\n",
        ),
      });
      const result = await fixture.judge(claim, "pytest");
      expectAcceptedByName(result, 2);
      expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
    });
  },
);
