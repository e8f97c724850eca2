/**
 * The model side of a run, read before anything starts: the cassettes of replayed workers and
 * reviewers, checked against the run's playbooks, and the `--record` directory. A bad cassette or
 * flag is exit 2 at once. Nothing here loads the model SDK.
 */
import { resolve } from "node:path";
import { UsageError } from "../../../errors.ts";
import { type Cassette, checkCassettePlaybooks, loadCassette } from "../../../model/index.ts";
import type { Playbook } from "../../../monitor/index.ts";
import type { Plan } from "../../../plan/index.ts";
import { isSelected } from "./run-request.ts";

export interface ModelInputs {
  cassettes: Map<string, Cassette>;
  reviewerCassettes: Map<string, Cassette>;
  recordDirectory: string | undefined;
}

/** Everything read from disk before the state dir is touched: a bad cassette or flag is exit 2 at once. */
export function loadModelInputs(
  plan: Plan,
  playbooks: readonly Playbook[],
  options: { record: string | undefined; only: ReadonlySet<string> | undefined; cwd: string },
): ModelInputs {
  const recordDirectory = recordDirectoryFor(options.record, plan, options.only, options.cwd);
  const cassettes = loadCassettes(plan);
  checkCassettesAgainstPlaybooks(plan, cassettes, playbooks);
  return { cassettes, reviewerCassettes: loadReviewerCassettes(plan), recordDirectory };
}

/** Loads every cassette up front, so a broken one fails with exit 2 before anything starts. */
function loadCassettes(plan: Plan): Map<string, Cassette> {
  const cassettes = new Map<string, Cassette>();
  for (const workstream of plan.workstreams) {
    if (workstream.agent.provider === "replay")
      cassettes.set(workstream.id, loadCassette(workstream.agent.cassette));
  }
  return cassettes;
}

function loadReviewerCassettes(plan: Plan): Map<string, Cassette> {
  const cassettes = new Map<string, Cassette>();
  for (const workstream of plan.workstreams) {
    const reviewer = workstream.reviewer;
    if (workstream.done.includes("review") && reviewer.provider === "replay") {
      cassettes.set(workstream.id, loadCassette(reviewer.cassette));
    }
  }
  return cassettes;
}

/**
 * `--record DIR`: one cassette per anthropic workstream, `DIR/<id>.yaml`, in the format
 * `agent: { provider: replay, cassette: DIR/<id>.yaml }` plays back.
 */
function recordDirectoryFor(
  value: string | undefined,
  plan: Plan,
  only: ReadonlySet<string> | undefined,
  cwd: string,
): string | undefined {
  if (value === undefined) return undefined;
  if (value === "")
    throw new UsageError("--record needs a directory: --record DIR writes DIR/<workstream>.yaml.");
  const recorded = plan.workstreams.filter(
    (workstream) => isSelected(only, workstream.id) && workstream.agent.provider === "anthropic",
  );
  if (recorded.length === 0) {
    throw new UsageError(
      "--record records the model turns of `agent: { provider: anthropic }` workstreams, and this run has none.",
    );
  }
  return resolve(cwd, value);
}

/** A branch waiting for an intervention of a playbook the run does not have could never be taken. */
function checkCassettesAgainstPlaybooks(
  plan: Plan,
  cassettes: Map<string, Cassette>,
  playbooks: readonly Playbook[],
): void {
  const known = new Set(playbooks.map((playbook) => playbook.id));
  for (const workstream of plan.workstreams) {
    const cassette = cassettes.get(workstream.id);
    if (cassette && workstream.agent.provider === "replay") {
      checkCassettePlaybooks(cassette, known, workstream.agent.cassette);
    }
  }
}
