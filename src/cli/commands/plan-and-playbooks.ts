/**
 * The plan and the playbooks it runs with, read together: a plan gate's `playbooks:` must name a
 * playbook that exists, and a playbook's gate triggers must name a gate the plan can use.
 */
import { loadPlanPlaybooks, type Playbook } from "../../monitor/index.ts";
import { loadPlan, type Plan } from "../../plan/index.ts";

export async function loadPlanAndPlaybooks(
  file: string,
  cwd: string,
): Promise<{ plan: Plan; playbooks: Playbook[] }> {
  const plan = await loadPlan(file, {
    cwd,
    playbookIdsOf: async (candidate) => (await loadPlanPlaybooks(candidate)).map((playbook) => playbook.id),
  });
  return { plan, playbooks: await loadPlanPlaybooks(plan) };
}
