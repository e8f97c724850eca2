"""
The key chain of the supervisor's test ledger, for its Python runners (the pytest plugin and the
unittest runner): the channel of test-ledger-reporter.mjs and key-chain.mjs. NODE_TEST_LEDGER_KEY
names a key file in a folder the sandbox lets the command write but not list; the key is read and
removed, and the variable dropped, before any test is collected. At the end one runner's outcomes
go to `<key>.json`, and the next key (the SHA-256 of this one) is left for a later runner.
"""
import hashlib
import json
import os
import re

_KEY_VARIABLE = "NODE_TEST_LEDGER_KEY"
FOLDER = os.path.dirname(os.path.abspath(__file__))


def drop_ledger_environment():
    """What the supervisor added for every runner (test-ledger.ts), out of the environment that
    processes started from here inherit: the pytest plugin, this folder on PYTHONPATH, node's reporter."""
    addopts = re.sub(r"\s*-p supervise_pytest_ledger\b", "", os.environ.get("PYTEST_ADDOPTS", "")).strip()
    if addopts:
        os.environ["PYTEST_ADDOPTS"] = addopts
    else:
        os.environ.pop("PYTEST_ADDOPTS", None)
    entries = [entry for entry in os.environ.get("PYTHONPATH", "").split(":") if entry and entry != FOLDER]
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


def take_key():
    """(key file, key), taken; (None, None) when the supervisor gave none or it was already taken."""
    path = os.environ.pop(_KEY_VARIABLE, None)
    drop_ledger_environment()
    if not path:
        return None, None
    try:
        with open(path, "r", encoding="utf-8") as handle:
            text = handle.read().strip()
        os.unlink(path)
    except OSError:
        return None, None
    return (path, text) if re.fullmatch(r"[0-9a-f]{64}", text) else (None, None)


def record_ledger(key_file, key, runner, tests):
    """Writes one runner's outcomes ({file, path, status} dicts) and leaves the next key."""
    folder = os.path.dirname(key_file)
    with open(os.path.join(folder, key + ".json"), "x", encoding="utf-8") as handle:
        json.dump({"runner": runner, "tests": tests}, handle)
    with open(key_file, "x", encoding="utf-8") as handle:
        handle.write(hashlib.sha256(key.encode("ascii")).hexdigest())
