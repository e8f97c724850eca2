/**
 * Which workstreams may start now: dependencies, concurrency, `--only` and canary rollout.
 * Pure: it reads states and the plan, and the supervisor acts on its answer.
 */
import type { Plan } from "../plan/index.ts";
import { activeStatuses, terminalStatuses, type WorkstreamState } from "./workstream-state.ts";

export interface ScheduleOptions {
  /** Only these workstreams run (`--only`); undefined means all. */
  only: ReadonlySet<string> | undefined;
  concurrency: number;
}

export interface ScheduleDecision {
  /** Start these now, in plan order. */
  start: string[];
  /** These can never start; block them with the reason. */
  block: { workstream: string; reason: string }[];
}

export function isSelected(workstreamId: string, options: ScheduleOptions): boolean {
  return options.only === undefined || options.only.has(workstreamId);
}

export function decideSchedule(
  plan: Plan,
  states: ReadonlyMap<string, WorkstreamState>,
  options: ScheduleOptions,
): ScheduleDecision {
  const statusOf = (id: string) => states.get(id)?.status ?? "pending";
  const selected = plan.workstreams.filter((workstream) => isSelected(workstream.id, options));
  const block: ScheduleDecision["block"] = [];
  const ready: string[] = [];

  for (const workstream of selected) {
    if (statusOf(workstream.id) !== "pending") continue;
    const failedDependency = workstream.dependsOn.find((dependency) => {
      const status = statusOf(dependency);
      return terminalStatuses.has(status) && status !== "accepted";
    });
    if (failedDependency !== undefined) {
      block.push({
        workstream: workstream.id,
        reason: `depends on ${failedDependency}, which ended ${statusOf(failedDependency)}`,
      });
      continue;
    }
    const unreachableDependency = workstream.dependsOn.find(
      (dependency) => !isSelected(dependency, options) && statusOf(dependency) !== "accepted",
    );
    if (unreachableDependency !== undefined) {
      block.push({
        workstream: workstream.id,
        reason: `depends on ${unreachableDependency}, which is not in --only and not accepted`,
      });
      continue;
    }
    if (workstream.dependsOn.every((dependency) => statusOf(dependency) === "accepted"))
      ready.push(workstream.id);
  }

  const canary = canaryGate(plan, selected, statusOf);
  if (canary.kind === "failed") {
    for (const workstream of selected) {
      if (workstream.id !== canary.workstream && statusOf(workstream.id) === "pending") {
        if (!block.some((entry) => entry.workstream === workstream.id)) {
          block.push({
            workstream: workstream.id,
            reason: `canary ${canary.workstream} was not accepted (${statusOf(canary.workstream)}), so the rollout stopped`,
          });
        }
      }
    }
    return { start: [], block };
  }

  const activeCount = selected.filter((workstream) => activeStatuses.has(statusOf(workstream.id))).length;
  let slots = Math.max(0, options.concurrency - activeCount);
  if (canary.kind === "in_flight") slots = 0;
  else if (canary.kind === "not_started") slots = Math.min(slots, 1);
  return { start: ready.slice(0, slots), block };
}

type CanaryGate =
  | { kind: "off" }
  | { kind: "not_started" }
  | { kind: "in_flight"; workstream: string }
  | { kind: "failed"; workstream: string }
  | { kind: "passed" };

/**
 * Canary rollout: "sequential first, parallel second". The first workstream to start is the
 * canary; nothing else starts until it is accepted, and if it ends otherwise the rollout stops.
 */
function canaryGate(
  plan: Plan,
  selected: Plan["workstreams"],
  statusOf: (id: string) => WorkstreamState["status"],
): CanaryGate {
  if (plan.rollout !== "canary") return { kind: "off" };
  if (selected.some((workstream) => statusOf(workstream.id) === "accepted")) return { kind: "passed" };
  const started = selected.find((workstream) => statusOf(workstream.id) !== "pending");
  if (!started) return { kind: "not_started" };
  const status = statusOf(started.id);
  if (terminalStatuses.has(status)) return { kind: "failed", workstream: started.id };
  return { kind: "in_flight", workstream: started.id };
}

/** The schedule as waves by dependency, for `--dry-run`: wave k holds what waits only on waves < k. */
export function dependencyWaves(plan: Plan, options: Pick<ScheduleOptions, "only">): string[][] {
  const selected = plan.workstreams.filter(
    (workstream) => options.only === undefined || options.only.has(workstream.id),
  );
  const waveOf = new Map<string, number>();
  const byId = new Map(plan.workstreams.map((workstream) => [workstream.id, workstream]));
  const compute = (id: string): number => {
    const known = waveOf.get(id);
    if (known !== undefined) return known;
    const dependencies = byId.get(id)?.dependsOn ?? [];
    // Plans are validated acyclic before scheduling, so this recursion terminates.
    const wave = dependencies.length === 0 ? 0 : 1 + Math.max(...dependencies.map(compute));
    waveOf.set(id, wave);
    return wave;
  };
  const waves: string[][] = [];
  for (const workstream of selected) {
    const wave = compute(workstream.id);
    while (waves.length <= wave) waves.push([]);
    waves[wave]!.push(workstream.id);
  }
  return waves.filter((wave) => wave.length > 0);
}
