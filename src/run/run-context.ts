/**
 * What the parts of a run share: the dependencies, the folded state, and the one way to change it
 * (`record`: journal first, then fold). The supervisor, the escalation flow, the claim verifier
 * and `Monitoring` (which applies the monitor's decisions) each hold this object instead of
 * reaching into each other; the monitor itself holds none of it and only reads what it is passed.
 */

import type { Workstream } from "../plan/index.ts";
import type { JournalEventData, JournalEventOf, JournalEventType } from "./events.ts";
import type { SupervisorDependencies } from "./supervisor-dependencies.ts";
import {
  applyEvent,
  foldEvents,
  InvalidTransitionError,
  type RunState,
  transitionFor,
  type WorkstreamState,
} from "./workstream-state.ts";

export class RunContext {
  readonly dependencies: SupervisorDependencies;
  readonly state: RunState;
  /** Per workstream: aborts its current worker when the workstream ends or the run stops. */
  readonly workerControllers = new Map<string, AbortController>();
  /** Playbook guidance waiting for a running worker's next tool result. */
  private readonly pendingToolMessages = new Map<string, string[]>();
  /** Stops every worker and wait of this run: on Ctrl-C, or when --no-wait finds only humans left to wait for. */
  readonly stopController = new AbortController();
  /** Resolved and replaced whenever the schedule loop should look again (an escalation opened). */
  private wake: { promise: Promise<void>; resolve: () => void } = Promise.withResolvers<void>();

  constructor(dependencies: SupervisorDependencies) {
    this.dependencies = dependencies;
    this.state = foldEvents(
      dependencies.plan.workstreams.map((workstream) => workstream.id),
      dependencies.recordedEvents,
    );
  }

  get stopSignal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Journals one event (its data type-checked against the event's schema), then folds it in. */
  async record<Type extends JournalEventType>(
    type: Type,
    workstream: string | null,
    data: JournalEventData<Type>,
  ): Promise<JournalEventOf<Type>> {
    const transition = transitionFor(type);
    if (workstream !== null && transition) {
      // Checked before writing: an event the state machine would refuse must never reach the
      // journal, or no resume (and no status, evidence or report) could fold it again.
      const status = this.state.workstreams.get(workstream)?.status ?? "pending";
      if (!transition.from.includes(status)) throw new InvalidTransitionError(workstream, status, type);
    }
    const event = await this.dependencies.journal.append(type, workstream, data);
    applyEvent(this.state, event);
    this.dependencies.onEvent(event);
    return event;
  }

  workstreamState(id: string): WorkstreamState {
    const state = this.state.workstreams.get(id);
    if (!state) throw new Error(`unknown workstream ${id}`);
    return state;
  }

  statusOf(id: string): WorkstreamState["status"] {
    return this.workstreamState(id).status;
  }

  workstreamOf(id: string): Workstream {
    const workstream = this.dependencies.plan.workstreams.find((candidate) => candidate.id === id);
    if (!workstream) throw new Error(`unknown workstream ${id}`);
    return workstream;
  }

  /** A promise that resolves the next time something should make the schedule loop look again. */
  get woken(): Promise<void> {
    return this.wake.promise;
  }

  wakeLoop(): void {
    const current = this.wake;
    this.wake = Promise.withResolvers<void>();
    current.resolve();
  }

  queueToolMessage(workstreamId: string, text: string): void {
    const queue = this.pendingToolMessages.get(workstreamId) ?? [];
    queue.push(text);
    this.pendingToolMessages.set(workstreamId, queue);
  }

  takeToolMessages(workstreamId: string): string[] {
    return this.pendingToolMessages.get(workstreamId)?.splice(0) ?? [];
  }

  /** HEAD and uncommitted paths of a checkout, read by the supervisor itself. */
  readCheckout(checkoutPath: string): () => Promise<{ head: string; uncommittedChanges: string[] }> {
    const checkouts = this.dependencies.checkouts;
    return () => checkouts.readCheckout(checkoutPath);
  }
}
