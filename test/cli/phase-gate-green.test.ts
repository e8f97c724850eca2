/** The control: phase build's gate passes on the integrated base, and phase polish starts from that base. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPhasedCampaign, lastMergeCommit, type PhasedCampaign } from "../fakes/phased-campaign.ts";

let campaign: PhasedCampaign;
let workspace: PhasedCampaign["workspace"];
beforeEach(() => {
  campaign = createPhasedCampaign("ship");
  workspace = campaign.workspace;
});
afterEach(() => workspace.cleanup());

describe("phases", () => {
  it("starts the next phase from the integrated base once the phase gate passes", async () => {
    const result = await workspace.supervise(["plan.yaml", "--json"]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    const events = await campaign.events();
    const passed = events.filter((event) => event.type === "phase.passed");
    expect(
      passed.map(
        (event) =>
          event.type === "phase.passed" && [
            event.phase,
            event.gates.map((gate) => `${gate.gate}: ${gate.status}`),
          ],
      ),
    ).toEqual([
      ["build", ["registry: pass"]],
      ["polish", ["docs-present: pass"]],
    ]);
    const build = passed[0]!;
    const docsCheckout = events.find(
      (event) => event.type === "checkout.created" && event.workstream === "docs",
    )!;
    const buildMerges = events.filter(
      (event) => event.type === "merge.completed" && event.workstream !== "docs",
    );
    expect(build.type === "phase.passed" && build.base_sha).toBe(lastMergeCommit(buildMerges));
    expect(docsCheckout.type === "checkout.created" && docsCheckout.base_sha).toBe(
      build.type === "phase.passed" && build.base_sha,
    );
    expect(docsCheckout.seq).toBeGreaterThan(build.seq);
    expect(campaign.startedWith("docs")).toEqual(["a.cmd", "b.cmd", "core.cmd"]);
    expect(events.some((event) => event.type.startsWith("escalation."))).toBe(false);

    const status = await workspace.supervise(["status"]);
    expect(status.stdout).toMatch(/build\s+passed/);
  });
});
