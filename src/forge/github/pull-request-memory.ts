/**
 * What the github forge has seen of its pull requests in this process, so a step need not ask
 * GitHub for what an earlier answer already said. Two kinds of facts live here:
 *
 * - Facts that never go stale: pull request #n was merged as commit M (a merge commit belongs to
 *   one merge forever), after CI passed on the merge result T; this process created #n, so no
 *   earlier supervisor commented on it.
 * - Last-seen views (a pull request, a marked comment's body), which can be stale after someone
 *   acts by hand. Only steps that check again where it matters read them (`mayReuseKnown`); gates
 *   never do.
 */
import type { Landing, PullRequest } from "../forge.ts";

export interface KnownComment {
  id: number;
  url: string;
  /** The body as this process last wrote or read it. */
  body: string;
}

export interface PullRequestMemory {
  /** Records a pull request as an answer from GitHub showed it. */
  remember(pull: PullRequest): void;
  /** The last-seen pull request from head into base, if any. */
  known(head: string, base: string): PullRequest | undefined;
  knownByNumber(number: number): PullRequest | undefined;
  /** This process pushed `sha` to `branch`: an open pull request from it now has that head. */
  rememberPush(branch: string, sha: string): void;
  /** #number merged as `mergeCommitSha`: its last-seen view is dropped, the merge commit kept. */
  rememberMerge(number: number, mergeCommitSha: string): void;
  /** The pull request merged as `commitSha`, when this process has seen that merge. */
  mergedAs(commitSha: string): number | undefined;
  /** How merged pull request #number landed: a fact as lasting as its merge commit. */
  rememberLanding(number: number, landing: Landing): void;
  landingOf(number: number): Landing | undefined;
  rememberCreated(number: number): void;
  isCreatedHere(number: number): boolean;
  rememberComment(number: number, marker: string, comment: KnownComment): void;
  knownComment(number: number, marker: string): KnownComment | undefined;
  forgetComment(number: number, marker: string): void;
}

/**
 * Bounded so a long run over many workstreams stays small; the oldest entries go first, and a
 * forgotten fact only costs a request.
 */
const maxEntries = 1000;

export function createPullRequestMemory(): PullRequestMemory {
  const byHeadBase = new Map<string, PullRequest>();
  const mergeCommits = new Map<string, number>();
  const createdHere = new Set<number>();
  const comments = new Map<string, KnownComment>();
  const landings = new Map<number, Landing>();
  const headBaseKey = (head: string, base: string) => `${head}\n${base}`;
  const commentKey = (number: number, marker: string) => `${number}\n${marker}`;

  function bounded<K, V>(map: Map<K, V>, key: K, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > maxEntries) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }

  function knownByNumber(number: number): PullRequest | undefined {
    for (const pull of byHeadBase.values()) if (pull.number === number) return pull;
    return undefined;
  }

  return {
    remember(pull) {
      if (pull.isMerged && pull.mergeCommitSha) bounded(mergeCommits, pull.mergeCommitSha, pull.number);
      const key = headBaseKey(pull.head, pull.base);
      const current = byHeadBase.get(key);
      if (!current || current.number === pull.number || isPreferred(pull, current))
        bounded(byHeadBase, key, pull);
    },
    known: (head, base) => byHeadBase.get(headBaseKey(head, base)),
    knownByNumber,
    rememberPush(branch, sha) {
      for (const [key, pull] of byHeadBase) {
        if (pull.head === branch && pull.state === "open") byHeadBase.set(key, { ...pull, headSha: sha });
      }
    },
    rememberMerge(number, mergeCommitSha) {
      bounded(mergeCommits, mergeCommitSha, number);
      const pull = knownByNumber(number);
      if (pull) byHeadBase.delete(headBaseKey(pull.head, pull.base));
    },
    mergedAs: (commitSha) => mergeCommits.get(commitSha),
    rememberLanding: (number, landing) => bounded(landings, number, landing),
    landingOf: (number) => landings.get(number),
    rememberCreated(number) {
      createdHere.add(number);
      if (createdHere.size > maxEntries) {
        const oldest = createdHere.values().next().value;
        if (oldest !== undefined) createdHere.delete(oldest);
      }
    },
    isCreatedHere: (number) => createdHere.has(number),
    rememberComment: (number, marker, comment) => bounded(comments, commentKey(number, marker), comment),
    knownComment: (number, marker) => comments.get(commentKey(number, marker)),
    forgetComment: (number, marker) => {
      comments.delete(commentKey(number, marker));
    },
  };
}

/** The one findPullRequest answers with: the open pull request, else the newest. */
function isPreferred(candidate: PullRequest, current: PullRequest): boolean {
  if (candidate.state !== current.state) return candidate.state === "open";
  return candidate.number > current.number;
}
