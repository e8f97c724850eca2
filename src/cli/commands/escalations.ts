/**
 * `supervise escalations` and the human decisions (`approve`, `deny`, `reply`). A decision is
 * written into the escalation's file in the run; the running supervisor picks it up from there.
 */
import { userInfo } from "node:os";
import { systemClock } from "../../clock.ts";
import { ExitCode, errorMessage, osErrorCode, StateError, UsageError } from "../../errors.ts";
import {
  createEscalationStore,
  type DecisionKind,
  EscalationAlreadyDecidedError,
  EscalationBeingDecidedError,
  EscalationNotFoundError,
  type EscalationRecord,
} from "../../monitor/index.ts";
import { gateIds } from "../../plan/index.ts";
import { indentLines, printable } from "../../text.ts";
import {
  parseCommandArguments,
  readingOptions,
  rejectExtraPositionals,
  requirePositional,
} from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { type RunView, readLatestRun } from "./read-run.ts";

/** Who opened an escalation, as the listing says it. */
const sourceWords: Record<EscalationRecord["source"], string> = {
  worker: "the worker",
  monitor: "the monitor",
  budget: "the budget",
  landing: "an unverified landing",
  phase: "a phase gate",
  base: "a red base after a landing",
};

export async function escalationsCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("escalations", args, readingOptions);
  rejectExtraPositionals("escalations", positionals, 0);
  const view = await readLatestRun(context, values);
  const store = createEscalationStore(view.run.dir, systemClock);
  const pending = (await store.list()).filter((record) => record.status === "pending");
  if (values.json) {
    context.output.out(`${JSON.stringify({ run: view.run.id, escalations: pending })}\n`);
    return ExitCode.allAccepted;
  }
  if (pending.length === 0) {
    context.output.out(`No pending escalations in run ${view.run.id}.\n`);
    return ExitCode.allAccepted;
  }
  for (const record of pending) {
    const options = record.context
      ? `  approve: ${record.context.options.approve}\n  deny: ${record.context.options.deny}\n  reply: ${record.context.options.reply}\n`
      : "";
    const diffstat = record.context?.diffstat
      ? `  changes so far:\n${indentLines(printable(record.context.diffstat), "    ")}\n`
      : "";
    context.output.out(
      `${record.id}  ${record.workstream}  (opened ${record.opened_at}, from ${sourceWords[record.source]})\n` +
        `${indentLines(printable(record.question), "  ")}\n${diffstat}${options}` +
        `  answer: supervise approve ${record.id} [--note T] · supervise deny ${record.id} [--note T] · supervise reply ${record.id} "TEXT"\n\n`,
    );
  }
  return ExitCode.allAccepted;
}

export async function decisionCommand(
  kind: DecisionKind,
  args: string[],
  context: CommandContext,
): Promise<number> {
  const { values, positionals } = parseCommandArguments(kind, args, {
    ...readingOptions,
    note: { type: "string" },
    waive: { type: "string" },
  });
  if (context.environment.SUPERVISE_TOOL_TOKEN || context.environment.SUPERVISE_TOOL_SOCKET) {
    // Inside a worker: decisions are a human's. The sandbox hides the state dir as well; this says why.
    throw new UsageError(
      `supervise ${kind} is a human's decision and cannot be made from inside a worker; ask with the ask_human tool instead.`,
    );
  }
  const waive = parseWaive(kind, values.waive);
  const id = requirePositional(kind, positionals, 0, "the escalation id (see `supervise escalations`)");
  let text: string | null = null;
  if (kind === "reply") {
    text = requirePositional(kind, positionals, 1, "the reply text (supervise reply ID TEXT)");
    if (text.trim() === "")
      throw new UsageError("supervise reply needs a non-empty TEXT: it is what the worker reads.");
    rejectExtraPositionals(kind, positionals, 2);
    if (values.note !== undefined)
      throw new UsageError("supervise reply takes its text as an argument, not --note.");
  } else {
    rejectExtraPositionals(kind, positionals, 1);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new UsageError(`"${id}" is not an escalation id.`);
  const view = await readLatestRun(context, values);
  checkWaivedGatesKnown(waive, values.waive, view);
  const store = createEscalationStore(view.run.dir, systemClock);
  let decided: Awaited<ReturnType<typeof store.decide>>;
  try {
    decided = await store.decide(id, {
      kind,
      note: values.note ?? null,
      text,
      decidedBy: userInfo().username,
      waive,
    });
  } catch (error) {
    if (error instanceof EscalationNotFoundError) {
      throw new StateError(`There is no escalation "${id}" in run ${view.run.id}.`, {
        hint: "`supervise escalations` lists the pending ones.",
      });
    }
    if (error instanceof EscalationBeingDecidedError) {
      throw new StateError(
        `Escalation ${id} is being decided by someone else right now; nothing was recorded.`,
        {
          hint: "Look again with `supervise escalations` in a moment.",
        },
      );
    }
    if (error instanceof EscalationAlreadyDecidedError) {
      throw new StateError(`Escalation ${id} was already decided (${error.record.status}).`);
    }
    if (osErrorCode(error) !== undefined) throw unwritableDecision(id, view.run.dir, error);
    throw error;
  }
  if (values.json) context.output.out(`${JSON.stringify({ escalation: id, status: decided.status })}\n`);
  else {
    context.output.out(
      `Escalation ${id} ${decided.status}. A running supervisor picks it up at once; otherwise run the plan again to continue.\n`,
    );
  }
  return ExitCode.allAccepted;
}

/**
 * The run's files refused the decision (a read-only state dir, a path taken by something else, a
 * full disk): say which file and that nothing was decided, never a stack trace.
 */
function unwritableDecision(id: string, runDirectory: string, error: unknown): StateError {
  const path = (error as { path?: unknown }).path;
  const where = typeof path === "string" ? path : `a file in the run directory ${runDirectory}`;
  return new StateError(
    `Cannot record the decision on escalation ${id}: ${where} cannot be written (${errorMessage(error)}). Nothing was decided.`,
    {
      hint: "Make the state dir writable for this user (or free the path), then decide again.",
      cause: error,
    },
  );
}

/** `--waive GATE,…` (approve only): gates the human accepts failing, recorded as waived. */
function parseWaive(kind: DecisionKind, value: string | undefined): string[] {
  if (value === undefined) return [];
  if (kind !== "approve") throw new UsageError("--waive goes with supervise approve only.");
  const gates = value
    .split(",")
    .map((gate) => gate.trim())
    .filter((gate) => gate.length > 0);
  if (gates.length === 0) throw waiveUsage(value, gateIds);
  return gates;
}

/** A waived gate is a built-in one, or one of the plan's own that this run has verified. */
function checkWaivedGatesKnown(waive: readonly string[], value: string | undefined, view: RunView): void {
  const recorded = [...view.state.workstreams.values()].flatMap((workstream) =>
    workstream.claims.flatMap((claim) => claim.gates.map((gate) => gate.gate)),
  );
  const known = [...new Set([...gateIds, ...recorded])];
  if (waive.some((gate) => !known.includes(gate))) throw waiveUsage(value ?? "", known);
}

function waiveUsage(value: string, known: readonly string[]): UsageError {
  return new UsageError(`--waive takes gate ids (${known.join(", ")}), got "${value}".`);
}
