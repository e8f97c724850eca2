/**
 * GitHub's closing keywords: "Fixes #12" in a pull request's body closes issue 12 when the pull
 * request merges. https://docs.github.com/en/issues/tracking-your-work-with-issues/linking-a-pull-request-to-an-issue
 * Only same-repository references (`#N`) count: `owner/repo#N` names another repository's issue.
 */
const closingReference = /(?<!\w)(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?):?\s+#(\d+)\b/gi;

/** The issue numbers a pull request body closes, in order of first mention, without repeats. */
export function issuesClosedBy(body: string): number[] {
  const numbers = new Set<number>();
  for (const match of body.matchAll(closingReference)) numbers.add(Number(match[1]));
  return [...numbers];
}

/**
 * Turns every closing reference to an issue other than `keep` into a plain mention ("Refs #N"),
 * so one workstream's pull request cannot close another workstream's issue on merge.
 */
export function withoutForeignClosingReferences(
  body: string,
  keep: number | undefined,
): { body: string; removed: number[] } {
  const removed = new Set<number>();
  const rewritten = body.replace(closingReference, (match, number: string) => {
    if (Number(number) === keep) return match;
    removed.add(Number(number));
    return `Refs #${number}`;
  });
  return { body: rewritten, removed: [...removed] };
}
