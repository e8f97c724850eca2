/**
 * A red phase gate with --no-wait: the run stops (exit 3) on the escalation; a denial made while no
 * supervisor runs is read on resume and blocks the later phase, and the gate is not run again.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPhasedCampaign, type PhasedCampaign } from "../fakes/phased-campaign.ts";

let campaign: PhasedCampaign;
let workspace: PhasedCampaign["workspace"];
beforeEach(() => {
  campaign = createPhasedCampaign("deploy");
  workspace = campaign.workspace;
});
afterEach(() => workspace.cleanup());

describe("phases", () => {
  it("with --no-wait stops on a red phase; a denial read on resume blocks the later phases without re-running the gate", async () => {
    const first = await workspace.supervise(["plan.yaml", "--no-wait"]);
    expect(first.exitCode, first.stdout + first.stderr).toBe(3);
    const deny = await workspace.supervise(["deny", "phase-build-1", "--note", "rename one first"]);
    expect(deny.exitCode, deny.stderr).toBe(0);

    const resumed = await workspace.supervise(["plan.yaml"]);
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).toBe(1);
    const events = await campaign.events();
    expect(events.filter((event) => event.type === "phase.failed")).toHaveLength(1);
    expect(events.find((event) => event.type === "phase.decided")).toMatchObject({
      phase: "build",
      decision: "deny",
      note: "rename one first",
    });
    expect(events.some((event) => event.type === "workstream.started" && event.workstream === "docs")).toBe(
      false,
    );
    const blocked = events.find((event) => event.type === "workstream.blocked");
    expect(blocked).toMatchObject({
      workstream: "docs",
      reason: expect.stringMatching(
        /^phase build's gates failed on the integrated base and \S+ denied going on \(escalation phase-build-1\)$/,
      ),
    });
    const status = await workspace.supervise(["status"]);
    expect(status.stdout).toMatch(/build\s+denied by \S+ \(phase-build-1\): later phases blocked/);
    expect(status.stdout).toContain("build: registry — `bash check-registry.sh` exited 1");
  });
});
