/**
 * The base branch's health as the journal records it, folded from `base.*` events: every
 * observation after a landing (for the bundles and the report), the landings since the base was
 * last green, and the hold a red base puts on merges until a human decides or the base is green.
 */
import type { JournalEventOf } from "./events.ts";

export type BaseObservation = Omit<JournalEventOf<"base.observed">, "seq" | "type" | "workstream">;

export interface BaseHold {
  escalation: string;
  /** The red base commit. */
  baseSha: string;
  landings: BaseObservation["landings_since_green"];
  /** A human denied: merges stay held for the rest of the run. */
  isDenied: boolean;
}

export interface BaseState {
  observations: BaseObservation[];
  hold: BaseHold | null;
  /** Red observations so far: numbers the escalations `base-red-<n>`. */
  redCount: number;
}

export function initialBaseState(): BaseState {
  return { observations: [], hold: null, redCount: 0 };
}

/** Folds one base event in (mutating, as the workstreams' fold does). */
export function applyBaseEvent(
  base: BaseState,
  event: JournalEventOf<"base.observed" | "base.decided">,
): void {
  if (event.type === "base.decided") {
    if (base.hold?.escalation !== event.escalation) return;
    if (event.decision === "approve") base.hold = null;
    else if (event.decision === "deny") base.hold.isDenied = true;
    return;
  }
  const { seq: _seq, type: _type, workstream: _workstream, ...observation } = event;
  base.observations.push(observation);
  if (event.state === "success") base.hold = null;
  if (event.state === "failure" && event.escalation !== undefined) {
    base.redCount += 1;
    base.hold = {
      escalation: event.escalation,
      baseSha: event.base_sha,
      landings: event.landings_since_green,
      isDenied: false,
    };
  }
}

/** The landings since the last green observation (oldest first); all of them when none was green. */
export function landingsSinceGreen(base: BaseState): BaseObservation["landings_since_green"] {
  const lastGreen = base.observations.findLastIndex((observation) => observation.state === "success");
  return base.observations.slice(lastGreen + 1).map((observation) => ({
    workstream: observation.landed_by,
    pull_request: observation.pull_request,
    commit: observation.landed_commit,
  }));
}
