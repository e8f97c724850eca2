/**
 * One comment per purpose on a pull request (the evidence bundle, say), found again by a hidden
 * HTML marker in its body: updated in place when it exists, created once when it does not, left
 * alone when unchanged. Pull request conversation comments are issue comments on GitHub.
 */
import type { PullRequestComment } from "../forge.ts";
import { createOnce } from "./create-once.ts";
import { describeRequestFailure, hasStatus } from "./github-forge-error.ts";
import type { IssueContext } from "./issues.ts";

/** A marker is an HTML comment, which GitHub's Markdown hides: `<!-- supervise:bundle -->`. */
const markerPattern = /^<!--(?:(?!-->)[\s\S])+-->$/;

export function commentBodyWithMarker(marker: string, body: string): string {
  if (!markerPattern.test(marker)) {
    throw new Error(
      `A comment marker must be one HTML comment such as "<!-- supervise:bundle -->"; got ${JSON.stringify(marker)}.`,
    );
  }
  return body.startsWith(marker) ? body : `${marker}\n${body}`;
}

export async function upsertPullRequestComment(
  context: IssueContext,
  request: { number: number; marker: string; body: string },
): Promise<PullRequestComment> {
  const { client, repository, memory } = context;
  const body = commentBodyWithMarker(request.marker, request.body);
  const remembered = (comment: { id: number; html_url: string; body?: string | undefined }) => {
    memory.rememberComment(request.number, request.marker, {
      id: comment.id,
      url: comment.html_url,
      body: comment.body ?? "",
    });
    return comment;
  };
  const known = memory.knownComment(request.number, request.marker);
  if (known) {
    // This process wrote or read the comment last; someone editing it by hand in between is not
    // worth a read per write (the comment is a copy of bundle.md, not evidence).
    if (known.body === body) return { id: known.id, url: known.url, action: "unchanged" };
    try {
      const { data } = await client.rest.issues.updateComment({ ...repository, comment_id: known.id, body });
      remembered(data);
      return { id: data.id, url: data.html_url, action: "updated" };
    } catch (error) {
      // Deleted by hand: made again below, once.
      if (!hasStatus(error, 404))
        throw describeRequestFailure(error, `comment on pull request #${request.number}`);
      memory.forgetComment(request.number, request.marker);
    }
  }
  const findMarked = async () => {
    const comments = await client.paginate(client.rest.issues.listComments, {
      ...repository,
      issue_number: request.number,
      per_page: 100,
    });
    // The oldest marked comment is the one kept; comments list oldest first.
    return comments.find((comment) => comment.body?.includes(request.marker)) ?? null;
  };
  try {
    // A pull request this process created has no comment an earlier supervisor left.
    const existing = known || !memory.isCreatedHere(request.number) ? await findMarked() : null;
    if (existing) {
      remembered(existing);
      if (existing.body === body) return { id: existing.id, url: existing.html_url, action: "unchanged" };
      const { data } = await client.rest.issues.updateComment({
        ...repository,
        comment_id: existing.id,
        body,
      });
      remembered(data);
      return { id: data.id, url: data.html_url, action: "updated" };
    }
    let isCreated = false;
    const comment = await createOnce({
      find: findMarked,
      create: async () => {
        const { data } = await client.rest.issues.createComment({
          ...repository,
          issue_number: request.number,
          body,
          request: { retries: 0 },
        });
        isCreated = true;
        return data;
      },
      sleep: context.sleep,
      retryAfterBaseValueMs: context.retryAfterBaseValueMs,
    });
    if (isCreated || comment.body === body) {
      remembered(comment);
      return { id: comment.id, url: comment.html_url, action: "created" };
    }
    // An attempt whose response was lost made it; this call's body still has to land.
    const { data } = await client.rest.issues.updateComment({ ...repository, comment_id: comment.id, body });
    remembered(data);
    return { id: data.id, url: data.html_url, action: "created" };
  } catch (error) {
    throw describeRequestFailure(error, `comment on pull request #${request.number}`);
  }
}
