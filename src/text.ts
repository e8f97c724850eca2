/** Small text helpers shared by messages written for people (prompts' data, CLI output). */

/** Prefixes every line (trailing blank lines dropped). */
export function indentLines(text: string, prefix: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((line) => prefix + line)
    .join("\n");
}

/** Control characters other than newline and tab: C0, DEL and C1 (8-bit CSI included). */
const controlCharacter = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Text a worker wrote (a claim's summary, command output, a PR title), made safe to print for a
 * person: escape sequences could clear their screen, forge status lines or write their clipboard
 * (OSC 52). Each control character is shown as `\u00XX`, which also keeps JSON text valid JSON.
 */
export function printable(text: string): string {
  return text.replace(
    controlCharacter,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Worker-written text placed inline in Markdown (bundle.md, the PR comment, the report): on one
 * line, with every character that Markdown or HTML would read as structure escaped, so a summary
 * cannot add a heading, a table row, a link or a second "Verdict" line of its own.
 */
export function markdownInline(text: string): string {
  const escaped = text
    .replace(/\s*\n\s*/g, " ")
    .replace(/[\\`*[\]|~]/g, (character) => `\\${character}`)
    // An entity rather than a backslash: the raw Markdown then holds no tag either.
    .replaceAll("<", "&lt;")
    // An underscore inside a word (local_check) is no emphasis in CommonMark; one at a word's edge is.
    .replace(/(?<!\w)_|_(?!\w)/g, "\\_");
  return printable(escaped);
}

/** A size for people, in binary units: `812 bytes`, `4.5 KiB`, `100 MiB`, `2 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ["KiB", "MiB", "GiB", "TiB"];
  if (bytes < 1024) return `${bytes} bytes`;
  let size = bytes / 1024;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${Number(size.toFixed(1))} ${units[unit]}`;
}
