"""
A pytest plugin the supervisor adds to its own runs of the check command (local_check and the
base run), through PYTEST_ADDOPTS=-p supervise_pytest_ledger with this folder on PYTHONPATH. It
records each test's outcome by node id where the tests cannot write, so a test file that prints
"PASSED" lines is not a passing test, and plain `pytest` (no -v) is read by name.

The channel is the node:test reporter's (test-ledger-reporter.mjs): NODE_TEST_LEDGER_KEY names a
key file in a folder the sandbox lets the command write but not list. The key is read and removed,
and the variable dropped, when pytest loads this plugin, before any test is collected. At the end
the outcomes go to `<key>.json`, and the next key (the SHA-256 of this one) is left for a later
runner of the same command.

Limit: pytest runs the tests in its own process, so a hostile test (or a conftest.py) can reach
this module's memory and rewrite what it records. The ledger defeats printed lines and lost
names; code running inside the test process is diff_scope's finding on plumbing files, not this.
"""
import hashlib
import json
import os
import re

_KEY_VARIABLE = "NODE_TEST_LEDGER_KEY"


_FOLDER = os.path.dirname(os.path.abspath(__file__))


def _drop_ledger_environment():
    """What the supervisor added for every runner (test-ledger.ts), out of the environment that
    processes started from here inherit: this plugin, its PYTHONPATH entry, node's reporter."""
    addopts = re.sub(r"\s*-p supervise_pytest_ledger\b", "", os.environ.get("PYTEST_ADDOPTS", "")).strip()
    if addopts:
        os.environ["PYTEST_ADDOPTS"] = addopts
    else:
        os.environ.pop("PYTEST_ADDOPTS", None)
    entries = [entry for entry in os.environ.get("PYTHONPATH", "").split(":") if entry and entry != _FOLDER]
    if entries:
        os.environ["PYTHONPATH"] = ":".join(entries)
    else:
        os.environ.pop("PYTHONPATH", None)
    node = re.sub(
        r'\s*--test-reporter="[^"]*test-ledger-reporter\.mjs"\s+--test-reporter-destination=stdout',
        "",
        os.environ.get("NODE_OPTIONS", ""),
    ).strip()
    if node:
        os.environ["NODE_OPTIONS"] = node
    else:
        os.environ.pop("NODE_OPTIONS", None)


def _take_key():
    path = os.environ.pop(_KEY_VARIABLE, None)
    _drop_ledger_environment()
    if not path:
        return None, None
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read().strip()
        os.unlink(path)
    except OSError:
        return None, None
    return (path, text) if re.fullmatch(r"[0-9a-f]{64}", text) else (None, None)


_KEY_FILE, _KEY = _take_key()
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
    folder = os.path.dirname(_KEY_FILE)
    tests = [_entry(nodeid, status) for nodeid, status in _OUTCOMES.items()]
    with open(os.path.join(folder, key + ".json"), "x", encoding="utf-8") as handle:
        json.dump({"runner": "pytest", "tests": tests}, handle)
    with open(_KEY_FILE, "x", encoding="utf-8") as handle:
        handle.write(hashlib.sha256(key.encode("ascii")).hexdigest())
