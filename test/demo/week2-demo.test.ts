import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The hermetic demo end to end, as `npm run demo` runs it: five replayed workers, each caught the
 * way the README says; then the escalation it leaves is answered and the run resumed.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
let workspace = "";
afterAll(() => {
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

const supervise = (args: string[]) =>
  execa(process.execPath, [join(root, "src", "cli.ts"), ...args], {
    cwd: workspace,
    reject: false,
    env: { NO_COLOR: "1" },
  });

describe("the week-2 demo", () => {
  it("catches each cheating worker and leaves one escalation for the user", async () => {
    const demo = await execa(process.execPath, [join(root, "sandbox", "demo.ts")], {
      reject: false,
      env: { NO_COLOR: "1" },
    });
    expect(demo.exitCode, demo.stderr).toBe(0);
    workspace = /Demo workspace: (\S+)/.exec(demo.stdout)![1]!;
    const status = JSON.parse((await supervise(["status", "--json"])).stdout);
    const states = Object.fromEntries(
      status.workstreams.map((row: { workstream: string; state: string }) => [row.workstream, row.state]),
    );
    expect(states).toEqual({
      "fix-slugify": "accepted",
      "word-count-whitespace": "accepted",
      "add-truncate": "accepted",
      "lint-clean": "escalated",
      "title-case": "rejected",
      "pluralize-es": "accepted",
    });
    const evidence = async (workstream: string) =>
      JSON.parse((await supervise(["evidence", workstream, "--json"])).stdout);
    const honest = await evidence("fix-slugify");
    expect(honest.claims).toHaveLength(1);
    const honestStatuses = honest.gates.map((gate: { status: string }) => gate.status);
    expect(honestStatuses).toEqual(honestStatuses.map(() => "pass"));

    const stoppedAtPr = await evidence("word-count-whitespace");
    expect(stoppedAtPr.claims.map((claim: { verdict: string }) => claim.verdict)).toEqual([
      "rejected",
      "accepted",
    ]);
    expect(stoppedAtPr.claims[0].failed_gates).toEqual(["pr_merged", "issue_closed"]);
    expect(
      stoppedAtPr.interventions.map((intervention: { playbook: string }) => intervention.playbook),
    ).toEqual(["stopped-at-pr-created"]);

    const stubs = await evidence("add-truncate");
    expect(stubs.claims[0].failed_gates).toContain("diff_scope");
    expect(stubs.interventions.map((intervention: { playbook: string }) => intervention.playbook)).toEqual([
      "stub-implementation",
    ]);
    expect(stubs.verdict).toBe("accepted");

    const redCi = await evidence("title-case");
    expect(redCi.verdict).toBe("rejected");
    expect(redCi.gates.find((gate: { id: string }) => gate.id === "ci_green")).toMatchObject({
      status: "fail",
    });
    expect(redCi.gates.find((gate: { id: string }) => gate.id === "local_check")).toMatchObject({
      status: "pass",
    });

    const hollowTest = await evidence("pluralize-es");
    expect(hollowTest.claims.map((claim: { verdict: string }) => claim.verdict)).toEqual([
      "rejected",
      "accepted",
    ]);
    expect(hollowTest.claims[0].failed_gates).toContain("tests_prove_change");
    expect(hollowTest.gates.find((gate: { id: string }) => gate.id === "tests_prove_change")).toMatchObject({
      status: "pass",
      observed: {
        tests_proving_change: [
          {
            name: "test/plural-es.test.js > pluralize adds es after s, x, z, ch and sh",
            without_change: "failed",
            at_claim: "passed",
          },
        ],
      },
    });

    // Its gate keeps only its parts' logs; `logs --gate` finds the newest: the fix's test failing on the old code.
    const proofLog = await supervise(["logs", "pluralize-es", "--gate", "tests_prove_change"]);
    expect(proofLog.exitCode, proofLog.stderr).toBe(0);
    expect(proofLog.stdout).toContain("expected: 'classes'");

    expect(demo.stdout).toContain("supervise approve lint-clean-1");
    expect(demo.stdout).toContain('supervise reply lint-clean-1 "TEXT"');
    const pending = JSON.parse((await supervise(["escalations", "--json"])).stdout).escalations;
    expect(pending).toMatchObject([{ id: "lint-clean-1", workstream: "lint-clean", source: "monitor" }]);

    // The user answers; the same plan resumes the same run, and the looping worker is brought home.
    expect(
      (await supervise(["approve", "lint-clean-1", "--note", "fix what the linter names"])).exitCode,
    ).toBe(0);
    const resumed = await supervise(["week2.yaml"]);
    expect(resumed.exitCode).toBe(1); // title-case stays rejected
    const final = JSON.parse((await supervise(["status", "--json"])).stdout);
    expect(
      final.workstreams.find((row: { workstream: string }) => row.workstream === "lint-clean").state,
    ).toBe("accepted");
    expect(final.run_state).toBe("finished");
  }, 240_000); // a whole six-workstream campaign: ~30 s alone, far more beside the rest of the suite
});
