import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCampaignReport } from "../../src/report/campaign-report.ts";
import { renderHtmlReport } from "../../src/report/html-report.ts";
import { readReportFiles } from "../../src/report/report-files.ts";
import { totalsLine } from "../../src/report/report-format.ts";
import type { CampaignReport } from "../../src/report/report-model.ts";
import { cliPath } from "../fakes/cli-harness.ts";
import { runStartMs, type SyntheticRun, workstreamIds, writeSyntheticRun } from "./synthetic-run.ts";

let synthetic: SyntheticRun;
let report: CampaignReport;
let page: string;

beforeAll(async () => {
  synthetic = await writeSyntheticRun();
  const files = await readReportFiles({
    stateDirectory: synthetic.stateDirectory,
    runDirectory: synthetic.run.dir,
    state: synthetic.state,
  });
  report = buildCampaignReport({
    run: { id: synthetic.run.id, directory: synthetic.run.dir },
    workstreamIds,
    events: synthetic.events,
    state: synthetic.state,
    logs: files.logs,
    bundlesPresent: files.bundlesPresent,
    nowMs: runStartMs + 3_600_000,
  });
  page = renderHtmlReport(report, { runDirectoryHref: "" });
});

afterAll(async () => {
  await synthetic.cleanup();
});

describe("renderHtmlReport", () => {
  it("is one self-contained file: inline style, no script, nothing fetched", () => {
    expect(page.slice(0, "<!doctype html>".length)).toBe("<!doctype html>");
    expect(page).toContain("<style>");
    // Journal text may mention `<img src=…>`, but only escaped: look at real tags and attributes.
    expect(page).not.toMatch(/<(script|link|img|iframe|object|embed|svg|video|audio)\b/i);
    expect(page).not.toMatch(/<[^>]*\s(src|srcset|background)=/i);
    expect(page).not.toMatch(/@import|url\(|https?:\/\//);
  });

  it("escapes every string that came from the journal", () => {
    expect(page).toContain("&lt;script&gt;alert(&quot;summary&quot;)&lt;/script&gt; done");
    expect(page).toContain("&lt;/td&gt;&lt;img src=x onerror=alert(1)&gt; continue?");
    expect(page).toContain("2 claims rejected (limit 2) &lt;b&gt;bold&lt;/b&gt; | pipe");
  });

  it("links each written bundle relative to where the file is saved", () => {
    expect(page).toContain('<a href="evidence/ws-accepted/bundle.md">bundle</a>');
    expect(page).not.toContain('href="evidence/ws-rejected/bundle.md"');
    const elsewhere = renderHtmlReport(report, {
      runDirectoryHref: "../.supervise/runs/20260101-090000-abcd/",
    });
    expect(elsewhere).toContain(
      '<a href="../.supervise/runs/20260101-090000-abcd/evidence/ws-accepted/bundle.md">',
    );
  });
});

const chromium = "/usr/bin/chromium";
const hasChromium = existsSync(chromium);

// Without the browser the suite is skipped under a name that says why; CI installs it.
const browserSuite = hasChromium
  ? "the HTML report in headless Chromium"
  : `the HTML report in headless Chromium (skipped: ${chromium} is missing; apt-get install -y chromium)`;

describe.skipIf(!hasChromium)(browserSuite, () => {
  let dom: string;
  let reportFile: string;

  beforeAll(async () => {
    reportFile = join(synthetic.run.dir, "report.html");
    await writeFile(reportFile, page);
    dom = await domOf(reportFile);
  }, 90_000);

  it("shows one table row per workstream with its verdict", () => {
    const rows = [...dom.matchAll(/<tr data-workstream="([^"]+)">([\s\S]*?)<\/tr>/g)].map((match) =>
      visibleText(match[2]!),
    );
    expect(rows.map((row) => row.split(" ").slice(0, 2).join(" "))).toEqual([
      "ws-accepted accepted",
      "ws-rejected rejected",
      "ws-pending pending",
    ]);
    expect(rows[0]).toContain("12/13 passed, 1 skipped");
    expect(rows[0]).toContain("bundle");
  });

  it("shows the totals line", () => {
    const totals = /<p class="totals" id="totals">([\s\S]*?)<\/p>/.exec(dom)?.[1];
    expect(visibleText(totals ?? "")).toBe(totalsLine(report));
    expect(visibleText(totals ?? "")).toContain(
      "tests: 18 run, 15 passed, 2 failed, 1 skipped (88.2 % pass)",
    );
  });

  it("shows every timeline entry, in order, and a mark on each workstream's lane", () => {
    const items = [...dom.matchAll(/<li data-type="([^"]+)">([\s\S]*?)<\/li>/g)];
    expect(items.map((match) => match[1])).toEqual(report.timeline.map((entry) => entry.type));
    expect(items.map((match) => visibleText(match[2]!))).toContain(
      "09:00:12.000 +12s ws-accepted ✖ claim 1 rejected: local_check failed",
    );
    const acceptedLane = /<div class="lane" data-workstream="ws-accepted">([\s\S]*?)<\/div><\/div>/.exec(
      dom,
    )?.[1];
    expect(acceptedLane?.match(/class="mark /g)).toHaveLength(8);
  });

  it("keeps injected markup as text: no element came from the journal", () => {
    expect(dom).not.toMatch(/<img|<script|<b>/);
    expect(visibleText(dom)).toContain('<script>alert("summary")</script> done');
  });

  // `supervise report --format html > report.html`, the README's command, cannot know where stdout
  // goes; with --output into a folder not made yet, the links start from that folder.
  it.each([
    ["--output into a new subfolder", true],
    ["stdout saved elsewhere", false],
  ] as const)(
    "written by the CLI to %s, every link reaches an existing file",
    async (_, isOutput) => {
      const place = await mkdtemp(join(tmpdir(), "supervise-report-place-"));
      try {
        const file = join(place, "new", "sub", "report.html");
        const args = ["report", "--state-dir", synthetic.stateDirectory];
        const result = isOutput
          ? await execa(process.execPath, [cliPath, ...args, "--output", file], { reject: false })
          : await execa(process.execPath, [cliPath, ...args, "--format", "html"], { reject: false });
        expect([result.exitCode, result.stderr]).toEqual([0, ""]);
        if (!isOutput) {
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, result.stdout);
        }
        const links = linkedFiles(await domOf(file), file);
        expect(links).toContain(join(synthetic.run.dir, "evidence", "ws-accepted", "bundle.md"));
        expect(links).toContain(synthetic.ciLogFile);
        expect(links.filter((link) => !existsSync(link))).toEqual([]);
      } finally {
        await rm(place, { recursive: true, force: true });
      }
    },
    90_000,
  );

  it("links to a bundle file that exists", () => {
    const href = /<a href="([^"]+)">bundle<\/a>/.exec(dom)?.[1];
    expect(href).toBe("evidence/ws-accepted/bundle.md");
    expect(existsSync(join(dirname(reportFile), href!))).toBe(true);
  });
});

/** The page as headless Chromium built it from the file. */
async function domOf(reportFile: string): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), "supervise-chromium-"));
  try {
    const result = await execa(
      chromium,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        `--user-data-dir=${profile}`,
        "--dump-dom",
        pathToFileURL(reportFile).href,
      ],
      { timeout: 60_000, reject: false },
    );
    if (!result.stdout.includes("</html>"))
      throw new Error(`chromium printed no DOM (exit ${result.exitCode}):\n${result.stderr}`);
    return result.stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Every link of a page, resolved against the page's own place as the browser resolves it. */
function linkedFiles(dom: string, reportFile: string): string[] {
  const base = pathToFileURL(reportFile);
  return [...dom.matchAll(/<a [^>]*href="([^"]+)"/g)].map((match) =>
    fileURLToPath(new URL(match[1]!.replaceAll("&amp;", "&"), base)),
  );
}

function visibleText(markup: string): string {
  return markup
    .replace(/<style[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&")
    .replace(/\s+/g, " ")
    .trim();
}
