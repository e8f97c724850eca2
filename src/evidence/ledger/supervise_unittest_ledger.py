"""
The supervisor's runner for a `python -m unittest …` check: its own runs of that check become
`python -m supervise_unittest_ledger …` with this folder on PYTHONPATH (ledger-command.ts), which
runs unittest's own command line (discovery, names, -k, -v: the same arguments, the same output)
with a result class that records each test by file, class and method where the tests cannot write
(supervise_ledger_keys.py). So plain `python -m unittest` (no -v) is read by name, and lines a test
prints count for nothing. local_check still runs the user's command as given.

Limit: unittest runs the tests in this process, so a test can reach this module's memory; code run
around the tests is diff_scope's finding on plumbing files (load_tests, framework patching).
"""
import os
import sys
import unittest

from supervise_ledger_keys import record_ledger, take_key

_KEY_FILE, _KEY = take_key()
# (file, path) in the order first seen, each with its outcome so far.
_OUTCOMES = {}


def _location(test):
    """(absolute file, [class, method]) of a test. A module that failed to import stands as its
    file, failed (as pytest's does); another stand-in (a failed setUpClass) under its description."""
    method = getattr(test, "_testMethodName", None)
    module_name = type(test).__module__
    if module_name == "unittest.loader" and type(test).__name__ == "_FailedTest" and method:
        file = os.path.abspath(method.replace(".", os.sep) + ".py")
        return file, [file]
    source = getattr(sys.modules.get(module_name), "__file__", None)
    if method is None or source is None or module_name.startswith("unittest."):
        return "", [test.id()]
    return os.path.abspath(source), [type(test).__qualname__, method]


def _set(test, status):
    # A failure anywhere (a subtest, the teardown) makes the test failed; skips only replace passes.
    file, path = _location(test)
    key = (file, tuple(path))
    previous = _OUTCOMES.get(key)
    if previous == "failed" or (previous == "skipped" and status == "passed"):
        return
    _OUTCOMES[key] = status


class LedgerResult(unittest.TextTestResult):
    def addSuccess(self, test):
        super().addSuccess(test)
        _set(test, "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        _set(test, "failed")

    def addError(self, test, err):
        super().addError(test, err)
        _set(test, "failed")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        _set(test, "skipped")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        _set(test, "todo")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        _set(test, "failed")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            _set(test, "failed")


class LedgerRunner(unittest.TextTestRunner):
    resultclass = LedgerResult


def _write():
    global _KEY
    if _KEY is None or _KEY_FILE is None:
        return
    key, _KEY = _KEY, None
    tests = [{"file": file, "path": list(path), "status": status} for (file, path), status in _OUTCOMES.items()]
    record_ledger(_KEY_FILE, key, "unittest", tests)


def main():
    # As `python -m unittest` does: its program name in the usage text, discovery when no names.
    sys.argv[0] = "python -m unittest"
    try:
        unittest.main(module=None, testRunner=LedgerRunner)
    finally:
        _write()


if __name__ == "__main__":
    main()
