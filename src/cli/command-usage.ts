/** What `supervise --help` and `supervise COMMAND --help` print: the commands, their arguments and flags. */

interface CommandHelp {
  /** One or more ways to call it, without the leading `supervise `. */
  synopsis: string[];
  summary: string;
  flags: [flag: string, meaning: string][];
  notes?: string[];
}

const readingFlags: [string, string][] = [
  ["--json", "print JSON instead of text"],
  ["--state-dir DIR", "the state dir to read (default: found as `run` finds it)"],
  ["--plan PLAN", "find the state dir from this plan"],
];

const help: Record<string, CommandHelp> = {
  run: {
    synopsis: ["run PLAN [flags]", "PLAN [flags]"],
    summary: "Run the plan, or resume its unfinished run.",
    flags: [
      ["--json", "one JSON object per event on stdout"],
      ["--state-dir DIR", "state dir (default: .supervise/ beside the plan, or $SUPERVISE_STATE_DIR)"],
      ["--concurrency N", "workstreams at once (overrides the plan)"],
      ["--only ID,…", "run only these workstreams"],
      ["--dry-run", "validate and print the schedule; create nothing"],
      ["--no-wait", "exit 3 once only human decisions remain"],
      ["--new-run", "start a new run, from fresh checkouts, instead of resuming the unfinished one"],
      ["--record DIR", "write the anthropic workers' turns as cassettes (DIR/<id>.yaml)"],
    ],
    notes: [
      "Ctrl-C stops the workers, closes the journal and exits 130; the same command resumes. A second Ctrl-C exits at once.",
      "Exit codes: 0 all accepted · 1 some rejected, failed or aborted · 2 bad input · 3 waiting on a human · 130 interrupted.",
    ],
  },
  host: {
    synopsis: [
      "host --queue redis://HOST:PORT [--labels a,b] [--concurrency N] [--work-dir DIR] [--name NAME]",
    ],
    summary:
      "Run on a worker machine: take workstreams from the plan's `hosts.queue` and run their workers and checkout gates here.",
    flags: [
      ["--queue URL", "the Redis of the plan's `hosts.queue` (or $SUPERVISE_HOSTS_QUEUE)"],
      ["--labels a,b", "what this host offers; a workstream's `host.labels` must all be among them"],
      ["--concurrency N", "workstreams held at once (default 2)"],
      ["--work-dir DIR", "checkouts, caches and gate logs (default ~/.supervise-host)"],
      ["--name NAME", "how the journal names this host (default hostname-pid)"],
      [
        "--lock-seconds N",
        "silent this long, the host is taken for dead and its workstreams go to others (default 30)",
      ],
      ["--reattach-seconds N", "how long a workstream waits for its supervisor to come back (default 600)"],
    ],
    notes: ["Runs until Ctrl-C or SIGTERM; the workstreams it held go back to the queue."],
  },
  validate: {
    synopsis: ["validate PLAN [--json]"],
    summary: "Validate the plan; every error names file:line:column and the field.",
    flags: [["--json", "print the result as JSON"]],
  },
  status: {
    synopsis: ["status [--json] [--state-dir DIR | --plan PLAN]"],
    summary: "Workstreams with state, gates, attempts, turns, tokens, cost and elapsed time.",
    flags: readingFlags,
  },
  evidence: {
    synopsis: ["evidence WS [--claim N] [--json] [--state-dir DIR | --plan PLAN]"],
    summary: "The evidence bundle of one workstream: every claim with what each gate found on it.",
    flags: [["--claim N", "only claim N and its gates' findings"], ...readingFlags],
  },
  logs: {
    synopsis: ["logs WS [-f] [--gate NAME] [--json] [--state-dir DIR | --plan PLAN]"],
    summary: "A worker's output (its transcript) in the latest run, or one gate's log; -f follows it.",
    flags: [
      ["-f, --follow", "keep printing as it grows, until the workstream ends, the run stops, or Ctrl-C"],
      ["--gate NAME", "the log of the gate NAME (its latest claim's) instead of the worker's output"],
      ["--json", "the transcript's JSON lines as written"],
      ...readingFlags.slice(1),
    ],
    notes: ["Reads the files only: it works from a second terminal while the run goes on."],
  },
  watch: {
    synopsis: ["watch [PLAN] [--state-dir DIR | --plan PLAN]"],
    summary: "The live view of a run started elsewhere, rebuilt from its journal; read-only.",
    flags: readingFlags.slice(1),
    notes: [
      "Ends when the run finishes or stops, with the run's exit code (0 all accepted, 1 some not, 3 waiting on a human, 130 interrupted); Ctrl-C stops only the watching.",
    ],
  },
  escalations: {
    synopsis: ["escalations [--json] [--state-dir DIR | --plan PLAN]"],
    summary: "Questions waiting on a human decision.",
    flags: readingFlags,
  },
  approve: {
    synopsis: ["approve ID [--note TEXT] [--waive GATE,…]"],
    summary: "Approve an escalation; waived gates are recorded as waived, never as pass.",
    flags: [
      ["--note TEXT", "a note the worker reads with the decision"],
      ["--waive GATE,…", "gates you accept failing"],
      ...readingFlags,
    ],
  },
  deny: {
    synopsis: ["deny ID [--note TEXT]"],
    summary: "Deny an escalation.",
    flags: [["--note TEXT", "a note the worker reads with the decision"], ...readingFlags],
  },
  reply: {
    synopsis: ["reply ID TEXT"],
    summary: "Answer an escalation's question with TEXT.",
    flags: readingFlags,
  },
  report: {
    synopsis: ["report [--format md|json|html] [--output FILE]"],
    summary: "The campaign report of the latest run.",
    flags: [
      ["--format md|json|html", "the report's format (default md, or what --output's extension says)"],
      ["--output FILE", "write it to FILE instead of stdout; its folder is made if missing"],
      ...readingFlags,
    ],
  },
  init: {
    synopsis: ["init [FILE]"],
    summary:
      "Write a commented starter plan (default supervise.yaml) for this git repository, with the check, build and CI commands its package.json, Cargo.toml, go.mod or pyproject.toml suggest, and plan.schema.json beside it.",
    flags: [],
    notes: ["It never overwrites a file."],
  },
  completion: {
    synopsis: ["completion bash|zsh"],
    summary: "Print the shell completion script for commands and flags.",
    flags: [],
    notes: [
      "bash: `source <(supervise completion bash)` (or save it under ~/.local/share/bash-completion/completions/supervise).",
      "zsh: `source <(supervise completion zsh)` in ~/.zshrc.",
    ],
  },
  schema: {
    synopsis: ["schema"],
    summary: "The plan's JSON Schema.",
    flags: [],
  },
  clean: {
    synopsis: ["clean [--state-dir DIR | --plan PLAN]"],
    summary: "Remove the checkouts of accepted workstreams.",
    flags: readingFlags.slice(1),
  },
  tool: {
    synopsis: ["tool NAME [--input JSON]"],
    summary: "Inside a command worker only: call one worker tool for this workstream.",
    flags: [["--input JSON", "the tool's input"]],
    notes: ["Exit 0, or 1 when the result is an error, 2 when the input is not what the tool takes."],
  },
  mcp: {
    synopsis: ["mcp"],
    summary: "Inside a command worker only: the worker tools as an MCP server over stdio.",
    flags: [],
  },
  version: {
    synopsis: ["version", "--version"],
    summary: "Print supervise's version.",
    flags: [],
  },
  help: {
    synopsis: ["help [COMMAND]", "COMMAND --help"],
    summary: "Print the commands, or one command's arguments and flags.",
    flags: [],
  },
};

/** Every command `supervise COMMAND --help` explains. */
export const documentedCommands: readonly string[] = Object.keys(help);

/** The flags a command takes, as typed (`--json`, `-f`), for shell completion. */
export function commandFlags(command: string): string[] {
  const flags = [...(help[command]?.flags ?? []), ["-h, --help", ""] as const];
  return flags.flatMap(([flag]) => flag.split(", ").map((word) => word.split(" ")[0]!));
}

export function commandUsage(command: string): string | undefined {
  const entry = help[command];
  if (entry === undefined) return undefined;
  const flags: [string, string][] = [...entry.flags, ["-h, --help", "this help"]];
  const width = Math.max(...flags.map(([flag]) => flag.length));
  return [
    ...entry.synopsis.map((line, index) => `${index === 0 ? "Usage:" : "   or:"} supervise ${line}`),
    "",
    entry.summary,
    "",
    "Flags:",
    ...flags.map(([flag, meaning]) => `  ${flag.padEnd(width)}  ${meaning}`),
    ...(entry.notes ? ["", ...entry.notes] : []),
    "",
  ].join("\n");
}

export const usage = `supervise — run coding agents per workstream; accept work only on evidence the supervisor collected.

Usage:
  supervise PLAN [flags]              run or resume the plan (same as: supervise run PLAN)
      --json                          one JSON object per event on stdout
      --state-dir DIR                 state dir (default: .supervise/ beside the plan, or $SUPERVISE_STATE_DIR)
      --concurrency N                 workstreams at once (overrides the plan)
      --only ID,…                     run only these workstreams
      --dry-run                       validate and print the schedule; create nothing
      --no-wait                       exit 3 once only human decisions remain
      --new-run                       start a new run instead of resuming the unfinished one
      --record DIR                    write the anthropic workers' turns as cassettes (DIR/<id>.yaml)
  supervise validate PLAN             validate; every error names file:line:column and the field
  supervise status [--json]           workstreams with state, gates, attempts, turns, tokens, cost, elapsed
  supervise evidence WS [--claim N]   the evidence bundle of one workstream, every claim's findings
  supervise logs WS [-f] [--gate G]   a worker's output, or a gate's log; -f follows it live
  supervise watch [PLAN]              the live view of a run started in another terminal
  supervise escalations [--json]      pending escalations
  supervise approve ID [--note T] [--waive GATE,…]   approve (waived gates are recorded as waived, never pass)
  supervise deny ID [--note T] · supervise reply ID TEXT
  supervise report [--format md|json|html] [--output FILE]   the campaign report
  supervise init [FILE]               write a starter plan for this repository (never overwrites)
  supervise completion bash|zsh       the shell completion script
  supervise schema                    the plan's JSON Schema
  supervise clean                     remove the checkouts of accepted workstreams
  supervise tool NAME [--input JSON]  inside a command worker: call one worker tool
  supervise mcp                       inside a command worker: the worker tools as an MCP server (stdio)
  supervise version                   the version

\`supervise COMMAND --help\` explains one command.
Reading commands find the state as run does, or take --state-dir DIR or --plan PLAN.
Exit codes: 0 all accepted · 1 some rejected, failed or aborted · 2 bad input · 3 waiting on a human · 130 interrupted.
`;
