/**
 * A plan gate's `playbooks:` name playbooks by id. Which ids exist is known only once the playbook
 * folders are read (monitor/ reads them), so the caller hands the ids in; each unknown one is a
 * problem at its own place in the plan, with the closest id when one is near.
 */
import { didYouMean } from "../closest-match.ts";
import type { PlanProblem } from "../errors.ts";
import { type PlanLocator, problemAt } from "./plan-locator.ts";
import type { Plan } from "./schema.ts";

export function checkGatePlaybooks(
  plan: Pick<Plan, "gates">,
  locate: PlanLocator,
  playbookIds: readonly string[],
): PlanProblem[] {
  return Object.values(plan.gates).flatMap((gate) =>
    gate.playbooks.flatMap((id, index) =>
      playbookIds.includes(id)
        ? []
        : [
            problemAt(
              locate,
              ["gates", gate.name, "playbooks", index],
              `unknown playbook "${id}"${didYouMean(id, playbookIds)}; playbooks are ${[...playbookIds].sort().join(", ")}`,
            ),
          ],
    ),
  );
}
