/**
 * What `supervise run` was asked to do: the flags checked, the plan and its playbooks loaded, and
 * `--only` matched against the plan's workstreams. Nothing here touches the state dir.
 */
import { UsageError } from "../../../errors.ts";
import type { Playbook } from "../../../monitor/index.ts";
import type { Plan } from "../../../plan/index.ts";
import {
  parseCommandArguments,
  parsePositiveInteger,
  rejectExtraPositionals,
  requirePositional,
} from "../../arguments.ts";
import type { CommandContext } from "../command-context.ts";
import { loadPlanAndPlaybooks } from "../plan-and-playbooks.ts";
import { runOptions } from "./run-options.ts";

export interface RunRequest {
  /** The plan file as given on the command line; the default state dir sits beside it. */
  planFile: string;
  plan: Plan;
  playbooks: readonly Playbook[];
  /** `--only`: the workstreams to run; undefined runs them all. */
  only: ReadonlySet<string> | undefined;
  /** `--concurrency`, or the plan's. */
  concurrency: number;
  /** `--state-dir` as given (resolved against the cwd later). */
  stateDirFlag: string | undefined;
  /** `--record DIR` as given (checked with the model inputs). */
  record: string | undefined;
  wantsJson: boolean;
  isDryRun: boolean;
  /** `--no-wait`: exit 3 once only human decisions remain. */
  noWait: boolean;
  wantsNewRun: boolean;
}

export async function readRunRequest(args: string[], context: CommandContext): Promise<RunRequest> {
  const { values, positionals } = parseCommandArguments("run", args, runOptions);
  const planFile = requirePositional("run", positionals, 0, "the plan file (supervise run PLAN)");
  rejectExtraPositionals("run", positionals, 1);
  const concurrencyOverride = parsePositiveInteger("concurrency", values.concurrency);
  const { plan, playbooks } = await loadPlanAndPlaybooks(planFile, context.cwd);
  return {
    planFile,
    plan,
    playbooks,
    only: parseOnly(values.only, plan),
    concurrency: concurrencyOverride ?? plan.concurrency,
    stateDirFlag: values["state-dir"],
    record: values.record,
    wantsJson: Boolean(values.json),
    isDryRun: Boolean(values["dry-run"]),
    noWait: Boolean(values["no-wait"]),
    wantsNewRun: Boolean(values["new-run"]),
  };
}

/** Whether `--only` (or its absence) selects the workstream. */
export function isSelected(only: ReadonlySet<string> | undefined, workstreamId: string): boolean {
  return only === undefined || only.has(workstreamId);
}

function parseOnly(value: string | undefined, plan: Plan): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const known = new Set(plan.workstreams.map((workstream) => workstream.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (ids.length === 0) throw new UsageError("--only needs at least one workstream id.");
  if (unknown.length > 0) {
    throw new UsageError(
      `--only names unknown workstream(s): ${unknown.join(", ")}. Known: ${[...known].join(", ")}.`,
    );
  }
  return new Set(ids);
}
