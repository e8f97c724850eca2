/**
 * A phase gate that turns red once both workstreams of phase build merged (each green alone):
 * escalated at once with its evidence, phase polish held until a human approves, then run.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPhasedCampaign, lastMergeCommit, type PhasedCampaign } from "../fakes/phased-campaign.ts";

let campaign: PhasedCampaign;
let workspace: PhasedCampaign["workspace"];
beforeEach(() => {
  campaign = createPhasedCampaign("deploy");
  workspace = campaign.workspace;
});
afterEach(() => workspace.cleanup());

describe("phases", () => {
  it("escalates a phase gate that turns red once both workstreams merged, holds the next phase, and starts it on approval", async () => {
    const run = workspace.supervise(["plan.yaml", "--json"]);
    let seen = "";
    await new Promise<void>((resolve) => {
      run.stdout?.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"phase.failed"')) resolve();
      });
    });
    const listed = await workspace.supervise(["escalations", "--json"]);
    const [escalation] = JSON.parse(listed.stdout).escalations;
    expect(escalation).toMatchObject({
      id: "phase-build-1",
      workstream: "phase build",
      source: "phase",
      status: "pending",
    });
    expect(escalation.question).toContain("gate registry failed");
    expect(escalation.question).toContain("error: command name registered twice: deploy");
    expect(escalation.question).toContain("The phases after it (polish) have not started");

    const status = await workspace.supervise(["status"]);
    expect(status.stdout).toMatch(/build\s+failed, waiting on phase-build-1/);
    expect(status.stdout).toMatch(/docs\s+pending/);

    const approve = await workspace.supervise([
      "approve",
      "phase-build-1",
      "--note",
      "polish renames the second command",
    ]);
    expect(approve.exitCode, approve.stderr).toBe(0);
    const result = await run;
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);

    const events = await campaign.events();
    const failed = events.find((event) => event.type === "phase.failed")!;
    const docsStarted = events.find(
      (event) => event.type === "workstream.started" && event.workstream === "docs",
    )!;
    const decided = events.find((event) => event.type === "phase.decided")!;
    expect(decided).toMatchObject({
      phase: "build",
      escalation: "phase-build-1",
      decision: "approve",
      note: "polish renames the second command",
    });
    // Nothing of phase polish started before the human decided.
    expect(docsStarted.seq).toBeGreaterThan(decided.seq);
    expect(failed).toMatchObject({
      workstream: null,
      phase: "build",
      escalation: "phase-build-1",
      gates: [
        {
          gate: "registry",
          status: "fail",
          detail: "`bash check-registry.sh` exited 1",
          command: {
            exitCode: 1,
            log: "phases/build/logs/check-1-registry.log",
            excerpt: "error: command name registered twice: deploy",
          },
        },
      ],
    });
    // The gate ran on the base with both merges, the last of them at its tip.
    const mergesBefore = events.filter((event) => event.seq < failed.seq);
    expect(
      mergesBefore.flatMap((event) => (event.type === "merge.completed" ? [event.workstream] : [])).sort(),
    ).toEqual(["deploy-a", "deploy-b"]);
    expect(failed.type === "phase.failed" && failed.base_sha).toBe(lastMergeCommit(mergesBefore));
    expect(campaign.startedWith("docs")).toEqual(["a.cmd", "b.cmd", "core.cmd"]);
    expect(
      events
        .filter((event) => event.type === "phase.passed")
        .map((event) => event.type === "phase.passed" && event.phase),
    ).toEqual(["polish"]);

    const report = await workspace.supervise(["report", "--format", "md"]);
    expect(report.stdout).toContain("| build | waived by");
    expect(report.stdout).toContain("| polish | passed |");
  });
});
