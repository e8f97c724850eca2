/**
 * Issue 19's matrix for vitest, with real vitest in a real git repository: a claim that breaks `sum`
 * and hides it with a setup file vitest loads around every test file (one that forces outcomes, one
 * that disarms `expect`, one that skips a test by name) is rejected by diff_scope naming the file
 * and `setupFiles`; an honest claim checked by plain `npx vitest run` is accepted, compared by name.
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

const sumTests = `import { sum } from "../src/sum.js";
describe("sum", () => {
  test("adds", () => expect(sum(1, 2)).toBe(3));
  test("adds negatives", () => expect(sum(-1, -2)).toBe(-3));
});
`;
const brokenSum = "export const sum = (a, b) => Math.abs(a) + Math.abs(b);\n";
const configWithSetup = (file: string) =>
  `export default { test: { globals: true, setupFiles: ["${file}"] } };\n`;

let fixture: MatrixRepository;
beforeAll(async () => {
  fixture = await createMatrixRepository({
    prefix: "vitest",
    files: {
      "package.json": '{ "name": "sum", "type": "module", "scripts": { "test": "vitest run" } }\n',
      "vitest.config.mjs": "export default { test: { globals: true } };\n",
      "src/sum.js": "export const sum = (a, b) => a + b;\n",
      "test/sum.test.js": sumTests,
    },
    environment: (_root, plain) => ({ PATH: `${nodeBinaries}:${plain.PATH}`, CI: "1" }),
    withNodeModules: true,
  });
});
afterAll(() => fixture.dispose());

describe("vitest: code run around the tests is rejected, naming the file and the hook", () => {
  it("a setup file that turns failures into passes", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      "vitest.config.mjs": configWithSetup("./test/setup.js"),
      "test/setup.js": `const original = globalThis.test;
globalThis.test = (name, body) => original(name, async () => { try { await body(); } catch {} });
`,
    });
    const result = await fixture.judge(claim, "npx vitest run");
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "test/setup.js", "vitest setupFiles");
  });

  it("a setup file that replaces expect with one that never throws", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      "vitest.config.mjs": configWithSetup("./test/lenient-expect.js"),
      "test/lenient-expect.js":
        "const never = new Proxy({}, { get: () => () => undefined });\nglobalThis.expect = () => never;\n",
    });
    const result = await fixture.judge(claim, "npx vitest run");
    expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
    expectRejectedForPlumbing(result, "test/lenient-expect.js", "vitest setupFiles");
  });

  it("a setup file that skips the failing test by name", async () => {
    const claim = await fixture.claim({
      "src/sum.js": brokenSum,
      "vitest.config.mjs": configWithSetup("./test/skip.js"),
      "test/skip.js": `const original = globalThis.test;
globalThis.test = (name, body) => (/negatives/.test(name) ? original.skip : original)(name, body);
`,
    });
    const result = await fixture.judge(claim, "npx vitest run");
    expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0, skipped: 1 });
    expectRejectedForPlumbing(result, "test/skip.js", "vitest setupFiles");
  });

  it("accepts an honest claim whose check is plain `npx vitest run`", async () => {
    const claim = await fixture.claim({
      "src/sum.js": "export const sum = (a, b) => b + a;\nexport const double = (a) => sum(a, a);\n",
      "test/double.test.js":
        'import { double } from "../src/sum.js";\ntest("doubles", () => expect(double(2)).toBe(4));\n',
    });
    const result = await fixture.judge(claim, "npx vitest run");
    expectAcceptedByName(result, 2);
    expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
  });
});
