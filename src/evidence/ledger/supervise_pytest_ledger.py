"""
A pytest plugin the supervisor adds to its own runs of the check command (local_check and the
base run), through PYTEST_ADDOPTS=-p supervise_pytest_ledger with this folder on PYTHONPATH. It
records each test's outcome by node id where the tests cannot write, so a test file that prints
"PASSED" lines is not a passing test, and plain `pytest` (no -v) is read by name.

The channel is the node:test reporter's (supervise_ledger_keys.py): the key is taken, and the
variables the supervisor added dropped, when pytest loads this plugin, before any test is collected.

Limit: pytest runs the tests in its own process, so a hostile test (or a conftest.py) can reach
this module's memory and rewrite what it records. The ledger defeats printed lines and lost
names; code running inside the test process is diff_scope's finding on plumbing files, not this.
"""
import os

from supervise_ledger_keys import record_ledger, take_key

_KEY_FILE, _KEY = take_key()
# Node ids in the order first seen, each with its outcome so far.
_OUTCOMES = {}
_ROOT = [os.getcwd()]


def pytest_configure(config):
    _ROOT[0] = str(config.rootpath)


def _absolute(relative_file):
    return os.path.join(_ROOT[0], relative_file)


def _set(nodeid, status):
    # A failure in any phase (setup, call, teardown) makes the test failed; skips only replace passes.
    previous = _OUTCOMES.get(nodeid)
    if previous == "failed":
        return
    if previous == "skipped" and status == "passed":
        return
    _OUTCOMES[nodeid] = status


def pytest_runtest_logreport(report):
    if report.failed:
        _set(report.nodeid, "failed")
    elif report.skipped:
        # xfail is reported as a skip with `wasxfail`: an expected failure is not a passing test.
        _set(report.nodeid, "skipped")
    elif report.when == "call":
        _set(report.nodeid, "passed")


def pytest_collectreport(report):
    # A file that fails to import ran none of its tests: it stands as a failed entry of its own.
    if report.failed and report.nodeid:
        _OUTCOMES[report.nodeid] = "failed"


def _entry(nodeid, status):
    parts = nodeid.split("::")
    relative_file = parts[0]
    path = parts[1:] if len(parts) > 1 else [relative_file]
    return {"file": _absolute(relative_file), "path": path, "status": status}


def pytest_sessionfinish(session, exitstatus):
    global _KEY
    # Once: a session pytest starts inside this one (pytester) does not write the chain again.
    if _KEY is None or _KEY_FILE is None or session.config.rootpath is None:
        return
    key, _KEY = _KEY, None
    record_ledger(_KEY_FILE, key, "pytest", [_entry(nodeid, status) for nodeid, status in _OUTCOMES.items()])
