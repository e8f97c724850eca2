/**
 * The jest ledger reporter's reading of jest's aggregated results, case by case, in
 * @jest/test-result's `AggregatedResult` shape (what jest hands `onRunComplete`); real jest runs
 * it in test-ledger-jest.test.ts.
 */
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs module shipped for jest, with no types.
import { jestOutcomes } from "../../src/evidence/ledger/jest-ledger-reporter.mjs";

describe("the jest ledger reporter", () => {
  it("names each test by file and describe path, with jest's statuses as the ledger's", () => {
    const results = {
      numTotalTests: 5,
      testResults: [
        {
          testFilePath: "/repo/test/sum.test.js",
          failureMessage: null,
          testResults: [
            { ancestorTitles: ["sum"], title: "adds", fullName: "sum adds", status: "passed" },
            {
              ancestorTitles: ["sum", "negatives"],
              title: "adds",
              fullName: "sum negatives adds",
              status: "failed",
            },
            { ancestorTitles: [], title: "later", fullName: "later", status: "pending" },
            { ancestorTitles: [], title: "someday", fullName: "someday", status: "todo" },
            { ancestorTitles: [], title: "off", fullName: "off", status: "disabled" },
          ],
        },
        {
          testFilePath: "/repo/test/broken.test.js",
          failureMessage: "Cannot find module './missing'",
          testExecError: { message: "Cannot find module './missing'" },
          testResults: [],
        },
      ],
    };
    expect(jestOutcomes(results)).toEqual([
      { file: "/repo/test/sum.test.js", path: ["sum", "adds"], status: "passed" },
      { file: "/repo/test/sum.test.js", path: ["sum", "negatives", "adds"], status: "failed" },
      { file: "/repo/test/sum.test.js", path: ["later"], status: "skipped" },
      { file: "/repo/test/sum.test.js", path: ["someday"], status: "todo" },
      { file: "/repo/test/sum.test.js", path: ["off"], status: "skipped" },
      { file: "/repo/test/broken.test.js", path: ["/repo/test/broken.test.js"], status: "failed" },
    ]);
  });
});
