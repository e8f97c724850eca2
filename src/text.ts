/** Small text helpers shared by messages written for people (prompts' data, CLI output). */

/** Prefixes every line (trailing blank lines dropped). */
export function indentLines(text: string, prefix: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}
