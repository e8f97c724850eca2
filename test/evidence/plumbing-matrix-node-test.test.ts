/**
 * Issue 19's matrix for node:test, with real node in a real git repository: a claim that breaks
 * `sum` and hides it with a preload the check's npm script (or npm's own `node-options`) loads into
 * every test process (one that forces outcomes, one that disarms node:assert, one that skips a test
 * by name) is rejected by diff_scope naming the file and the flag; an honest claim checked by plain
 * `node --test` is accepted, compared by name through the supervisor's node:test reporter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimCounts,
  claimExitCode,
  createMatrixRepository,
  expectAcceptedByName,
  expectRejectedForPlumbing,
  type MatrixRepository,
  nodeBinaries,
} from "./plumbing-matrix.ts";

const sumTests = `import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sum } from "../src/sum.mjs";
describe("sum", () => {
  test("adds", () => assert.equal(sum(1, 2), 3));
  test("adds negatives", () => assert.equal(sum(-1, -2), -3));
});
`;
const brokenSum = "export const sum = (a, b) => Math.abs(a) + Math.abs(b);\n";
const packageWithScript = (script: string) =>
  `${JSON.stringify({ name: "sum", scripts: { test: script } }, null, 2)}\n`;
/** node:test's `test` and `it`, wrapped; what the wrapper does is each attack's. */
const wrapTests = (wrapper: string) => `import { createRequire, syncBuiltinESMExports } from "node:module";
const nodeTest = createRequire(import.meta.url)("node:test");
const original = nodeTest.test;
const wrapped = ${wrapper};
nodeTest.test = wrapped;
nodeTest.it = wrapped;
syncBuiltinESMExports();
`;

let fixture: MatrixRepository;
beforeAll(async () => {
  fixture = await createMatrixRepository({
    prefix: "node-test",
    files: {
      "package.json": packageWithScript("node --test"),
      "src/sum.mjs": "export const sum = (a, b) => a + b;\n",
      "test/sum.test.mjs": sumTests,
    },
    environment: (_root, plain) => ({ PATH: `${nodeBinaries}:${plain.PATH}` }),
  });
});
afterAll(() => fixture.dispose());

describe("node:test: code preloaded into the test processes is rejected, naming the file and the flag", () => {
  it("an --import preload in the check's npm script that turns failures into passes", async () => {
    const claim = await fixture.claim({
      "src/sum.mjs": brokenSum,
      "package.json": packageWithScript("node --import ./setup/force.mjs --test"),
      "setup/force.mjs": wrapTests(
        "(name, body) => original(name, async (t) => { try { await body(t); } catch {} })",
      ),
    });
    const result = await fixture.judge(claim, "npm test");
    // The check itself passes: the hook hid the failure from node's exit code.
    expect(claimExitCode(result)).toBe(0);
    expectRejectedForPlumbing(result, "setup/force.mjs", "--import");
  });

  it("a --require preload that makes node:assert never throw", async () => {
    const claim = await fixture.claim({
      "src/sum.mjs": brokenSum,
      "package.json": packageWithScript("node --require ./setup/lenient-assert.cjs --test"),
      "setup/lenient-assert.cjs": `for (const assert of [require("node:assert"), require("node:assert/strict")])
  for (const key of ["ok", "equal", "strictEqual", "deepEqual", "deepStrictEqual", "match"]) assert[key] = () => {};
require("node:module").syncBuiltinESMExports();
`,
    });
    const result = await fixture.judge(claim, "npm test");
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "setup/lenient-assert.cjs", "--require");
  });

  it("npm's node-options in .npmrc preloading a file that skips the failing test by name", async () => {
    const claim = await fixture.claim({
      "src/sum.mjs": brokenSum,
      ".npmrc": "node-options=--import ./setup/skip.mjs\n",
      "setup/skip.mjs": wrapTests("(name, body) => original(name, { skip: /negatives/.test(name) }, body)"),
    });
    const result = await fixture.judge(claim, "npm test");
    expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0, skipped: 1 });
    expectRejectedForPlumbing(result, "setup/skip.mjs", "node-options --import");
  });

  it("accepts an honest claim whose check is plain `node --test`", async () => {
    const claim = await fixture.claim({
      "src/sum.mjs": "export const sum = (a, b) => b + a;\nexport const double = (a) => sum(a, a);\n",
      "test/double.test.mjs":
        'import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { double } from "../src/sum.mjs";\ntest("doubles", () => assert.equal(double(2), 4));\n',
    });
    const result = await fixture.judge(claim, "node --test");
    expectAcceptedByName(result, 2);
    expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
  });
});
