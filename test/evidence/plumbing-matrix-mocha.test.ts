/**
 * Issue 19's matrix for mocha, with real mocha in a real git repository: a claim that breaks `sum`
 * and hides it with code mocha loads around the tests (a `.mocharc.json` require that makes every
 * runnable swallow its error, a `--require` in the npm script that disarms node:assert, root hooks
 * in `.mocharc.yml` that skip a test by name) is rejected by diff_scope naming the file and the
 * hook; an honest claim checked by plain `npx mocha` is accepted, compared by name.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimCounts,
  createMatrixRepository,
  expectAcceptedByName,
  expectRejectedForPlumbing,
  type MatrixRepository,
  nodeBinaries,
} from "./plumbing-matrix.ts";

const sumTests = `const assert = require("node:assert/strict");
const { sum } = require("../src/sum.js");
describe("sum", () => {
  it("adds", () => assert.equal(sum(1, 2), 3));
  it("adds negatives", () => assert.equal(sum(-1, -2), -3));
});
`;
const brokenSum = "exports.sum = (a, b) => Math.abs(a) + Math.abs(b);\n";
const packageWithScript = (script: string) =>
  `${JSON.stringify({ name: "sum", scripts: { test: script } }, null, 2)}\n`;

let fixture: MatrixRepository;
beforeAll(async () => {
  fixture = await createMatrixRepository({
    prefix: "mocha",
    files: {
      "package.json": packageWithScript("mocha"),
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "test/sum.test.js": sumTests,
    },
    environment: (_root, plain) => ({ PATH: `${nodeBinaries}:${plain.PATH}` }),
    withNodeModules: true,
  });
});
afterAll(() => fixture.dispose());

describe("mocha: code loaded around the tests is rejected, naming the file and the hook", () => {
  it("a file required by .mocharc.json that makes every test swallow its failure", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      ".mocharc.json": '{ "require": ["./setup/force.cjs"] }\n',
      "setup/force.cjs": `const { Runnable } = require("mocha");
const run = Runnable.prototype.run;
Runnable.prototype.run = function (done) {
  return run.call(this, () => done());
};
`,
    });
    const result = await fixture.judge(claim, "npx mocha");
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "setup/force.cjs", "mocha require");
  });

  it("a --require in the check's npm script that makes node:assert never throw", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      "package.json": packageWithScript("mocha --require ./setup/lenient-assert.cjs"),
      "setup/lenient-assert.cjs": `for (const assert of [require("node:assert"), require("node:assert/strict")])
  for (const key of ["ok", "equal", "strictEqual", "deepEqual", "deepStrictEqual"]) assert[key] = () => {};
`,
    });
    const result = await fixture.judge(claim, "npm test");
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "setup/lenient-assert.cjs", "--require");
  });

  it("root hooks required by .mocharc.yml that skip the failing test by name", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      ".mocharc.yml": "require:\n  - setup/hooks.cjs\n",
      "setup/hooks.cjs": `exports.mochaHooks = {
  beforeEach() {
    if (/negatives/.test(this.currentTest.title)) this.skip();
  },
};
`,
    });
    const result = await fixture.judge(claim, "npx mocha");
    expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0, skipped: 1 });
    expectRejectedForPlumbing(result, "setup/hooks.cjs", "mocha require");
    expectRejectedForPlumbing(result, "setup/hooks.cjs", "mochaHooks");
  });

  it("accepts an honest claim whose check is plain `npx mocha`", async () => {
    const claim = await fixture.claim({
      "src/sum.js": "exports.sum = (a, b) => b + a;\nexports.double = (a) => exports.sum(a, a);\n",
      "test/double.test.js":
        'const assert = require("node:assert/strict");\nconst { double } = require("../src/sum.js");\nit("doubles", () => assert.equal(double(2), 4));\n',
    });
    const result = await fixture.judge(claim, "npx mocha");
    expectAcceptedByName(result, 2);
    expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
  });
});
