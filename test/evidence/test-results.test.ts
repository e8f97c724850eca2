import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { addTallies, parseTestOutput, passRate, type TestTally } from "../../src/evidence/test-results.ts";

/** Output recorded by running each tool on this machine (see the fixture files). */
const recorded = (name: string) =>
  readFileSync(new URL(`../fixtures/test-output/${name}.txt`, import.meta.url), "utf8");

const tally = (
  runner: string,
  passed: number | null,
  failed: number,
  skipped: number,
  total: number | null,
  notes: string[] = [],
): TestTally => ({ runners: [runner], passed, failed, skipped, total, notes });

describe("parseTestOutput on recorded output", () => {
  it.each([
    // node 24 `--test`: todo counts as skipped; `tests 6` includes the subtest.
    ["node-spec", tally("node:test", 3, 1, 2, 6)],
    ["node-tap", tally("node:test", 3, 1, 2, 6)],
    // vitest 5, with colours and without; never the `Test Files` line.
    ["vitest-fail", tally("vitest", 3, 1, 2, 6)],
    ["vitest-fail-nocolor", tally("vitest", 3, 1, 2, 6)],
    ["vitest-pass", tally("vitest", 1, 0, 0, 1)],
    // Our plain-summary reporter prints `3 passed, 1 failed, 2 skipped` too: counted once.
    ["vitest-with-plain", tally("vitest", 3, 1, 2, 6)],
    ["jest-fail", tally("jest", 3, 1, 2, 6)],
    ["jest-pass", tally("jest", 1, 0, 0, 1)],
    // pytest 9: errors are failures, xfailed is skipped, deselected is not counted.
    ["pytest-fail", tally("pytest", 3, 2, 3, 8)],
    ["pytest-q", tally("pytest", 3, 2, 3, 8)],
    ["pytest-pass", tally("pytest", 3, 0, 0, 3)],
    ["pytest-allpass", tally("pytest", 1, 0, 0, 1)],
    ["pytest-none", tally("pytest", 0, 0, 0, 0)],
    // go 1.19 -v: top-level test functions; the failing table test counts once, not with its subtest.
    ["go-fail-v", tally("go test", 3, 2, 1, 6)],
    ["go-pass-v", tally("go test", 2, 0, 0, 2)],
    [
      "go-fail",
      tally("go test", null, 2, 0, null, [
        "go test without -v names failed tests only (packages: 1 ok, 1 failed); run it with -v to count passes",
      ]),
    ],
    [
      "go-pass",
      tally("go test", null, 0, 0, null, [
        "go test without -v names failed tests only (packages: 1 ok); run it with -v to count passes",
      ]),
    ],
    // cargo 1.95: one `test result:` per test binary (unit, integration, doc tests), added up.
    ["cargo-fail", tally("cargo test", 3, 1, 2, 6)],
    ["cargo-pass", tally("cargo test", 5, 0, 2, 7)],
  ])("%s", (name, expected) => {
    expect(parseTestOutput(recorded(name))).toEqual(expected);
  });
});

describe("parseTestOutput on summary lines", () => {
  it.each([
    ["plain line", "running checks\n12 passed, 3 failed\n", tally("summary line", 12, 3, 0, 15)],
    [
      "plain line with skipped and a label",
      "Result: 4 passed, 0 failed, 2 skipped\n",
      tally("summary line", 4, 0, 2, 6),
    ],
    ["jest with pending", "Tests:       2 pending, 5 passed, 7 total\n", tally("jest", 5, 0, 2, 7)],
    [
      "pytest with a long duration",
      "====== 1 failed, 120 passed, 4 warnings in 75.20s (0:01:15) ======\n",
      tally("pytest", 120, 1, 0, 121),
    ],
    ["windows line ends", "ℹ tests 2\r\nℹ pass 2\r\nℹ fail 0\r\n", tally("node:test", 2, 0, 0, 2)],
    [
      "two node runs in one check command",
      "# tests 3\n# pass 3\n# fail 0\n...\n# tests 2\n# pass 1\n# fail 1\n",
      tally("node:test", 4, 1, 0, 5),
    ],
    [
      "go with a package that does not build",
      "ok  \texample.com/a\t0.010s\nFAIL\texample.com/b [build failed]\nFAIL\n",
      tally("go test", null, 0, 0, null, [
        "go test without -v names failed tests only (packages: 1 ok, 1 failed); run it with -v to count passes",
      ]),
    ],
  ])("%s", (_name, text, expected) => {
    expect(parseTestOutput(text)).toEqual(expected);
  });

  it("adds up different runners in one log, and ignores the plain line beside them", () => {
    const log = `${recorded("cargo-pass")}\n${recorded("pytest-fail")}\n9 passed, 9 failed\n`;
    expect(parseTestOutput(log)).toEqual({
      runners: ["pytest", "cargo test"],
      passed: 8,
      failed: 2,
      skipped: 5,
      total: 15,
      notes: [],
    });
  });

  it.each([
    ["build output", "built dist/widget.js from 2 modules\n"],
    ["a sentence that mentions tests", "All 5 tests passed and 0 failed, probably.\n"],
    ["vitest's file line alone", " Test Files  1 failed | 1 passed (2)\n"],
    ["pytest-like line with unknown words", "== 3 apples, 2 pears in 0.1s ==\n"],
    ["empty output", ""],
  ])("finds no summary in %s", (_name, text) => {
    expect(parseTestOutput(text)).toBeNull();
  });
});

describe("addTallies and passRate", () => {
  it("keeps a pass count as a lower bound when a tally has none, and notes why", () => {
    const goNote = "go test without -v names failed tests only";
    const sum = addTallies([tally("vitest", 10, 1, 1, 12), tally("go test", null, 2, 0, null, [goNote])]);
    expect(sum).toEqual({
      runners: ["vitest", "go test"],
      passed: 10,
      failed: 3,
      skipped: 1,
      total: 14,
      notes: [goNote],
    });
    expect(addTallies([tally("go test", null, 2, 0, null)]).passed).toBeNull();
  });

  it("rates passed over judged tests, leaving skipped ones out", () => {
    expect(passRate({ passed: 7, failed: 1 })).toBe(0.875);
    expect(passRate({ passed: 0, failed: 0 })).toBeNull();
    expect(passRate({ passed: null, failed: 2 })).toBeNull();
  });
});
