/**
 * What fetching a worker's commit into the mirror would copy: the objects of its history that the
 * mirror lacks, counted and sized (as stored, compressed) in the checkout before anything moves.
 * git's own bound on a received pack (receive.maxInputSize) applies to pushes only, and the
 * mirror fetches; a history of a thousand commits each with a new 100 MiB file passes every tree
 * limit and would still copy 100 GiB.
 */
import { formatBytes } from "../text.ts";
import type { TreeReader } from "./tree-size.ts";

export interface IncomingObjects {
  objects: number;
  /** On disk in the checkout: what the mirror's pack of them comes to, about. */
  bytes: number;
}

export interface IncomingLimits {
  maxObjects: number;
  maxBytes: number;
}

/**
 * Ten times the files a tree may hold, for the commits and folders around them; and the bytes a
 * whole checked-out tree may hold, which its history, compressed, needs no more than.
 */
export const defaultIncomingLimits: IncomingLimits = { maxObjects: 500_000, maxBytes: 2 * 1024 ** 3 };

/** `sha`'s objects not reachable from `known` (the mirror's refs), as `git rev-list` counts them. */
export async function measureIncoming(
  git: Pick<TreeReader, "raw">,
  sha: string,
  known: readonly string[],
): Promise<IncomingObjects> {
  const input = `${[sha, ...known.map((object) => `^${object}`)].join("\n")}\n`;
  // Two walks: rev-list prints nonsense for --count with --disk-usage together (git 2.39).
  const objects = Number((await git.raw(["rev-list", "--objects", "--count", "--stdin"], { input })).trim());
  const bytes = Number(
    (await git.raw(["rev-list", "--objects", "--disk-usage", "--stdin"], { input })).trim(),
  );
  return { objects, bytes };
}

/** Pure: why the fetch would copy too much, or null. */
export function incomingLimitProblem(incoming: IncomingObjects, limits: IncomingLimits): string | null {
  const problems: string[] = [];
  if (incoming.objects > limits.maxObjects) {
    problems.push(
      `${incoming.objects.toLocaleString("en-US")} objects, over the ${limits.maxObjects.toLocaleString("en-US")}`,
    );
  }
  if (incoming.bytes > limits.maxBytes) {
    problems.push(`${formatBytes(incoming.bytes)} as stored, over the ${formatBytes(limits.maxBytes)}`);
  }
  if (problems.length === 0) return null;
  return `the claimed commit's history brings ${problems.join(" and ")} the supervisor copies into its mirror`;
}
