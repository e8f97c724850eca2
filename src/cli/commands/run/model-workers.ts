/**
 * The model workers and reviewers of a run, loaded only when the plan has one (or `--record`):
 * the clients (the Messages API or a replay), one launcher per model workstream, the reviewers,
 * and the `--record` recorders.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import type Anthropic from "@anthropic-ai/sdk";
import type { WorkerLauncher } from "../../../agent/index.ts";
import { createModelWorkerLauncher } from "../../../agent/model/index.ts";
import { systemClock } from "../../../clock.ts";
import type { Reviewer } from "../../../evidence/index.ts";
import { createAnthropicClient, createReplayClientFor } from "../../../model/client/index.ts";
import {
  type Cassette,
  createCassetteRecorder,
  loadCassette,
  type PricingTable,
  type TranscriptWriter,
  type TurnRecorder,
} from "../../../model/index.ts";
import type { Playbook } from "../../../monitor/index.ts";
import { isCliAgent, type Plan } from "../../../plan/index.ts";
import { isGateEvent, type JournalEvent } from "../../../run/index.ts";
import type { Redactor } from "../../../sandbox/index.ts";
import type { ModelInputs } from "./model-inputs.ts";

/** The launchers of the model workstreams and the reviewers of those whose `done` has `review`. */
export async function createModelWorkers(input: {
  plan: Plan;
  environment: NodeJS.ProcessEnv;
  inputs: ModelInputs;
  recordedEvents: readonly JournalEvent[];
  playbooks: readonly Playbook[];
  transcriptFor: (id: string) => TranscriptWriter;
  redact: Redactor;
  pricing: PricingTable;
  isResume: boolean;
}): Promise<{ launchers: Map<string, WorkerLauncher>; reviewers: Map<string, Reviewer> }> {
  const { plan, environment, inputs, recordedEvents } = input;
  const clients = createModelClients(plan, environment, inputs.cassettes, recordedEvents, input.playbooks);
  const recorders =
    inputs.recordDirectory === undefined
      ? new Map<string, TurnRecorder>()
      : await createRecorders(plan, inputs.recordDirectory, input.redact, input.isResume);
  return {
    launchers: createModelLaunchers(plan, clients, input.transcriptFor, {
      pricing: input.pricing,
      recorders,
    }),
    reviewers: createReviewers(plan, environment, inputs.reviewerCassettes, recordedEvents),
  };
}

function createModelClients(
  plan: Plan,
  environment: NodeJS.ProcessEnv,
  cassettes: Map<string, Cassette>,
  recordedEvents: readonly JournalEvent[],
  playbooks: readonly Playbook[],
): Map<string, Anthropic> {
  const clients = new Map<string, Anthropic>();
  const interventionTitles = new Map(playbooks.map((playbook) => [playbook.id, playbook.title]));
  let anthropic: Anthropic | undefined;
  for (const workstream of plan.workstreams) {
    const agent = workstream.agent;
    const cassette = cassettes.get(workstream.id);
    if (agent.provider === "replay" && cassette) {
      const startTurn = recordedEvents.filter(
        (event) => event.type === "worker.usage" && event.workstream === workstream.id,
      ).length;
      clients.set(
        workstream.id,
        createReplayClientFor(cassette, basename(agent.cassette), { startTurn, interventionTitles }),
      );
    } else if (agent.provider === "anthropic") {
      anthropic ??= createAnthropicClient({
        apiKey: environment.ANTHROPIC_API_KEY,
        baseURL: environment.ANTHROPIC_BASE_URL || undefined,
      });
      clients.set(workstream.id, anthropic);
    }
  }
  return clients;
}

function createModelLaunchers(
  plan: Plan,
  clients: Map<string, Anthropic>,
  transcriptFor: (id: string) => TranscriptWriter,
  shared: { pricing: PricingTable; recorders: Map<string, TurnRecorder> },
): Map<string, WorkerLauncher> {
  const launchers = new Map<string, WorkerLauncher>();
  for (const workstream of plan.workstreams) {
    const agent = workstream.agent;
    const client = clients.get(workstream.id);
    if (isCliAgent(agent) || !client) continue;
    launchers.set(
      workstream.id,
      createModelWorkerLauncher({
        client,
        model: agent.model,
        maxTokens: agent.provider === "anthropic" ? agent.max_tokens : 16_000,
        transcriptFor,
        clock: systemClock,
        pricing: shared.pricing,
        contextBudgetTokens: agent.context_budget_tokens,
        thinkingBudgetTokens: agent.thinking?.budget_tokens,
        recorder: shared.recorders.get(workstream.id),
      }),
    );
  }
  return launchers;
}

/**
 * The reviewer of each workstream whose `done` has `review`: a separate model from the worker.
 * A replayed reviewer resumes at the review turns the journal already used.
 */
function createReviewers(
  plan: Plan,
  environment: NodeJS.ProcessEnv,
  cassettes: Map<string, Cassette>,
  recordedEvents: readonly JournalEvent[],
): Map<string, Reviewer> {
  const reviewers = new Map<string, Reviewer>();
  let anthropic: Anthropic | undefined;
  for (const workstream of plan.workstreams) {
    if (!workstream.done.includes("review")) continue;
    const reviewer = workstream.reviewer;
    let client: Anthropic;
    const cassette = cassettes.get(workstream.id);
    if (reviewer.provider === "replay" && cassette) {
      const startTurn = recordedEvents.filter(
        (event) =>
          isGateEvent(event) &&
          event.workstream === workstream.id &&
          event.gate === "review" &&
          typeof event.observed.request_id === "string",
      ).length;
      client = createReplayClientFor(cassette, basename(reviewer.cassette), { startTurn });
    } else {
      anthropic ??= createAnthropicClient({
        apiKey: environment.ANTHROPIC_API_KEY,
        baseURL: environment.ANTHROPIC_BASE_URL || undefined,
      });
      client = anthropic;
    }
    reviewers.set(workstream.id, {
      client,
      model: reviewer.model,
      maxTokens: reviewer.provider === "anthropic" ? reviewer.max_tokens : 4096,
      diffLimitBytes: reviewer.diff_limit_bytes,
    });
  }
  return reviewers;
}

/** A resumed run appends to what it recorded before; any other run starts its cassettes afresh. */
async function createRecorders(
  plan: Plan,
  directory: string,
  redact: Redactor,
  isResume: boolean,
): Promise<Map<string, TurnRecorder>> {
  await mkdir(directory, { recursive: true });
  const recorders = new Map<string, TurnRecorder>();
  for (const workstream of plan.workstreams) {
    if (workstream.agent.provider !== "anthropic") continue;
    const file = join(directory, `${workstream.id}.yaml`);
    const earlierTurns = isResume && existsSync(file) ? loadCassette(file).turns : [];
    recorders.set(
      workstream.id,
      createCassetteRecorder({ file, workstreamId: workstream.id, redact, earlierTurns }),
    );
  }
  return recorders;
}
