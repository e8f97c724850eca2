/**
 * Which workstreams may start now: dependencies, phases, concurrency, `--only` and canary rollout;
 * and which phases' gates are due. Pure: it reads states and the plan, and the supervisor acts on
 * its answer.
 */
import type { Plan } from "../plan/index.ts";
import { isPhaseOpenToNext, type PhaseState } from "./phase-state.ts";
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
  /** Phases whose workstreams are all accepted and whose gates have yet to run on the integrated base. */
  checkPhases: string[];
}

export function isSelected(workstreamId: string, options: ScheduleOptions): boolean {
  return options.only === undefined || options.only.has(workstreamId);
}

export function decideSchedule(
  plan: Plan,
  states: ReadonlyMap<string, WorkstreamState>,
  options: ScheduleOptions,
  phases: ReadonlyMap<string, PhaseState> = new Map(),
): ScheduleDecision {
  const statusOf = (id: string) => states.get(id)?.status ?? "pending";
  const selected = plan.workstreams.filter((workstream) => isSelected(workstream.id, options));
  const block: ScheduleDecision["block"] = [];
  const ready: string[] = [];
  const { barrierBefore, checkPhases } = phaseBarriers(plan, statusOf, options, phases);

  for (const workstream of selected) {
    if (statusOf(workstream.id) !== "pending") continue;
    const barrier = workstream.phase === undefined ? open : barrierBefore.get(workstream.phase)!;
    if (barrier.kind === "blocked") {
      block.push({ workstream: workstream.id, reason: barrier.reason });
      continue;
    }
    if (barrier.kind === "waiting") continue;
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
    return { start: [], block, checkPhases };
  }

  const activeCount = selected.filter((workstream) => activeStatuses.has(statusOf(workstream.id))).length;
  let slots = Math.max(0, options.concurrency - activeCount);
  if (canary.kind === "in_flight") slots = 0;
  else if (canary.kind === "not_started") slots = Math.min(slots, 1);
  return { start: ready.slice(0, slots), block, checkPhases };
}

/** What the earlier phases mean for a workstream of this one: it may start, must wait, or never can. */
type PhaseBarrier = { kind: "open" } | { kind: "waiting" } | { kind: "blocked"; reason: string };
const open: PhaseBarrier = { kind: "open" };
const waiting: PhaseBarrier = { kind: "waiting" };

/**
 * Phases in order: a phase is through when every workstream of it is accepted and its gates
 * passed (or a human waived them); the first one that is not holds every later phase, and one that
 * never can be through blocks them with its reason.
 */
function phaseBarriers(
  plan: Plan,
  statusOf: (id: string) => WorkstreamState["status"],
  options: ScheduleOptions,
  phases: ReadonlyMap<string, PhaseState>,
): { barrierBefore: Map<string, PhaseBarrier>; checkPhases: string[] } {
  const barrierBefore = new Map<string, PhaseBarrier>();
  const checkPhases: string[] = [];
  let barrier = open;
  for (const phase of plan.phases) {
    barrierBefore.set(phase.name, barrier);
    if (barrier.kind !== "open") continue;
    const ended = phase.workstreams.find((id) => {
      const status = statusOf(id);
      return terminalStatuses.has(status) && status !== "accepted";
    });
    const unreachable = phase.workstreams.find(
      (id) => !isSelected(id, options) && statusOf(id) !== "accepted",
    );
    if (ended !== undefined) {
      barrier = {
        kind: "blocked",
        reason: `phase ${phase.name} cannot pass: its workstream ${ended} ended ${statusOf(ended)}`,
      };
    } else if (unreachable !== undefined) {
      barrier = {
        kind: "blocked",
        reason: `phase ${phase.name} cannot pass: its workstream ${unreachable} is not in --only and not accepted`,
      };
    } else if (!phase.workstreams.every((id) => statusOf(id) === "accepted")) {
      barrier = waiting;
    } else if (phase.gates.length > 0) {
      const gates = phases.get(phase.name);
      const status = gates?.status ?? "pending";
      if (isPhaseOpenToNext(status)) continue;
      if (status === "denied") {
        const who = gates?.decision?.decidedBy ?? "a human";
        barrier = {
          kind: "blocked",
          reason: `phase ${phase.name}'s gates failed on the integrated base and ${who} denied going on (escalation ${gates?.escalation})`,
        };
      } else {
        if (status === "pending") checkPhases.push(phase.name);
        barrier = waiting;
      }
    }
  }
  return { barrierBefore, checkPhases };
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

/**
 * The schedule as waves, for `--dry-run`: wave k holds what waits only on waves < k, by dependency
 * and by phase (a phase's first wave comes after every wave of the phases before it).
 */
export function dependencyWaves(plan: Plan, options: Pick<ScheduleOptions, "only">): string[][] {
  const selected = plan.workstreams.filter(
    (workstream) => options.only === undefined || options.only.has(workstream.id),
  );
  const waveOf = new Map<string, number>();
  const byId = new Map(plan.workstreams.map((workstream) => [workstream.id, workstream]));
  const phaseIndex = new Map(plan.phases.map((phase, index) => [phase.name, index]));
  const phaseStart = (index: number): number => {
    const earlier = plan.phases.slice(0, index).flatMap((phase) => phase.workstreams);
    return earlier.length === 0 ? 0 : 1 + Math.max(...earlier.map(compute));
  };
  const compute = (id: string): number => {
    const known = waveOf.get(id);
    if (known !== undefined) return known;
    const workstream = byId.get(id);
    const dependencies = workstream?.dependsOn ?? [];
    const phase = workstream?.phase === undefined ? undefined : phaseIndex.get(workstream.phase);
    // Plans are validated acyclic, and depend on no later phase, so this recursion terminates.
    const wave = Math.max(
      dependencies.length === 0 ? 0 : 1 + Math.max(...dependencies.map(compute)),
      phase === undefined || phase === 0 ? 0 : phaseStart(phase),
    );
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
