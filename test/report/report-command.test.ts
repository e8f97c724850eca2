/** `supervise report` as a user runs it: the real CLI as a child process over a synthetic state dir. */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CampaignReport } from "../../src/report/report-model.ts";
import { cliPath } from "../fakes/cli-harness.ts";
import { type SyntheticRun, writeSyntheticRun } from "./synthetic-run.ts";

let synthetic: SyntheticRun;
let cwd: string;

const supervise = (args: string[]) =>
  execa(process.execPath, [cliPath, ...args], { cwd, reject: false, env: { NO_COLOR: "1" } });

beforeAll(async () => {
  synthetic = await writeSyntheticRun();
  cwd = await mkdtemp(join(tmpdir(), "supervise-report-cwd-"));
});

afterAll(async () => {
  await synthetic.cleanup();
  await rm(cwd, { recursive: true, force: true });
});

describe("supervise report", () => {
  it("prints the report as JSON, with test counts read from the run's logs", async () => {
    const result = await supervise(["report", "--format", "json", "--state-dir", synthetic.stateDirectory]);
    expect([result.exitCode, result.stderr]).toEqual([0, ""]);
    const report = JSON.parse(result.stdout) as CampaignReport;
    expect(report.schema).toBe("supervise.report/v1");
    expect(report.workstreams.map((workstream) => [workstream.workstream, workstream.verdict])).toEqual([
      ["ws-accepted", "accepted"],
      ["ws-rejected", "rejected"],
      ["ws-pending", "pending"],
    ]);
    const tests = report.totals.tests!;
    expect([tests.total, tests.passed, tests.failed, tests.skipped]).toEqual([18, 15, 2, 1]);
    expect(report.retrospective.cost.per_accepted_workstream_usd).toBe(0.75);
  });

  it("prints Markdown by default", async () => {
    const result = await supervise(["report", "--state-dir", synthetic.stateDirectory]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe("# Campaign report — run 20260101-090000-abcd");
    expect(result.stdout).toContain("## Retrospective");
  });

  it("writes HTML to --output with bundle links that reach the run directory from there", async () => {
    const output = join(cwd, "reports", "campaign.html");
    await execa("mkdir", ["-p", dirname(output)]);
    const result = await supervise([
      "report",
      "--format",
      "html",
      "--output",
      "reports/campaign.html",
      "--state-dir",
      synthetic.stateDirectory,
    ]);
    expect([result.exitCode, result.stdout]).toEqual([0, `Report written to ${output}`]);
    const page = await readFile(output, "utf8");
    const href = /<a href="([^"]+)">bundle<\/a>/.exec(page)?.[1];
    expect(href).toMatch(/\/runs\/20260101-090000-abcd\/evidence\/ws-accepted\/bundle\.md$/);
    expect(resolve(dirname(output), decodeURIComponent(href!))).toBe(
      join(synthetic.run.dir, "evidence", "ws-accepted", "bundle.md"),
    );
    expect(existsSync(resolve(dirname(output), decodeURIComponent(href!)))).toBe(true);
  });

  it("makes a missing --output folder and takes the format from the extension", async () => {
    for (const [name, start] of [
      ["made/for/html/report.html", "<!doctype html>"],
      ["made/for/md/report.md", "# Campaign report — run 20260101-090000-abcd"],
      ["made/for/json/report.json", "{"],
    ] as const) {
      const result = await supervise(["report", "--output", name, "--state-dir", synthetic.stateDirectory]);
      expect([result.exitCode, result.stderr, result.stdout]).toEqual([
        0,
        "",
        `Report written to ${join(cwd, name)}`,
      ]);
      expect((await readFile(join(cwd, name), "utf8")).split("\n")[0]).toBe(start);
    }
  });

  it("refuses a --format that contradicts the --output extension, naming both", async () => {
    const result = await supervise([
      "report",
      "--format",
      "md",
      "--output",
      "out/report.html",
      "--state-dir",
      synthetic.stateDirectory,
    ]);
    expect([result.exitCode, result.stderr.split("\n")[0]]).toEqual([
      2,
      "error: --format md does not match --output out/report.html, whose extension .html means html.",
    ]);
    expect(existsSync(join(cwd, "out"))).toBe(false);
  });

  it("says where a report cannot be written, with exit 2 and no stack trace", async () => {
    // A file where the folder must be: fails the same way for root, who ignores permissions.
    await writeFile(join(cwd, "taken"), "not a folder");
    const result = await supervise([
      "report",
      "--output",
      "taken/report.html",
      "--state-dir",
      synthetic.stateDirectory,
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      `error: Cannot write the report to ${join(cwd, "taken", "report.html")}:`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("links to the run's files by absolute file URL when the HTML goes to stdout", async () => {
    const result = await supervise(["report", "--format", "html", "--state-dir", synthetic.stateDirectory]);
    expect(result.exitCode).toBe(0);
    const hrefs = [...result.stdout.matchAll(/<a [^>]*href="([^"]+)"/g)].map((match) => match[1]!);
    expect(hrefs).toContain(
      pathToFileURL(join(synthetic.run.dir, "evidence", "ws-accepted", "bundle.md")).href,
    );
    for (const href of hrefs) {
      expect(href).toMatch(/^file:\/\//);
      expect(existsSync(fileURLToPath(href))).toBe(true);
    }
  });

  it("puts CI's failures in the headline, not only the local tests", async () => {
    const result = await supervise(["report", "--state-dir", synthetic.stateDirectory]);
    const headline = result.stdout.split("\n")[2]!;
    expect(headline).toContain("CI tests: 13 run, 12 passed, 0 failed, 1 skipped (100 % pass)");
  });

  it("names a CI failure in the headline when the local tests all pass", async () => {
    const failing = await writeSyntheticRun();
    try {
      // CI failed the test the local check passed: the headline must not read as all green.
      await writeFile(failing.ciLogFile, "      Tests  1 failed | 11 passed | 1 skipped (13)\n");
      const result = await supervise(["report", "--state-dir", failing.stateDirectory]);
      const headline = result.stdout.split("\n")[2]!;
      expect(headline).toContain("CI tests: 13 run, 11 passed, 1 failed, 1 skipped (91.7 % pass)");
    } finally {
      await failing.cleanup();
    }
  });

  it("refuses an unknown format with exit 2", async () => {
    const result = await supervise(["report", "--format", "pdf", "--state-dir", synthetic.stateDirectory]);
    expect([result.exitCode, result.stderr.split("\n")[0]]).toEqual([
      2,
      'error: --format must be md, json or html, got "pdf".',
    ]);
  });
});
