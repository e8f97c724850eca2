/**
 * Maps a field path of the plan (`["workstreams", 1, "depends_on", 0]`) back to where it is written
 * in the YAML source, so every problem can name `file:line:column`.
 */
import {
  type Document,
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
} from "yaml";
import type { PlanProblem } from "../errors.ts";

export type PlanPath = readonly (string | number)[];

/** 1-based, as editors count. */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface PlanLocator {
  readonly file: string;
  /** Where the value at `path` starts; the nearest enclosing mapping or list when the path is absent. */
  valueAt(path: PlanPath): SourcePosition;
  /** Where the key of the field at `path` starts; falls back to `valueAt` when there is no such key. */
  keyAt(path: PlanPath): SourcePosition;
  /** Whether the source writes the value at `path` (false when a default supplies it). */
  has(path: PlanPath): boolean;
}

const documentStart: SourcePosition = { line: 1, column: 1 };

/** `workstreams[1].depends_on[0]`: the spelling PlanProblem.path uses. */
export function formatPlanPath(path: PlanPath): string {
  let text = "";
  for (const segment of path) {
    text += typeof segment === "number" ? `[${segment}]` : text === "" ? segment : `.${segment}`;
  }
  return text;
}

export function problemAt(
  locate: PlanLocator,
  path: PlanPath,
  message: string,
  position: SourcePosition = locate.valueAt(path),
): PlanProblem {
  return {
    file: locate.file,
    line: position.line,
    column: position.column,
    path: formatPlanPath(path),
    message,
  };
}

/** The pair for `key` in a mapping; the last one when a key repeats, as `toJS` keeps the last value. */
export function findPair(map: Node, key: string | number): Pair | undefined {
  if (!isMap(map)) return undefined;
  return map.items.findLast((pair) => isScalar(pair.key) && String(pair.key.value) === String(key));
}

interface Walk {
  /** The node at the end of the path, when the whole path exists. */
  node: Node | undefined;
  /** The last node reached on the way. */
  nearest: Node | undefined;
  /** The key of the last segment, when it is a mapping key. */
  key: Node | undefined;
}

function walk(document: Document, path: PlanPath): Walk {
  let current: unknown = document.contents;
  let nearest: Node | undefined = isNode(current) ? current : undefined;
  let key: Node | undefined;
  for (const [index, segment] of path.entries()) {
    // An alias stands for its anchor's node; problems inside it point at the anchor's text.
    if (isAlias(current)) current = current.resolve(document);
    let next: unknown;
    if (isMap(current)) {
      const pair = findPair(current, segment);
      if (index === path.length - 1 && isNode(pair?.key)) key = pair.key;
      next = pair === undefined ? undefined : (pair.value ?? pair.key);
    } else if (isSeq(current) && typeof segment === "number") {
      next = current.items[segment];
    }
    if (!isNode(next)) return { node: undefined, nearest, key };
    current = next;
    nearest = next;
  }
  return { node: isNode(current) ? current : undefined, nearest, key };
}

export function createPlanLocator(document: Document, lineCounter: LineCounter, file: string): PlanLocator {
  const positionOf = (node: Node | undefined): SourcePosition => {
    const offset = node?.range?.[0];
    if (offset === undefined) return documentStart;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return {
    file,
    valueAt: (path) => positionOf(walk(document, path).nearest),
    keyAt: (path) => {
      const { key, nearest } = walk(document, path);
      return positionOf(key ?? nearest);
    },
    has: (path) => walk(document, path).node !== undefined,
  };
}
