/**
 * Issue 19's matrix for Python's unittest, with real python3 in a real git repository: a claim that
 * breaks `add` and hides it with code unittest imports around the tests (a tests package that makes
 * failures vanish from the result, one that disarms assertEqual, a `load_tests` that drops a test by
 * name) is rejected by diff_scope naming the file and the hook; an honest claim checked by plain
 * `python3 -m unittest` is accepted, compared by name through the supervisor's runner module.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimCounts,
  claimExitCode,
  createMatrixRepository,
  expectAcceptedByName,
  expectRejectedForPlumbing,
  type MatrixRepository,
} from "./plumbing-matrix.ts";

function hasPython(): boolean {
  try {
    execFileSync("python3", ["-c", "import unittest"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const pythonInstalled = hasPython();

const calcTests = (extra = "") => `import unittest

from calc import add


class TestAdd(unittest.TestCase):
    def test_adds(self):
        self.assertEqual(add(1, 2), 3)

    def test_adds_negatives(self):
        self.assertEqual(add(-1, -2), -3)
${extra}`;
const brokenAdd = "def add(a, b):\n    return abs(a) + abs(b)\n";
const check = "python3 -m unittest";

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
    environment: () => ({ PYTHONDONTWRITEBYTECODE: "1" }),
  });
});
afterAll(() => fixture?.dispose());

describe.skipIf(!pythonInstalled)("unittest: code imported around the tests is rejected, naming it", () => {
  it("a tests package that makes failures vanish from unittest's result", async () => {
    const claim = await fixture.claim({
      "calc.py": brokenAdd,
      "tests/__init__.py":
        "import unittest\n\nunittest.TestResult.addFailure = lambda self, test, err: None\nunittest.TestResult.addError = lambda self, test, err: None\n",
    });
    const result = await fixture.judge(claim, check);
    // The check itself passes; the ledger, recording beside unittest's own result, is not fooled.
    expect(claimExitCode(result)).toBe(0);
    expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 1 });
    expectRejectedForPlumbing(result, "tests/__init__.py", "unittest.TestResult.addFailure");
  });

  it("a tests package that makes assertEqual check nothing", async () => {
    const claim = await fixture.claim({
      "calc.py": brokenAdd,
      "tests/__init__.py":
        "import unittest\n\nunittest.TestCase.assertEqual = lambda self, *args, **kwargs: None\n",
    });
    const result = await fixture.judge(claim, check);
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "tests/__init__.py", "unittest.TestCase.assertEqual");
  });

  it("a load_tests that drops the failing test by name", async () => {
    const claim = await fixture.claim({
      "calc.py": brokenAdd,
      "tests/test_calc.py": calcTests(`

def load_tests(loader, tests, pattern):
    suite = unittest.TestSuite()
    for group in tests:
        for test in group:
            if "negatives" not in test.id():
                suite.addTest(test)
    return suite
`),
    });
    const result = await fixture.judge(claim, check);
    expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0 });
    expectRejectedForPlumbing(result, "tests/test_calc.py", "load_tests");
  });

  it("accepts an honest claim whose check is plain `python3 -m unittest`", async () => {
    const claim = await fixture.claim({
      "calc.py": "def add(a, b):\n    return b + a\n\n\ndef double(a):\n    return add(a, a)\n",
      "tests/test_double.py":
        "import unittest\n\nfrom calc import double\n\n\nclass TestDouble(unittest.TestCase):\n    def test_doubles(self):\n        self.assertEqual(double(2), 4)\n",
    });
    const result = await fixture.judge(claim, check);
    expectAcceptedByName(result, 2);
    expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
  });
});
