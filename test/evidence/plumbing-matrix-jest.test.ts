/**
 * Issue 19's matrix for jest, with real jest in a real git repository: a claim that breaks `sum`
 * and hides it with code jest runs around the tests (a setup file that forces outcomes, one that
 * disarms `expect`, one that skips a test by name) is rejected by diff_scope naming the file and
 * the config key; an honest claim checked by plain `npx jest` is accepted, compared by name.
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

const sumTests = `const { sum } = require("../src/sum.js");
describe("sum", () => {
  test("adds", () => expect(sum(1, 2)).toBe(3));
  test("adds negatives", () => expect(sum(-1, -2)).toBe(-3));
});
`;
/** Wrong for negatives: the base's "adds negatives" fails unless something hides it. */
const brokenSum = "exports.sum = (a, b) => Math.abs(a) + Math.abs(b);\n";

let fixture: MatrixRepository;
beforeAll(async () => {
  fixture = await createMatrixRepository({
    prefix: "jest",
    files: {
      "package.json": '{ "name": "sum", "scripts": { "test": "jest" } }\n',
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "test/sum.test.js": sumTests,
    },
    environment: (_root, plain) => ({ PATH: `${nodeBinaries}:${plain.PATH}`, CI: "1" }),
    withNodeModules: true,
  });
});
afterAll(() => fixture.dispose());

describe("jest: code run around the tests is rejected, naming the file and the hook", () => {
  it("a setupFilesAfterEnv file that turns failures into passes", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      "jest.config.js": 'module.exports = { setupFilesAfterEnv: ["<rootDir>/test/setup.js"] };\n',
      "test/setup.js": `const original = global.test;
global.test = (name, body) => original(name, async () => { try { await body(); } catch {} });
`,
    });
    const result = await fixture.judge(claim, "npx jest");
    // The hook works: jest itself reports no failure at the claim.
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "test/setup.js", "jest setupFilesAfterEnv");
  });

  it("a setup file named in package.json that replaces expect with one that never throws", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      "package.json": JSON.stringify({
        name: "sum",
        scripts: { test: "jest" },
        jest: { setupFilesAfterEnv: ["./test/lenient-expect.js"] },
      }),
      "test/lenient-expect.js":
        "const never = new Proxy({}, { get: () => () => undefined });\nglobal.expect = () => never;\n",
    });
    const result = await fixture.judge(claim, "npx jest");
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "test/lenient-expect.js", "jest setupFilesAfterEnv");
  });

  it("a setup file that skips the failing test by name", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      "jest.config.js": 'module.exports = { setupFilesAfterEnv: ["./test/skip.js"] };\n',
      "test/skip.js": `const original = global.test;
global.test = (name, body) => (/negatives/.test(name) ? original.skip : original)(name, body);
`,
    });
    const result = await fixture.judge(claim, "npx jest");
    expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0, skipped: 1 });
    expectRejectedForPlumbing(result, "test/skip.js", "jest setupFilesAfterEnv");
  });

  it("accepts an honest claim whose check is plain `npx jest`", async () => {
    const claim = await fixture.claim({
      "src/sum.js":
        "exports.sum = (a, b) => b + a;\nexports.double = (a) => sum(a, a);\nconst { sum } = exports;\n",
      "test/double.test.js":
        'const { double } = require("../src/sum.js");\ntest("doubles", () => expect(double(2)).toBe(4));\n',
    });
    const result = await fixture.judge(claim, "npx jest");
    expectAcceptedByName(result, 2);
    expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
  });
});
