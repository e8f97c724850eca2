/**
 * The branch, commit message, title and body of the pull request that would undo an unverified
 * landing. People read these on the forge and no model does, so they are a template here rather
 * than a prompt. The body names no issue with a closing keyword: merging the revert must not
 * close (or claim to fix) anything.
 */
import type { LandingFinding } from "./landing-check.ts";

/** Beside the workstream's branch, never under it: `a/b` and `a/b/c` cannot both be branches. */
export function revertBranchOf(workstreamBranch: string): string {
  return `${workstreamBranch}-revert`;
}

export interface RevertTextInput {
  workstream: string;
  base: string;
  finding: LandingFinding;
  claim: number;
  /** One line per failed gate: `gate: detail`. */
  failures: string[];
  escalation: string;
}

function landedAs(input: RevertTextInput): string {
  const { finding } = input;
  return finding.pullRequest?.isMerged
    ? `pull request #${finding.pullRequest.number}, merged as ${finding.mergeCommit}`
    : `commit ${finding.mergeCommit}, pushed to \`${input.base}\` without a merged pull request`;
}

export function revertTitle(input: RevertTextInput): string {
  const what = input.finding.pullRequest?.isMerged
    ? `#${input.finding.pullRequest.number}`
    : input.finding.mergeCommit.slice(0, 12);
  return `Revert ${what}: unverified change of workstream ${input.workstream}`;
}

export function revertCommitMessage(input: RevertTextInput): string {
  return `${revertTitle(input)}\n\nThis reverts ${landedAs(input)}: its claim failed ${input.failures.length} gate(s) of the supervisor.\n`;
}

export function revertBody(input: RevertTextInput): string {
  return [
    `The change of workstream \`${input.workstream}\` is on \`${input.base}\` (${landedAs(input)}), but it landed without passing the supervisor's gates, and its claim ${input.claim} was then rejected:`,
    "",
    ...input.failures.map((failure) => `- ${failure}`),
    "",
    "This pull request undoes that change. supervise opened it and does not merge it by itself; a human decides on escalation " +
      `\`${input.escalation}\`:`,
    "",
    `    supervise approve ${input.escalation}   # keep the change; this pull request is closed`,
    `    supervise deny ${input.escalation}      # undo it; supervise merges this pull request once its CI allows`,
    `    supervise reply ${input.escalation} "…" # leave both as they are for you to handle`,
    "",
  ].join("\n");
}
