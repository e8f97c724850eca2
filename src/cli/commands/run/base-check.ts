/**
 * Before workers start, the check command of every workstream diff_scope judges runs once at the
 * base (evidence's checkTestsAtBase, cached for the claims' base runs): a check whose tests cannot
 * be listed by name, or that does not run at the base, is bad input (exit 2) naming the command
 * and what to change; tests already failing there are named in a warning, and count against no
 * worker (diff_scope holds a claim only to the tests that passed at the base).
 */
import { join } from "node:path";
import { SuperviseError } from "../../../errors.ts";
import { checkTestsAtBase } from "../../../evidence/index.ts";
import type { CommandRunner } from "../../../sandbox/index.ts";
import type { Output } from "../../output.ts";
import { isSelected, type RunRequest } from "./run-request.ts";

export interface BaseCheckInput {
  request: RunRequest;
  runner: CommandRunner;
  baseSha: string;
  mirrorPath: string;
  environment: Record<string, string>;
  runDirectory: string;
  output: Output;
  signal: AbortSignal;
}

/** Names shown in a warning; the rest are counted. */
const shownNames = 10;

export async function checkBaseTests(input: BaseCheckInput): Promise<void> {
  const checks = checksOf(input.request);
  if (checks.length === 0) return;
  const outcomes = await checkTestsAtBase({
    runner: input.runner,
    checks,
    baseSha: input.baseSha,
    mirrorPath: input.mirrorPath,
    userRepository: input.request.plan.repo,
    environment: input.environment,
    runDirectory: input.runDirectory,
    signal: input.signal,
  });
  const base = input.baseSha.slice(0, 12);
  for (const outcome of outcomes) {
    if (outcome.kind !== "listed" || outcome.failing.length === 0) continue;
    const names = outcome.failing.slice(0, shownNames).map((test) => `"${test.name}"`);
    const more =
      outcome.failing.length > shownNames ? ` and ${outcome.failing.length - shownNames} more` : "";
    input.output.err(
      `Warning: ${outcome.failing.length} test${outcome.failing.length === 1 ? "" : "s"} of \`${outcome.command}\` (${whose(outcome.workstreams)}) already ${outcome.failing.length === 1 ? "fails" : "fail"} at the base ${base}: ${names.join(", ")}${more}. They count against no worker; a claim that makes one pass shows it as fixed. Log: ${join(input.runDirectory, outcome.log)}\n`,
    );
  }
  const unusable = outcomes.filter((outcome) => outcome.kind === "unusable");
  if (unusable.length === 0) return;
  const lines = unusable.map(
    (outcome) =>
      `  \`${outcome.command}\` (${whose(outcome.workstreams)}): ${outcome.reason} (log: ${join(input.runDirectory, outcome.log)})`,
  );
  throw new SuperviseError(
    `The plan's check commands cannot be compared by name at the base ${base}, which diff_scope needs for every claim:\n${lines.join("\n")}`,
    {
      hint: "Change the check so it runs at the base and lists its tests (the reasons above say how), or take diff_scope out of those workstreams' `done`.",
    },
  );
}

/** Each distinct check command diff_scope will run, with the workstreams that share it. */
function checksOf(request: RunRequest): { command: string; workstreams: string[]; timeoutMs: number }[] {
  const checks = new Map<string, { command: string; workstreams: string[]; timeoutMs: number }>();
  for (const workstream of request.plan.workstreams) {
    const command = workstream.commands.check;
    if (!isSelected(request.only, workstream.id) || !command || !workstream.done.includes("diff_scope"))
      continue;
    const timeoutMs = workstream.budget.minutes * 60_000;
    const check = checks.get(command);
    if (check) {
      check.workstreams.push(workstream.id);
      check.timeoutMs = Math.max(check.timeoutMs, timeoutMs);
    } else checks.set(command, { command, workstreams: [workstream.id], timeoutMs });
  }
  return [...checks.values()];
}

function whose(workstreams: readonly string[]): string {
  return `check of workstream${workstreams.length === 1 ? "" : "s"} ${workstreams.join(", ")}`;
}
