/**
 * The plan file's one source of truth: this zod schema is the TypeScript type, the validator and
 * (through `z.toJSONSchema`) the JSON Schema that `supervise schema` prints.
 */
import { z } from "zod";
import { hostPatternProblem } from "../sandbox/index.ts";
import { type BuiltInGateId, builtInGates, gateNamePattern } from "./built-in-gates.ts";

export const defaultModel = "claude-sonnet-5-5";

/** Fields of the supervisor's own model loop, live or replayed alike. */
const modelLoopFields = {
  thinking: z
    .strictObject({
      budget_tokens: z
        .number()
        .int()
        .min(1024)
        .describe("Tokens the model may think with per turn: at least 1024, and below max_tokens."),
    })
    .optional()
    .describe("Extended thinking, requested on every turn; thinking blocks are passed back unchanged."),
  context_budget_tokens: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Estimated conversation size past which old tool outputs are elided (oldest first, newest turns never); default 80% of a 200k-token context window.",
    ),
};

const anthropicAgentSchema = z
  .strictObject({
    provider: z
      .literal("anthropic")
      .describe("The supervisor's own tool-use loop over the Anthropic Messages API."),
    model: z.string().min(1).default(defaultModel).describe("Model id from the Messages API model list."),
    max_tokens: z.number().int().positive().default(16_000).describe("Output token cap per model turn."),
    ...modelLoopFields,
  })
  .refine((agent) => agent.thinking === undefined || agent.thinking.budget_tokens < agent.max_tokens, {
    message: "must be below max_tokens: thinking counts toward a turn's output",
    path: ["thinking", "budget_tokens"],
  });

const replayAgentSchema = z.strictObject({
  provider: z
    .literal("replay")
    .describe(
      "Model turns replayed from a recorded cassette: no API key, no cost spent (shown as simulated).",
    ),
  cassette: z.string().min(1).describe("Path of the cassette (recorded model turns), relative to the plan."),
  model: z
    .string()
    .min(1)
    .default(defaultModel)
    .describe("The model the cassette was recorded with; prices its replayed turns (as simulated cost)."),
  ...modelLoopFields,
});

const commandAgentSchema = z.strictObject({
  provider: z.literal("command").describe("Any CLI agent or script, run as a shell command."),
  command: z
    .string()
    .min(1)
    .describe("Shell command of a CLI agent; runs in the checkout with the worker prompt on stdin."),
});

/** Claude Code and Codex, with the command line, MCP configuration and tool permissions built in. */
const presetFields = {
  model: z
    .string()
    .min(1)
    .optional()
    .describe("The model the agent asks for (`--model` / `-m`); default the agent's own."),
  args: z
    .array(z.string())
    .default([])
    .describe("More arguments for the agent's command line, appended as given."),
  path: z
    .string()
    .min(1)
    .optional()
    .describe("The agent's executable; default the name (`claude`, `codex`) found on the supervisor's PATH."),
};

const claudeCodeAgentSchema = z
  .strictObject({
    provider: z.literal("claude-code").describe("Claude Code, run as `claude -p`."),
    ...presetFields,
  })
  .describe(
    "Claude Code (`claude -p`), reaching its worker tools through `supervise mcp` and its model through the run's gateway.",
  );

const codexAgentSchema = z
  .strictObject({ provider: z.literal("codex").describe("Codex, run as `codex exec`."), ...presetFields })
  .describe(
    "Codex (`codex exec`), reaching its worker tools through `supervise mcp` and its model through the run's gateway.",
  );

export const agentSchema = z
  .discriminatedUnion("provider", [
    anthropicAgentSchema,
    replayAgentSchema,
    commandAgentSchema,
    claudeCodeAgentSchema,
    codexAgentSchema,
  ])
  .describe(
    "The worker: the supervisor's own Anthropic loop, a replayed cassette, Claude Code, Codex, or any CLI agent.",
  );
export type AgentConfig = z.infer<typeof agentSchema>;

/** A worker that is a process of its own (a CLI agent), as opposed to the supervisor's model loop. */
export type CliAgentConfig = Extract<AgentConfig, { provider: "command" | "claude-code" | "codex" }>;

export function isCliAgent(agent: AgentConfig): agent is CliAgentConfig {
  return agent.provider === "command" || agent.provider === "claude-code" || agent.provider === "codex";
}

// null removes a built-in command (a project without a build step); a gate that needs it is then an error.
const commandSchema = z.string().min(1).nullable().optional();

function reviewerDiffLimit() {
  return z
    .number()
    .int()
    .positive()
    .default(100_000)
    .describe(
      "Bytes of the diff the reviewer reads at most; a larger diff is cut, and the reviewer told so.",
    );
}

export const reviewerSchema = z
  .discriminatedUnion("provider", [
    z.strictObject({
      provider: z.literal("anthropic").describe("A reviewer model called over the Anthropic Messages API."),
      model: z.string().min(1).default(defaultModel).describe("The reviewer's model id."),
      max_tokens: z
        .number()
        .int()
        .positive()
        .default(4096)
        .describe("Output token cap of the reviewer's answer."),
      diff_limit_bytes: reviewerDiffLimit(),
    }),
    z.strictObject({
      provider: z.literal("replay").describe("Reviewer turns replayed from a recorded cassette."),
      cassette: z.string().min(1).describe("Recorded reviewer turns, relative to the plan."),
      model: z
        .string()
        .min(1)
        .default(defaultModel)
        .describe("The model the reviewer cassette was recorded with."),
      diff_limit_bytes: reviewerDiffLimit(),
    }),
  ])
  .describe("The model that judges the diff for the `review` gate (a separate model from the worker).");
export type ReviewerConfig = z.infer<typeof reviewerSchema>;

export const commandsSchema = z
  .strictObject({
    check: commandSchema.describe("The local check (gate local_check); null for none."),
    build: commandSchema.describe("The release build (gate release_build); null for none."),
    ci: commandSchema.describe(
      "What CI runs in a fresh clone of the pushed commit (local forge); null for none.",
    ),
  })
  .describe("The shell commands the gates and the local forge's CI run; each may be null for none.");
/** Resolved commands: a command the plan set to null is absent here. */
export interface CommandsConfig {
  check?: string;
  build?: string;
  ci?: string;
}

const positiveInt = () => z.number().int().positive();

export const budgetSchema = z
  .strictObject({
    minutes: z.number().positive().optional().describe("Wall-clock minutes per workstream."),
    turns: positiveInt().optional().describe("Model turns (or command starts) per workstream."),
    tokens: positiveInt().optional().describe("Input + output tokens per workstream."),
    usd: z.number().positive().optional().describe("Model cost per workstream, in US dollars."),
  })
  .describe("Limits per workstream; reaching one asks a human whether to extend it.");
export type BudgetConfig = Required<z.infer<typeof budgetSchema>>;

export const stallSchema = z
  .strictObject({
    idle_seconds: positiveInt()
      .optional()
      .describe("Seconds without activity before the worker counts as idle."),
    repeat_limit: positiveInt().optional().describe("The same failing command this many times is a loop."),
    max_rejections: positiveInt().optional().describe("Rejected claims before the workstream is blocked."),
    max_restarts: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("Times a command worker is started again after it exits without an accepted claim."),
    ci_red_minutes: positiveInt()
      .optional()
      .describe("CI red on the same pull request head for this long is a stall signal."),
  })
  .describe("When a worker counts as stalled, and how many rejections and restarts it gets.");
export type StallConfig = Required<z.infer<typeof stallSchema>>;

/**
 * A built-in gate, or any name: whether a name is a gate the plan defines is a plan rule
 * (knownGatesInDone), which can say "did you mean" over both. Each built-in is listed with what it
 * checks, so an editor offers them.
 */
const gateNameInDone = z.union(
  [
    ...builtInGates.map((gate) => z.literal(gate.id).describe(gate.description)),
    z.string().min(1).describe("A gate the plan defines under `gates`."),
  ],
  { error: "expected a gate: a built-in one or one the plan defines under gates" },
);

export const doneSchema = z
  .array(gateNameInDone)
  .describe(
    "The gates that define done; the supervisor checks each itself, in this order (gates in the checkout before gates on the forge), and after the first failing checkout gate runs no further command there.",
  );

export const planGateSchema = z
  .strictObject({
    run: z
      .string()
      .min(1)
      .describe(
        "Shell command run by the supervisor in the checkout at the claimed commit, sandboxed like commands.check; exit 0 passes.",
      ),
    fix_hint: z
      .string()
      .min(1)
      .optional()
      .describe("What to do when it fails, shown to the worker beside the first errors of its log."),
    timeout_minutes: z
      .number()
      .positive()
      .optional()
      .describe("Minutes the command may run; default the workstream's budget minutes."),
    playbooks: z
      .array(z.string().min(1))
      .optional()
      .describe(
        "Playbooks (by id, e.g. lint-format) that apply when this gate rejects a claim, whatever their own gate and log triggers say: a fmt or clippy gate names lint-format.",
      ),
    metric: z
      .string()
      .min(1)
      .superRefine((pattern, context) => {
        try {
          new RegExp(pattern);
        } catch (error) {
          context.addIssue({
            code: "custom",
            message: `not a regular expression: ${(error as Error).message}`,
          });
        }
      })
      .optional()
      .describe(
        "A regular expression that finds a number in the command's output (its first group, or the whole match; the last match counts). The command then runs at the base too, and the claim's number may be at most max_regression percent above the base's: lower is better (a time, a size).",
      ),
    max_regression: z
      .number()
      .nonnegative()
      .optional()
      .describe("Percent the metric may rise over the base's; goes with metric."),
  })
  .superRefine((gate, context) => {
    if ((gate.metric === undefined) === (gate.max_regression === undefined)) return;
    const missing = gate.metric === undefined ? "metric" : "max_regression";
    context.addIssue({
      code: "custom",
      path: [missing],
      message: `metric and max_regression go together: add ${missing}, or remove ${missing === "metric" ? "max_regression" : "metric"}`,
    });
  })
  .describe("A command gate: a workstream's done list names it like a built-in gate.");

const gatesSchema = z
  .record(
    z.string().regex(gateNamePattern, "use lower-case letters, digits, _ and -, starting with a letter"),
    planGateSchema,
  )
  .default({})
  .describe(
    "The plan's own gates, by name (e.g. fmt: { run: cargo fmt --check }); names must differ from the built-in gates.",
  );

/** A phase gate: a gate the plan defines, by name, or a command written in place. */
const phaseGateSchema = z.union(
  [
    z.string().min(1).describe("The name of a gate the plan defines under `gates` (without a metric)."),
    z
      .strictObject({
        name: z
          .string()
          .regex(gateNamePattern, "use lower-case letters, digits, _ and -, starting with a letter")
          .optional()
          .describe("Names its log and its line in status and the report; default `<phase>-<position>`."),
        run: z
          .string()
          .min(1)
          .describe("Shell command run by the supervisor on the integrated base, sandboxed; exit 0 passes."),
        timeout_minutes: z.number().positive().optional().describe("Minutes it may run; default 60."),
      })
      .describe("A command written in place."),
  ],
  { error: "expected a gate name, or a mapping { run: COMMAND }" },
);

const phaseSchema = z
  .strictObject({
    gates: z
      .array(phaseGateSchema)
      .default([])
      .describe(
        "Run in this order on the base as the forge has it once every workstream of the phase is accepted (their merges included); the first failing one stops the rest and is escalated to a human.",
      ),
  })
  .describe("One phase: the gates its integrated work must pass before the next phase starts.");

const phasesSchema = z
  .record(
    z.string().regex(gateNamePattern, "use lower-case letters, digits, _ and -, starting with a letter"),
    phaseSchema,
  )
  .optional()
  .describe(
    "The phases, in the order they run (e.g. build: { gates: [clippy] }, then polish: {}). A workstream of a phase starts only once every workstream of the earlier phases is accepted and their gates passed (or a human waived them). Without this map, phases run in the order workstreams first name them, with no gates.",
  );

const ciWaitMinutesSchema = z
  .number()
  .positive()
  .optional()
  .describe(
    "Minutes a claim's ci_green (and a merge) waits for CI still running, default 60, never more than the workstream's budget minutes. CI still pending then is escalated to a human, not counted against the worker.",
  );

const forgeSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z
        .literal("local")
        .describe("The embedded forge: a bare origin, pull requests, issues and CI under the state dir."),
      ci_wait_minutes: ciWaitMinutesSchema,
      merge_batch: z
        .number()
        .int()
        .positive()
        .max(64)
        .optional()
        .describe(
          "Most pull requests the merge queue tests together, default 8; 1 tests each alone. The base moves only to a merge result CI passed on; a red batch is split in halves until the pull request that breaks it is alone.",
        ),
    }),
    z.strictObject({
      kind: z
        .literal("github")
        .describe("GitHub (or GitHub Enterprise at GITHUB_API_URL), with GITHUB_TOKEN."),
      owner: z.string().min(1).describe("The repository's owner (user or organization) on GitHub."),
      repo: z.string().min(1).describe("The repository's name on GitHub."),
      remote: z.string().min(1).default("origin").describe("Git remote of the plan's repository to push to."),
      ci_wait_minutes: ciWaitMinutesSchema,
    }),
  ])
  .describe("Where pull requests, issues and CI live.");
export type ForgeConfig = z.infer<typeof forgeSchema>;

/** Ids become branch names (`supervise/<id>`) and file names, so they are kept plain. */
export const workstreamIdPattern = /^[a-z0-9][a-z0-9._-]*$/i;

export const workstreamSchema = z.strictObject({
  id: z.string().min(1).max(64).describe("Unique id; also the branch name suffix."),
  issue: positiveInt().optional().describe("Issue number on the forge that this workstream closes."),
  goal: z.string().min(1).describe("One sentence: what done means for this workstream."),
  brief: z.string().optional().describe("Longer instructions for the worker."),
  depends_on: z.array(z.string()).default([]).describe("Ids that must be accepted before this one starts."),
  ci_wait_minutes: z
    .number()
    .positive()
    .optional()
    .describe("This workstream's wait for CI still running, over the forge's ci_wait_minutes."),
  kind: z
    .enum(["change", "refactor"])
    .optional()
    .describe(
      "What the work does to behaviour. change (default): fixes or adds behaviour, so tests_prove_change wants a test that fails without it. refactor: keeps behaviour, so every test must pass with and without it.",
    ),
  phase: z
    .string()
    .regex(gateNamePattern, "use lower-case letters, digits, _ and -, starting with a letter")
    .optional()
    .describe(
      "The phase it belongs to (see `phases`); a workstream without one is held by no phase, only by its depends_on.",
    ),
  agent: agentSchema.optional(),
  commands: commandsSchema.optional(),
  budget: budgetSchema.optional(),
  stall: stallSchema.optional(),
  done: doneSchema.optional(),
  reviewer: reviewerSchema.optional(),
  host: z
    .strictObject({
      labels: z
        .array(
          z
            .string()
            .regex(gateNamePattern, "use lower-case letters, digits, _ and -, starting with a letter"),
        )
        .min(1)
        .describe("Every label the worker host must have (`supervise host --labels`)."),
    })
    .optional()
    .describe("Where the worker may run, when the plan has `hosts`: only on hosts with these labels."),
});

export const planSchema = z
  .strictObject({
    name: z.string().min(1).optional().describe("Campaign name; defaults to the plan file's name."),
    repo: z.string().min(1).default(".").describe("The git repository, relative to the plan file."),
    base: z
      .string()
      .min(1)
      .default("main")
      .describe("The branch every workstream starts from and merges into."),
    forge: forgeSchema.default({ kind: "local" }),
    agent: agentSchema.default({ provider: "anthropic", model: defaultModel, max_tokens: 16_000 }),
    concurrency: positiveInt().default(2).describe("Workstreams running at once."),
    rollout: z
      .enum(["parallel", "canary"])
      .default("parallel")
      .describe("canary: the first ready workstream is accepted before any other starts."),
    gates: gatesSchema,
    phases: phasesSchema,
    defaults: z
      .strictObject({
        done: doneSchema.optional(),
        commands: commandsSchema.optional(),
        budget: budgetSchema.optional(),
        stall: stallSchema.optional(),
      })
      .default({})
      .describe("What every workstream gets unless it sets its own: done, commands, budget and stall."),
    reviewer: reviewerSchema.optional(),
    mutation: z
      .strictObject({
        min_killed: z
          .number()
          .min(0)
          .max(1)
          .default(0.6)
          .describe("The share of mutants (0 to 1) the check command must catch; default 0.6."),
        max_minutes: z
          .number()
          .positive()
          .default(10)
          .describe(
            "Minutes for all the mutants of one claim; those not run by then are not judged. Default 10.",
          ),
        max_mutants: positiveInt()
          .default(30)
          .describe(
            "At most this many mutants per claim, sampled deterministically from the changed lines. Default 30.",
          ),
      })
      .optional()
      .describe(
        "Settings of the `mutation` gate: mutants of the source lines a claim changed must make the check command fail.",
      ),
    sandbox: z
      .strictObject({
        isolation: z
          .enum(["bwrap", "none"])
          .default("bwrap")
          .describe(
            "bwrap: every worker, gate and CI command runs in bubblewrap. none: no OS isolation (shown in status and bundles).",
          ),
        network: z
          .union(
            [
              z.enum(["none", "host"]),
              z.strictObject({
                allow: z
                  .array(
                    z.string().superRefine((value, context) => {
                      const problem = hostPatternProblem(value);
                      if (problem !== undefined) {
                        context.addIssue({
                          code: "custom",
                          message: `${problem}, got ${JSON.stringify(value)}`,
                        });
                      }
                    }),
                  )
                  .min(1)
                  .describe(
                    'Hosts commands may reach through the run\'s proxy: "registry.npmjs.org" (ports 80 and 443), "api.anthropic.com:443" (that port only), "*.github.com" (every host below github.com, not github.com itself).',
                  ),
              }),
            ],
            { error: "expected none, host or a mapping { allow: [host, …] }" },
          )
          .default("none")
          .describe(
            "none: commands get loopback only. host: the host's network (a CLI agent calling its model API needs it). { allow: [hosts] }: only those hosts, through a filtering HTTP(S) proxy (HTTP_PROXY, HTTPS_PROXY… are set; others get a 403; needs socat). Applies with isolation bwrap.",
          ),
        max_processes: z
          .number()
          .int()
          .min(16)
          .default(1024)
          .describe(
            "Most processes (threads included) one command may have at once; a fork storm stops there. A cgroup pids.max where one is writable, else RLIMIT_NPROC; status and bundles show which.",
          ),
      })
      .default({ isolation: "bwrap", network: "none", max_processes: 1024 })
      .describe("OS isolation of the commands a worker's code runs."),
    secrets: z
      .array(z.string().regex(/^[A-Za-z0-9_*]+$/, "an environment variable name, or a glob with *"))
      .default([])
      .describe(
        "More environment variable names (globs like AWS_*) that are secrets: never given to a command, their values redacted everywhere.",
      ),
    hosts: z
      .strictObject({
        queue: z
          .string()
          .regex(/^rediss?:\/\/[^\s]+$/, "a Redis URL: redis://host:port or rediss://… (TLS)")
          .describe(
            "The Redis that BullMQ places workstreams through; `supervise host` processes take them.",
          ),
        listen: z
          .string()
          .regex(/^[^\s:]+:\d{1,5}$/, "an address and port, as 0.0.0.0:7420")
          .default("127.0.0.1:0")
          .describe(
            "Where the supervisor listens for its hosts (their events, tool calls, git); port 0 picks a free one. Hosts find a resumed supervisor's new port through Redis.",
          ),
        advertise: z
          .url()
          .optional()
          .describe(
            "The URL hosts reach `listen` by, when it is not the same (another machine, a NAT); without a port, the port `listen` bound.",
          ),
      })
      .optional()
      .describe(
        "Run workers on other machines: workstreams are queued in Redis and `supervise host` runs them.",
      ),
    notify: z
      .strictObject({
        webhook: z
          .url()
          .describe("POSTed a JSON notice for every escalation (retried, never blocking the run)."),
      })
      .optional()
      .describe("Where a human is told that an escalation waits."),
    playbooks: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A folder of extra playbooks (Markdown with front matter), relative to the plan; same ids override built-ins.",
      ),
    workstreams: z.array(workstreamSchema).min(1).describe("The units of work, one worker each."),
  })
  .describe("A supervise plan: workstreams, their workers and what done means.");
export type PlanDocument = z.infer<typeof planSchema>;

export const defaultReviewer: ReviewerConfig = {
  provider: "anthropic",
  model: defaultModel,
  max_tokens: 4096,
  diff_limit_bytes: 100_000,
};

export const builtInDefaults = {
  done: [
    "local_check",
    "release_build",
    "ci_green",
    "pr_merged",
    "issue_closed",
    "diff_scope",
  ] as BuiltInGateId[],
  commands: { check: "npm test", build: "npm run build", ci: "npm ci && npm test" } as CommandsConfig,
  budget: { minutes: 60, turns: 60, tokens: 2_000_000, usd: 10 } as BudgetConfig,
  stall: {
    idle_seconds: 600,
    repeat_limit: 3,
    max_rejections: 3,
    max_restarts: 3,
    ci_red_minutes: 15,
  } as StallConfig,
};

/** A workstream with every default and override resolved. */
export interface Workstream {
  id: string;
  /** Branch of the workstream in the supervisor's private repository and on the forge. */
  branch: string;
  issue: number | undefined;
  goal: string;
  brief: string | undefined;
  dependsOn: string[];
  /** What the work does to behaviour; tests_prove_change judges by it. */
  kind: "change" | "refactor";
  /** The phase it belongs to; undefined when no phase holds it. */
  phase: string | undefined;
  agent: AgentConfig;
  commands: CommandsConfig;
  budget: BudgetConfig;
  stall: StallConfig;
  /** Gate names in the order they run: built-in ids and the names of the plan's own gates. */
  done: string[];
  /** The plan's own gates this workstream's done list names, by name. */
  commandGates: Record<string, PlanGate>;
  /** Who judges the diff when `review` is in `done`. */
  reviewer: ReviewerConfig;
  /** Minutes ci_green waits for running CI (the workstream's, else the forge's); undefined: the default. */
  ciWaitMinutes?: number;
  /** The `mutation` gate's settings (the plan's); undefined when it gives none: defaultMutation. */
  mutation?: MutationConfig;
  /** Labels a worker host must have to run it (plans with `hosts`); empty: any host. */
  hostLabels: string[];
}

/** A gate the plan defines (`gates:`), resolved. */
export interface PlanGate {
  name: string;
  run: string;
  fixHint: string | undefined;
  /** Undefined: the workstream's budget minutes. */
  timeoutMinutes: number | undefined;
  /** Playbook ids that apply when this gate fails (`playbooks:`); empty when it names none. */
  playbooks: string[];
  /** A number the command prints, compared with the base's; undefined for a pass/fail command. */
  metric: { pattern: string; maxRegressionPercent: number } | undefined;
}

/** A command a phase runs on the integrated base. */
export interface PhaseGate {
  name: string;
  run: string;
  timeoutMinutes: number;
}

/** A phase, resolved: the workstreams that name it and the gates their integrated work must pass. */
export interface Phase {
  name: string;
  /** In plan order. */
  workstreams: string[];
  gates: PhaseGate[];
}

/** A validated plan with paths made absolute and defaults applied. */
export interface Plan {
  /** Absolute path of the plan file. */
  file: string;
  name: string;
  /** Absolute path of the git repository. */
  repo: string;
  base: string;
  forge: ForgeConfig;
  concurrency: number;
  rollout: "parallel" | "canary";
  sandbox: {
    isolation: "bwrap" | "none";
    /** `{ allow }`: hosts as in host-pattern.ts, reached through the run's filtering proxy. */
    network: "none" | "host" | { allow: string[] };
    max_processes: number;
  };
  notify: { webhook: string } | undefined;
  /** Worker hosts; undefined: every worker runs in this process's machine. */
  hosts: HostsConfig | undefined;
  /** Globs of environment variable names the plan declares secret, beyond the built-in ones. */
  secrets: string[];
  /** Absolute path of the plan's own playbook folder, if it names one. */
  playbooks: string | undefined;
  /** The gates the plan defines, by name. */
  gates: Record<string, PlanGate>;
  /** In the order they run; empty when no workstream names a phase. */
  phases: Phase[];
  workstreams: Workstream[];
}

export interface HostsConfig {
  queue: string;
  listen: string;
  advertise: string | undefined;
}

export interface MutationConfig {
  minKilled: number;
  maxMinutes: number;
  maxMutants: number;
}

export const defaultMutation: MutationConfig = { minKilled: 0.6, maxMinutes: 10, maxMutants: 30 };
