/**
 * The values a JavaScript config file gives a key, read as text: `setupFiles: ["./a.js", "./b.js"]`
 * gives `["./a.js", "./b.js"]`. A config module cannot be evaluated safely (it is the claim's code),
 * so the value is the balanced run of brackets and strings after `key:`; a value spread over lines
 * is still one value, so an entry added inside an existing array changes it. Pure.
 */

/** Each raw value written after `key:` (or `"key":`), in order; empty when the key is absent. */
export function keyValues(text: string, key: string): string[] {
  const values: string[] = [];
  const pattern = new RegExp(`(?<![\\w$.-])(["']?)${escapeRegExp(key)}\\1\\s*:`, "g");
  for (const match of text.matchAll(pattern)) {
    values.push(valueAt(text, match.index + match[0].length));
  }
  return values;
}

/** The text from `start` to the end of the value: the first `,` `}` `]` `)` or line end outside brackets and strings. */
function valueAt(text: string, start: number): string {
  let depth = 0;
  let index = start;
  while (index < text.length && /[ \t]/.test(text[index]!)) index++;
  const from = index;
  while (index < text.length) {
    const character = text[index]!;
    if (character === '"' || character === "'" || character === "`") {
      index = stringEnd(text, index);
      continue;
    }
    if (character === "/" && text[index + 1] === "/") {
      if (depth === 0) break;
      while (index < text.length && text[index] !== "\n") index++;
      continue;
    }
    if ("([{".includes(character)) depth++;
    else if (")]}".includes(character)) {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && (character === "," || character === "\n" || character === ";")) break;
    index++;
  }
  return text.slice(from, index).trim();
}

/** The index just past the string literal opening at `start`. */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  let index = start + 1;
  while (index < text.length && text[index] !== quote) {
    if (text[index] === "\\") index++;
    else if (text[index] === "\n" && quote !== "`") return index;
    index++;
  }
  return index + 1;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
}
