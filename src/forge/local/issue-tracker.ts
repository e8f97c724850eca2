/**
 * The local forge's issues: created with the plan's numbers, closed by hand (with comments kept)
 * or by a merged pull request whose body names them with a closing keyword.
 */
import type { Issue } from "../forge.ts";
import { issuesClosedBy } from "./closing-keywords.ts";
import {
  type ForgeLayout,
  type IssueRecord,
  issuePath,
  issueRecordSchema,
  readRecord,
  writeRecord,
} from "./forge-store.ts";
import { LocalForgeError } from "./local-forge-error.ts";

export interface IssueTracker {
  /** Creates the missing issues with the given numbers; existing ones are left as they are. */
  ensure(
    issues: readonly { number: number; title: string }[],
    pullRequestNumbers: ReadonlySet<number>,
  ): Promise<void>;
  get(number: number): Promise<Issue>;
  closeByHand(number: number, comment: string | undefined): Promise<Issue>;
  /** Closes the open issues `body` names with closing keywords; GitHub skips missing and closed ones too. */
  closeByPullRequest(body: string, pullRequest: number, commitSha: string): Promise<void>;
}

export function createIssueTracker(layout: ForgeLayout, now: () => string): IssueTracker {
  const read = (number: number) => readRecord(issuePath(layout, number), issueRecordSchema);
  const write = (record: IssueRecord) => writeRecord(issuePath(layout, record.number), record);

  async function load(number: number): Promise<IssueRecord> {
    const record = await read(number);
    if (!record) {
      throw new LocalForgeError(`The local forge has no issue #${number}.`, {
        hint: "Issues come from the plan's `issue` fields when the forge is prepared.",
      });
    }
    return record;
  }

  async function ensure(
    issues: readonly { number: number; title: string }[],
    pullRequestNumbers: ReadonlySet<number>,
  ): Promise<void> {
    for (const issue of issues) {
      if (await read(issue.number)) continue;
      if (pullRequestNumbers.has(issue.number)) {
        throw new LocalForgeError(
          `Issue #${issue.number} cannot be created: pull request #${issue.number} exists.`,
          {
            hint: "Issues and pull requests share one sequence of numbers; give the workstream an unused issue number.",
          },
        );
      }
      await write({
        number: issue.number,
        title: issue.title,
        state: "open",
        createdAt: now(),
        closedAt: null,
        closedBy: null,
        comments: [],
      });
    }
  }

  async function closeByHand(number: number, comment: string | undefined): Promise<Issue> {
    const issue = await load(number);
    const comments = comment ? [...issue.comments, { body: comment, createdAt: now() }] : issue.comments;
    // An issue a pull request closed keeps that record: closing it again by hand changes nothing.
    const closed: IssueRecord =
      issue.state === "closed"
        ? { ...issue, comments }
        : { ...issue, comments, state: "closed", closedAt: now(), closedBy: { kind: "manual" } };
    await write(closed);
    return issueView(closed);
  }

  async function closeByPullRequest(body: string, pullRequest: number, commitSha: string): Promise<void> {
    for (const number of issuesClosedBy(body)) {
      const issue = await read(number);
      if (!issue || issue.state === "closed") continue;
      await write({
        ...issue,
        state: "closed",
        closedAt: now(),
        closedBy: { kind: "pull_request", pullRequest, commitSha },
      });
    }
  }

  return { ensure, get: async (number) => issueView(await load(number)), closeByHand, closeByPullRequest };
}

function issueView(record: IssueRecord): Issue {
  return {
    number: record.number,
    title: record.title,
    state: record.state,
    closedAt: record.closedAt,
    closedBy: record.closedBy,
  };
}
