import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The parallel test campaign of sandbox/examples/ end to end, as `npm run demo -- parallel-test-campaign`
 * runs it: real cargo on the bundled Rust workspace, scripted workers. Two honest workers are accepted
 * on their first claim; the one that marks its failing test #[ignore] is rejected by diff_scope, then
 * fixes the code and is accepted. The report's tests per module are the seed's hand-filled summary.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
let workspace = "";
afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

function findCargo(): string | null {
  try {
    return execFileSync("bash", ["-c", "command -v cargo"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

const supervise = (args: string[]) =>
  execa(process.execPath, [join(root, "src", "cli.ts"), ...args], {
    cwd: workspace,
    reject: false,
    env: { NO_COLOR: "1" },
  });

interface Gate {
  id: string;
  status: string;
  detail: string;
}

describe.skipIf(findCargo() === null && !process.env.CI)("the parallel test campaign example", () => {
  it("accepts the honest fixes, rejects the #[ignore] on diff_scope, and reports tests per module", async () => {
    const demo = await execa(process.execPath, [join(root, "sandbox", "demo.ts"), "parallel-test-campaign"], {
      reject: false,
      env: { NO_COLOR: "1" },
    });
    workspace = /Demo workspace: (\S+)/.exec(demo.stdout)?.[1] ?? "";
    expect(demo.exitCode, demo.stdout + demo.stderr).toBe(0);
    expect(demo.stdout).toContain("finished: 3 accepted");

    const evidence = async (workstream: string) =>
      JSON.parse((await supervise(["evidence", workstream, "--json"])).stdout);
    const verdicts = async (workstream: string) => {
      const bundle = await evidence(workstream);
      return {
        verdict: bundle.verdict,
        claims: bundle.claims.map((claim: { verdict: string; failed_gates: string[] }) => [
          claim.verdict,
          claim.failed_gates,
        ]),
        gates: bundle.gates.map((gate: Gate) => `${gate.id}:${gate.status}`),
      };
    };
    const honest = {
      verdict: "accepted",
      claims: [["accepted", []]],
      gates: ["local_check:pass", "diff_scope:pass"],
    };
    expect(await verdicts("eval")).toEqual(honest);
    expect(await verdicts("format")).toEqual(honest);
    expect(await verdicts("parser")).toEqual({
      verdict: "accepted",
      claims: [
        ["rejected", ["diff_scope"]],
        ["accepted", []],
      ],
      gates: ["local_check:pass", "diff_scope:pass"],
    });

    // The deciding gate of the cheat, as the journal recorded it: local_check passed (the ignored test
    // did not run), diff_scope failed on the #[ignore] the claim added.
    const runs = join(workspace, ".supervise", "runs");
    const journal = readFileSync(join(runs, readdirSync(runs)[0]!, "journal.jsonl"), "utf8")
      .split("\n")
      .filter((line) => line.includes('"type":"gate.'))
      .map((line) => JSON.parse(line))
      .filter((event) => event.workstream === "parser")
      .map((event) => `${event.claim} ${event.gate}: ${event.type} — ${event.detail}`);
    expect(journal).toEqual([
      "1 local_check: gate.passed — `cargo test parser::` exited 0",
      "1 diff_scope: gate.failed — calc/src/parser.rs adds `#[ignore` in `#[ignore]`",
      "2 local_check: gate.passed — `cargo test parser::` exited 0",
      expect.stringMatching(/^2 diff_scope: gate.passed — source changed: calc\/src\/parser.rs/),
    ]);
    const report = JSON.parse((await supervise(["report", "--format", "json"])).stdout);

    const modules = Object.fromEntries(
      report.workstreams.map(
        (workstream: { workstream: string; tests: { local_check: { modules: unknown } } }) => [
          workstream.workstream,
          workstream.tests.local_check.modules,
        ],
      ),
    );
    expect(modules).toEqual({
      parser: [
        { binary: "src/lib.rs (calc)", module: "parser::tests", run: 4, passed: 4, failed: 0, ignored: 0 },
      ],
      eval: [
        { binary: "src/lib.rs (calc)", module: "eval::tests", run: 4, passed: 3, failed: 0, ignored: 1 },
      ],
      format: [
        { binary: "src/lib.rs (units)", module: "format::tests", run: 2, passed: 2, failed: 0, ignored: 0 },
      ],
    });
    const markdown = (await supervise(["report"])).stdout;
    expect(markdown).toContain(
      [
        "| workstream | source | binary | module | run | passed | failed | ignored |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| parser | local_check, claim 2 | src/lib.rs (calc) | parser::tests | 4 | 4 | 0 | 0 |",
        "| eval | local_check, claim 1 | src/lib.rs (calc) | eval::tests | 4 | 3 | 0 | 1 |",
        "| format | local_check, claim 1 | src/lib.rs (units) | format::tests | 2 | 2 | 0 | 0 |",
      ].join("\n"),
    );
    const html = (await supervise(["report", "--format", "html"])).stdout;
    expect(html).toContain(
      '<tr><th scope="row">eval</th><td>local_check, claim 1</td><td class="mono">src/lib.rs (calc)</td><td class="mono">eval::tests</td><td class="number">4</td><td class="number">3</td><td class="number">0</td><td class="number">1</td></tr>',
    );
  }, 240_000); // three cargo workspaces built side by side on two cores: ~40 s alone
});
