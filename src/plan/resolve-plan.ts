/**
 * A validated document → the Plan the run uses: paths made absolute, names defaulted, and each
 * workstream's settings merged (workstream over plan defaults over built-in defaults). Pure.
 */
import path from "node:path";
import type { BuiltInGateId } from "./built-in-gates.ts";
import {
  type AgentConfig,
  type BudgetConfig,
  builtInDefaults,
  type CommandsConfig,
  defaultReviewer,
  type Phase,
  type PhaseGate,
  type Plan,
  type PlanDocument,
  type PlanGate,
  type ReviewerConfig,
  type StallConfig,
  type Workstream,
} from "./schema.ts";

type PlanWorkstream = PlanDocument["workstreams"][number];

/** `file` should be absolute; a relative one is resolved against the current directory. */
export function resolvePlan(document: PlanDocument, file: string): Plan {
  const planFile = path.resolve(file);
  const planDirectory = path.dirname(planFile);
  const gates = resolveGates(document.gates);
  return {
    file: planFile,
    name: document.name ?? path.basename(planFile, path.extname(planFile)),
    repo: path.resolve(planDirectory, document.repo),
    base: document.base,
    forge: document.forge,
    concurrency: document.concurrency,
    rollout: document.rollout,
    sandbox: { ...document.sandbox },
    notify: document.notify === undefined ? undefined : { ...document.notify },
    hosts:
      document.hosts === undefined
        ? undefined
        : { queue: document.hosts.queue, listen: document.hosts.listen, advertise: document.hosts.advertise },
    secrets: [...document.secrets],
    playbooks: document.playbooks === undefined ? undefined : path.resolve(planDirectory, document.playbooks),
    gates,
    phases: resolvePhases(document, gates),
    workstreams: document.workstreams.map((workstream) =>
      resolveWorkstream(workstream, document, planDirectory, gates),
    ),
  };
}

function resolveWorkstream(
  workstream: PlanWorkstream,
  document: PlanDocument,
  planDirectory: string,
  gates: Record<string, PlanGate>,
): Workstream {
  const { defaults } = document;
  const done = [...(workstream.done ?? defaults.done ?? builtInDoneFor(workstream.issue))];
  return {
    id: workstream.id,
    branch: `supervise/${workstream.id}`,
    issue: workstream.issue,
    goal: workstream.goal,
    brief: workstream.brief,
    dependsOn: [...workstream.depends_on],
    hostLabels: [...new Set(workstream.host?.labels ?? [])].sort(),
    kind: workstream.kind ?? "change",
    ...(ciWaitMinutesOf(workstream, document) === undefined
      ? {}
      : { ciWaitMinutes: ciWaitMinutesOf(workstream, document) }),
    phase: workstream.phase,
    // An agent is one coherent choice (provider and its settings), so a workstream's replaces the plan's.
    agent: resolveAgent(workstream.agent ?? document.agent, planDirectory),
    commands: mergeCommands(builtInDefaults.commands, defaults.commands, workstream.commands),
    budget: mergeFields<BudgetConfig>(builtInDefaults.budget, defaults.budget, workstream.budget),
    stall: mergeFields<StallConfig>(builtInDefaults.stall, defaults.stall, workstream.stall),
    done,
    commandGates: Object.fromEntries(
      done.filter((name) => gates[name] !== undefined).map((name) => [name, gates[name]!]),
    ),
    reviewer: resolveReviewer(workstream.reviewer ?? document.reviewer ?? defaultReviewer, planDirectory),
    ...(document.mutation === undefined
      ? {}
      : {
          mutation: {
            minKilled: document.mutation.min_killed,
            maxMinutes: document.mutation.max_minutes,
            maxMutants: document.mutation.max_mutants,
          },
        }),
  };
}

/**
 * The built-in definition of done asks for issue_closed only where there is an issue to close: a
 * plan that never chose its gates should not fail validation for a gate it never asked for.
 */
export function builtInDoneFor(issue: number | undefined): BuiltInGateId[] {
  return issue === undefined
    ? builtInDefaults.done.filter((gate) => gate !== "issue_closed")
    : [...builtInDefaults.done];
}

function resolveGates(gates: PlanDocument["gates"]): Record<string, PlanGate> {
  return Object.fromEntries(
    Object.entries(gates).map(([name, gate]) => [
      name,
      {
        name,
        run: gate.run,
        fixHint: gate.fix_hint,
        timeoutMinutes: gate.timeout_minutes,
        playbooks: gate.playbooks ?? [],
        metric:
          gate.metric === undefined || gate.max_regression === undefined
            ? undefined
            : { pattern: gate.metric, maxRegressionPercent: gate.max_regression },
      },
    ]),
  );
}

/** A phase gate's default timeout: it checks the integrated work of many workstreams, not one claim. */
const defaultPhaseGateMinutes = 60;

/** The phases in the order of the `phases` map, or else as workstreams first name them. */
export function phaseOrder(document: Pick<PlanDocument, "phases" | "workstreams">): string[] {
  const named = document.workstreams.flatMap((workstream) =>
    workstream.phase === undefined ? [] : [workstream.phase],
  );
  return [...new Set([...Object.keys(document.phases ?? {}), ...named])];
}

function resolvePhases(document: PlanDocument, gates: Record<string, PlanGate>): Phase[] {
  return phaseOrder(document).map((name) => ({
    name,
    workstreams: document.workstreams
      .filter((workstream) => workstream.phase === name)
      .map((workstream) => workstream.id),
    // A name no gate defines is a rule's problem (knownPhaseGates); resolution runs regardless.
    gates: (document.phases?.[name]?.gates ?? []).flatMap((gate, index): PhaseGate[] => {
      if (typeof gate !== "string") {
        return [
          {
            name: gate.name ?? `${name}-${index + 1}`,
            run: gate.run,
            timeoutMinutes: gate.timeout_minutes ?? defaultPhaseGateMinutes,
          },
        ];
      }
      const defined = gates[gate];
      if (defined === undefined) return [];
      return [
        { name: gate, run: defined.run, timeoutMinutes: defined.timeoutMinutes ?? defaultPhaseGateMinutes },
      ];
    }),
  }));
}

function resolveReviewer(reviewer: ReviewerConfig, planDirectory: string): ReviewerConfig {
  if (reviewer.provider === "replay")
    return { ...reviewer, cassette: path.resolve(planDirectory, reviewer.cassette) };
  return { ...reviewer };
}

function resolveAgent(agent: AgentConfig, planDirectory: string): AgentConfig {
  if (agent.provider === "replay") return { ...agent, cassette: path.resolve(planDirectory, agent.cassette) };
  return { ...agent };
}

/** Field by field, later layers win; a field a layer leaves out falls through to the one below. */
function mergeFields<Config extends object>(...layers: (Partial<Config> | undefined)[]): Config {
  const merged: Partial<Config> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value !== undefined) merged[key as keyof Config] = value as Config[keyof Config];
    }
  }
  return merged as Config;
}

type CommandsLayer = { [Name in keyof CommandsConfig]?: string | null };

/** Like mergeFields, but null removes a command (the gate rules have made sure no gate needs it). */
function mergeCommands(...layers: (CommandsLayer | undefined)[]): CommandsConfig {
  const merged = mergeFields<CommandsLayer>(...layers);
  const commands: CommandsConfig = {};
  for (const name of ["check", "build", "ci"] as const) {
    const command = merged[name];
    if (typeof command === "string") commands[name] = command;
  }
  return commands;
}

function ciWaitMinutesOf(workstream: PlanWorkstream, document: PlanDocument): number | undefined {
  return workstream.ci_wait_minutes ?? document.forge.ci_wait_minutes;
}
