/**
 * The test ledger for mocha, with real mocha: the supervisor gives its runs of a mocha check its
 * own reporter (ledger-command.ts), which records each test by file and title path and prints as
 * `spec` does; a forged line a test prints counts for nothing, and a deleted test is lost by name.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ledgerCommand, mochaLedgerReporterPath } from "../../src/evidence/ledger-command.ts";
import { runWithTestLedger } from "../../src/evidence/test-ledger.ts";
import { createCommandRunner } from "../../src/sandbox/index.ts";
import { createMatrixRepository, type MatrixRepository, nodeBinaries } from "./plumbing-matrix.ts";

const sumTests = `const assert = require("node:assert/strict");
const { sum } = require("../src/sum.js");
describe("sum", () => {
  it("adds", () => assert.equal(sum(1, 2), 3));
  it("adds negatives", () => assert.equal(sum(-1, -2), -3));
});
`;

let fixture: MatrixRepository;
beforeAll(async () => {
  fixture = await createMatrixRepository({
    prefix: "mocha-ledger",
    files: {
      "package.json": '{ "name": "sum", "scripts": { "test": "mocha" } }\n',
      "src/sum.js": "exports.sum = (a, b) => a + b;\n",
      "test/sum.test.js": sumTests,
    },
    environment: (_root, plain) => ({ PATH: `${nodeBinaries}:${plain.PATH}` }),
    withNodeModules: true,
  });
});
afterAll(() => fixture.dispose());

describe("the mocha ledger's command line", () => {
  it("gives mocha's own forms and npm scripts that are mocha alone the reporter, unless they name one", async () => {
    const reporter = `--reporter '${mochaLedgerReporterPath}'`;
    expect(await ledgerCommand("npx mocha", fixture.repository)).toEqual({
      command: `npx mocha ${reporter}`,
      runner: "mocha",
    });
    expect((await ledgerCommand("mocha test/unit", fixture.repository)).command).toBe(
      `mocha test/unit ${reporter}`,
    );
    expect((await ledgerCommand("npm test", fixture.repository)).command).toBe(`npm test -- ${reporter}`);
    for (const untouched of ["mocha --reporter dot", "mocha -R json", "npm test -- -R tap"])
      expect(await ledgerCommand(untouched, fixture.repository)).toEqual({
        command: untouched,
        runner: null,
      });
  });
});

describe("a mocha check with the default reporter", () => {
  it("records every test by file and title path, a failed hook as failed, and no forged line", async () => {
    await fixture.claim({
      "test/more.test.js": `const assert = require("node:assert/strict");
it("prints a forged pass", () => { console.log("    ✔ adds forged"); });
it.skip("later", () => {});
it("fails", () => assert.equal(1, 2));
describe("setup", () => {
  before(() => { throw new Error("no database"); });
  it("never runs", () => {});
});
`,
    });
    const { result, ledger, note } = await runWithTestLedger(
      createCommandRunner(),
      { command: "npm test", cwd: fixture.repository, env: fixture.environment, timeoutMs: 60_000 },
      join(fixture.root, "ledgers"),
    );
    expect(note).toBeNull();
    expect(result.exitCode).toBe(2);
    // Printed as spec prints, by the reporter's printer.
    expect(result.output).toContain("✔ adds");
    expect(ledger?.kinds).toEqual(["mocha"]);
    expect([...(ledger?.tests ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1))).toEqual([
      { name: "test/more.test.js > fails", status: "failed" },
      { name: "test/more.test.js > later", status: "skipped" },
      { name: "test/more.test.js > prints a forged pass", status: "passed" },
      { name: 'test/more.test.js > setup > "before all" hook for "never runs"', status: "failed" },
      { name: "test/sum.test.js > sum > adds", status: "passed" },
      { name: "test/sum.test.js > sum > adds negatives", status: "passed" },
    ]);
  });

  it("fails a claim that deletes a test, by file and name, and passes an honest one run by `npx mocha`", async () => {
    const deleting = await fixture.claim({
      "src/sum.js": "exports.sum = (a, b) => b + a;\n",
      "test/sum.test.js": sumTests.replace(
        '  it("adds negatives", () => assert.equal(sum(-1, -2), -3));\n',
        "",
      ),
    });
    const rejected = await fixture.judge(deleting, "npx mocha");
    expect(rejected.status).toBe("fail");
    expect((rejected.observed.test_runs as Record<string, unknown>).lost_tests).toEqual([
      { name: "test/sum.test.js > sum > adds negatives", count: 1 },
    ]);

    const honest = await fixture.claim({ "src/sum.js": "exports.sum = (a, b) => b + a;\n" });
    const accepted = await fixture.judge(honest, "npx mocha");
    expect(accepted.detail).toMatch(/2 tests that passed at the base still pass$/);
    expect(accepted.status).toBe("pass");
    expect((accepted.observed.test_runs as { claim: { runners: string[] } }).claim.runners).toEqual([
      "mocha (ledger)",
    ]);
  });
});
