/**
 * Lines added and removed between two texts, as multisets of trimmed, non-blank lines. Order is
 * ignored on purpose: a test moved or re-indented is not a new line, so an `it.skip` that already
 * existed does not read as added when its block moves, while a second copy of a line does.
 */

export interface LineChanges {
  added: string[];
  removed: string[];
}

export function lineChanges(before: string, after: string): LineChanges {
  const beforeLines = significantLines(before);
  const afterLines = significantLines(after);
  return {
    added: multisetDifference(afterLines, beforeLines),
    removed: multisetDifference(beforeLines, afterLines),
  };
}

export function significantLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** The items of `from` left after taking away one occurrence for each item of `minus`, in `from`'s order. */
export function multisetDifference<Item>(
  from: readonly Item[],
  minus: readonly Item[],
  keyOf: (item: Item) => string = String,
): Item[] {
  const remaining = new Map<string, number>();
  for (const item of minus) remaining.set(keyOf(item), (remaining.get(keyOf(item)) ?? 0) + 1);
  const difference: Item[] = [];
  for (const item of from) {
    const count = remaining.get(keyOf(item)) ?? 0;
    if (count > 0) remaining.set(keyOf(item), count - 1);
    else difference.push(item);
  }
  return difference;
}
