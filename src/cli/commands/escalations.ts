/**
 * `supervise escalations` and the human decisions (`approve`, `deny`, `reply`). A decision is
 * written into the escalation's file in the run; the running supervisor picks it up from there.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { ExitCode, StateError, UsageError } from "../../errors.ts";
import {
  parseCommandArguments,
  readingOptions,
  rejectExtraPositionals,
  requirePositional,
} from "../arguments.ts";
import { readLatestRun } from "./read-run.ts";
import type { CommandContext } from "./run.ts";

export interface EscalationRecord {
  id: string;
  workstream: string;
  question: string;
  status: "pending" | "approved" | "denied" | "replied";
  opened_at: string;
  decision: {
    kind: "approve" | "deny" | "reply";
    note: string | null;
    text: string | null;
    decided_at: string;
  } | null;
}

async function readEscalations(directory: string): Promise<EscalationRecord[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const records: EscalationRecord[] = [];
  for (const name of names.filter((entry) => entry.endsWith(".json")).sort()) {
    records.push(JSON.parse(await readFile(join(directory, name), "utf8")) as EscalationRecord);
  }
  return records;
}

export async function escalationsCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("escalations", args, readingOptions);
  rejectExtraPositionals("escalations", positionals, 0);
  const view = await readLatestRun(context, values);
  const pending = (await readEscalations(join(view.run.dir, "escalations"))).filter(
    (record) => record.status === "pending",
  );
  if (values.json) {
    context.output.out(`${JSON.stringify({ run: view.run.id, escalations: pending })}\n`);
    return ExitCode.allAccepted;
  }
  if (pending.length === 0) {
    context.output.out(`No pending escalations in run ${view.run.id}.\n`);
    return ExitCode.allAccepted;
  }
  for (const record of pending) {
    context.output.out(
      `${record.id}  ${record.workstream}  (opened ${record.opened_at})\n  ${record.question}\n` +
        `  answer: supervise approve ${record.id} [--note T] · supervise deny ${record.id} [--note T] · supervise reply ${record.id} "TEXT"\n\n`,
    );
  }
  return ExitCode.allAccepted;
}

export async function decisionCommand(
  kind: "approve" | "deny" | "reply",
  args: string[],
  context: CommandContext,
): Promise<number> {
  const { values, positionals } = parseCommandArguments(kind, args, {
    ...readingOptions,
    note: { type: "string" },
  });
  const id = requirePositional(kind, positionals, 0, "the escalation id (see `supervise escalations`)");
  let text: string | null = null;
  if (kind === "reply") {
    text = requirePositional(kind, positionals, 1, "the reply text (supervise reply ID TEXT)");
    rejectExtraPositionals(kind, positionals, 2);
    if (values.note !== undefined)
      throw new UsageError("supervise reply takes its text as an argument, not --note.");
  } else {
    rejectExtraPositionals(kind, positionals, 1);
  }
  if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new UsageError(`"${id}" is not an escalation id.`);
  const view = await readLatestRun(context, values);
  const file = join(view.run.dir, "escalations", `${id}.json`);
  let record: EscalationRecord;
  try {
    record = JSON.parse(await readFile(file, "utf8")) as EscalationRecord;
  } catch {
    throw new StateError(`There is no escalation "${id}" in run ${view.run.id}.`, {
      hint: "`supervise escalations` lists the pending ones.",
    });
  }
  if (record.status !== "pending") {
    throw new StateError(`Escalation ${id} was already decided (${record.status}).`);
  }
  const statusOf = { approve: "approved", deny: "denied", reply: "replied" } as const;
  record.status = statusOf[kind];
  record.decision = { kind, note: values.note ?? null, text, decided_at: new Date().toISOString() };
  await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`);
  if (values.json) context.output.out(`${JSON.stringify({ escalation: id, status: record.status })}\n`);
  else
    context.output.out(
      `Escalation ${id} ${record.status}. The supervisor picks the decision up from ${file}.\n`,
    );
  return ExitCode.allAccepted;
}
