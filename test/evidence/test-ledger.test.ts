/**
 * The test ledger: node:test's outcomes recorded by the supervisor's reporter, by file and name,
 * where the tests cannot write. Real node --test runs (the Node on PATH), through the real command
 * runner, with and without bwrap.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runWithTestLedger } from "../../src/evidence/test-ledger.ts";
import { readTestListing } from "../../src/evidence/test-names.ts";
import { type CommandRunner, checkIsolationAvailable, createCommandRunner } from "../../src/sandbox/index.ts";
import { createRunIsolation } from "../../src/sandbox/run-isolation.ts";

let root: string;
let project: string;
const environment = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: "/nonexistent" };

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-ledger-"));
  project = join(root, "project");
  await mkdir(join(project, "test"), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function files(entries: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(entries)) {
    await mkdir(dirname(join(project, path)), { recursive: true });
    await writeFile(join(project, path), text);
  }
}

function run(command: string, runner: CommandRunner = createCommandRunner()) {
  return runWithTestLedger(
    runner,
    { command, cwd: project, env: environment, timeoutMs: 60_000 },
    join(root, "ledgers"),
  );
}

const header = 'import { test, describe } from "node:test";\nimport assert from "node:assert/strict";\n';

describe("the test ledger", () => {
  it("records every test by file and path, with its status, and the log still shows the spec output", async () => {
    await files({
      "test/math.test.mjs": `${header}describe("sum", () => { test("adds", () => assert.equal(1 + 1, 2)); test("fails", () => assert.equal(1, 2)); });\ntest("skipped", { skip: true }, () => {});\ntest("todo", { todo: true }, () => {});\n`,
      "test/other.test.mjs": `${header}test("adds", () => {});\ntest("parent", async (t) => { await t.test("child", () => {}); });\n`,
    });
    const { result, ledger, note } = await run("node --test");
    expect(note).toBeNull();
    expect(result.output).toContain("✔ adds");
    expect(ledger?.runners).toBe(1);
    expect(ledger?.strays).toEqual([]);
    const listing = readTestListing(result.output, ledger?.tests ?? null);
    expect(
      listing.kind === "listed" && [...listing.tests].sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual([
      { name: "test/math.test.mjs > skipped", status: "skipped" },
      { name: "test/math.test.mjs > sum > adds", status: "passed" },
      { name: "test/math.test.mjs > sum > fails", status: "failed" },
      { name: "test/math.test.mjs > todo", status: "todo" },
      { name: "test/other.test.mjs > adds", status: "passed" },
      { name: "test/other.test.mjs > parent > child", status: "passed" },
    ]);
  });

  it("does not read a pass line a test file prints: a test that prints its own verdict is not a passing test", async () => {
    await files({
      "test/forged.test.mjs": `console.log("✔ adds two numbers (0.5ms)\\nℹ tests 1\\nℹ pass 1");\nprocess.exit(0);\n`,
    });
    const { result, ledger } = await run("node --test");
    expect(result.output).toContain("✔ adds two numbers (0.5ms)");
    const listing = readTestListing(result.output, ledger?.tests ?? null);
    expect(listing).toEqual({
      kind: "listed",
      runners: ["node:test (ledger)"],
      tests: [{ name: "test/forged.test.mjs", status: "passed" }],
    });
  });

  it("tells apart same-named tests in two files: a weak copy elsewhere does not stand in for a lost one", async () => {
    await files({
      "test/a.test.mjs": `${header}const test2 = () => {};\ntest2("multiplies", () => assert.equal(2 * 3, 6));\n`,
      "test/b.test.mjs": `${header}test("multiplies", () => assert.ok(true));\n`,
    });
    const { ledger } = await run("node --test");
    expect(ledger?.tests.map((test) => test.name).sort()).toEqual([
      "test/a.test.mjs",
      "test/b.test.mjs > multiplies",
    ]);
  });

  it("leaves the tests no trace of itself: no key variable, no reporter in NODE_OPTIONS, no pytest plugin", async () => {
    await files({
      "test/env.test.mjs": `${header}test("sees a clean environment", () => { assert.equal(process.env.NODE_TEST_LEDGER_KEY, undefined); assert.equal(process.env.NODE_OPTIONS, "--no-warnings"); assert.equal(process.env.PYTEST_ADDOPTS, "-q"); assert.equal(process.env.PYTHONPATH, undefined); });\n`,
    });
    const { ledger } = await runWithTestLedger(
      createCommandRunner(),
      {
        command: "node --test",
        cwd: project,
        env: { ...environment, NODE_OPTIONS: "--no-warnings", PYTEST_ADDOPTS: "-q" },
        timeoutMs: 60_000,
      },
      join(root, "ledgers"),
    );
    expect(ledger?.tests).toEqual([
      { name: "test/env.test.mjs > sees a clean environment", status: "passed" },
    ]);
  });

  it("reads every runner of a command that starts node --test more than once", async () => {
    await files({
      "unit/one.test.mjs": `${header}test("one", () => {});\n`,
      "e2e/two.test.mjs": `${header}test("two", () => {});\n`,
    });
    const { ledger } = await run("node --test unit/*.test.mjs && node --test e2e/*.test.mjs");
    expect(ledger?.runners).toBe(2);
    expect(ledger?.tests.map((test) => test.name)).toEqual([
      "unit/one.test.mjs > one",
      "e2e/two.test.mjs > two",
    ]);
  });

  it("records beside a reporter the command chose with a destination, and prints nothing of its own", async () => {
    await files({ "test/one.test.mjs": `${header}test("one", () => {});\n` });
    const { result, ledger } = await run(
      "node --test --test-reporter=tap --test-reporter-destination=stdout",
    );
    expect(result.output).toContain("ok 1 - one");
    expect(result.output).not.toContain("✔ one");
    expect(ledger?.tests).toEqual([{ name: "test/one.test.mjs > one", status: "passed" }]);
  });

  it("runs again without the ledger, and says why, when the command's reporter leaves it no room", async () => {
    await files({ "test/one.test.mjs": `${header}test("one", () => {});\n` });
    const { result, ledger, note } = await run("node --test --test-reporter=tap");
    expect(result.exitCode).toBe(0);
    expect(ledger).toBeNull();
    expect(note).toContain("--test-reporter without --test-reporter-destination");
  });

  it("reports files no runner wrote as strays", async () => {
    await files({ "test/one.test.mjs": `${header}test("one", () => {});\n` });
    const { ledger } = await run(
      'node --test && echo "{}" > "$(dirname "$NODE_TEST_LEDGER_KEY")/forged.json"',
    );
    expect(ledger?.strays).toEqual(["forged.json"]);
  });

  it("has no ledger for a command that runs no node:test", async () => {
    const { ledger, note } = await run("echo '✔ adds (1ms)'");
    expect(ledger).toBeNull();
    expect(note).toBeNull();
  });
});

const availability = await checkIsolationAvailable();
describe.skipIf(!availability.available && process.env.CI === undefined)(
  "the test ledger under bwrap",
  () => {
    it("records through the sandbox, where a test can neither list the ledger folder nor find the key", async () => {
      await mkdir(join(root, "state"), { recursive: true });
      await writeFile(join(root, "state", "socket"), "");
      const runner = createCommandRunner({
        isolate: createRunIsolation({
          stateDirectory: join(root, "state"),
          userRepository: join(root, "repository"),
          mirrorPath: tmpdir(),
          socketPath: join(root, "state", "socket"),
          readOnly: [dirname(dirname(process.execPath)), dirname(dirname(dirname(import.meta.dirname)))],
          network: "none",
          home: undefined,
        }),
      });
      await files({
        "test/probe.test.mjs": `${header}import { readdirSync } from "node:fs";\ntest("cannot list the ledger", () => { const folders = readdirSync(${JSON.stringify(join(root, "ledgers"))}); assert.equal(folders.length, 1); assert.throws(() => readdirSync(${JSON.stringify(join(root, "ledgers"))} + "/" + folders[0]), { code: "EACCES" }); });\n`,
      });
      const { result, ledger } = await run("node --test", runner);
      expect(result.output).toContain("✔ cannot list the ledger");
      expect(ledger?.tests).toEqual([
        { name: "test/probe.test.mjs > cannot list the ledger", status: "passed" },
      ]);
    });
  },
);
