/** `--dry-run`: the plan checked and its schedule printed; nothing is created, not even the state dir. */
import { dependencyWaves } from "../../../run/index.ts";
import type { Output } from "../../output.ts";
import { isSelected, type RunRequest } from "./run-request.ts";

export function printDryRun(request: RunRequest, output: Output): void {
  const { plan, only, concurrency } = request;
  const waves = dependencyWaves(plan, { only });
  const selected = plan.workstreams.filter((workstream) => isSelected(only, workstream.id));
  if (request.wantsJson) {
    output.out(
      `${JSON.stringify({
        plan: plan.file,
        name: plan.name,
        concurrency,
        rollout: plan.rollout,
        waves,
        workstreams: selected.map((workstream) => ({
          id: workstream.id,
          depends_on: workstream.dependsOn,
          phase: workstream.phase ?? null,
          done: workstream.done,
          agent: workstream.agent.provider,
          commands: workstream.commands,
        })),
        phases: plan.phases.map((phase) => ({
          name: phase.name,
          workstreams: phase.workstreams,
          gates: phase.gates.map((gate) => ({ name: gate.name, run: gate.run })),
        })),
      })}\n`,
    );
    return;
  }
  const lines = [
    `Plan ${plan.name} (${plan.file}): ${selected.length} workstream(s), concurrency ${concurrency}, rollout ${plan.rollout}.`,
    `Repository ${plan.repo}, base ${plan.base}, forge ${plan.forge.kind}. Nothing was created (--dry-run).`,
    "",
  ];
  waves.forEach((wave, index) => {
    lines.push(`Wave ${index + 1}:`);
    for (const id of wave) {
      const workstream = selected.find((candidate) => candidate.id === id)!;
      const after = workstream.dependsOn.length > 0 ? ` (after ${workstream.dependsOn.join(", ")})` : "";
      const phase = workstream.phase === undefined ? "" : ` [phase ${workstream.phase}]`;
      lines.push(`  ${id}${phase}${after} — ${workstream.agent.provider} worker`);
      lines.push(`    done when: ${workstream.done.join(", ")}`);
    }
  });
  if (plan.phases.length > 0) {
    lines.push(
      "",
      "Phases, in order (a phase starts once every workstream of the earlier ones is accepted and their gates passed on the integrated base):",
    );
    plan.phases.forEach((phase, index) => {
      lines.push(`  ${index + 1}. ${phase.name}: ${phase.workstreams.join(", ") || "no workstreams"}`);
      if (phase.gates.length === 0) lines.push("     gates: none");
      for (const gate of phase.gates) lines.push(`     gate ${gate.name}: ${gate.run}`);
    });
  }
  if (plan.rollout === "canary" && waves[0]?.[0]) {
    lines.push("", `Canary: ${waves[0][0]} must be accepted before any other workstream starts.`);
  }
  output.out(`${lines.join("\n")}\n`);
}
