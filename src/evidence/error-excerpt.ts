/**
 * The first error lines of a failed command's log: where a person starts reading. A tool's tail is
 * its summary ("1 failed", "could not compile"); the cause is its first error, often thousands of
 * lines above, and a later error is often only a consequence of the first.
 */
import { open } from "node:fs/promises";

/** Lines that state a failure, in the words of the common tools (cargo, rustfmt, vitest, node:test, pytest, go, tsc, eslint, prettier, black). */
const failureLine =
  /\b(?:error|errors|failed|failure|fail|panicked|assert\w*|exception|traceback|fatal)\b|error\[|^\s*not ok\b|✖|✗|×|^Diff in |^would reformat|^\[warn\]|^E {2,}|^--- FAIL/i;
/** A passing test's line, whose name may well say "error" ("✓ reports a parse error"). */
const passLine = /^\s*(?:✓|✔|√|ok \d|PASS\b)|\.\.\. ok$/;
/** Warnings count only when nothing failed outright (clippy with `-D warnings` says "warning:" first). */
const warningLine = /\bwarning\b/i;
/** Summary lines that name a failure word to say there was none. */
const noFailure = /\b(?:0|no) (?:errors?|failures?|failed|warnings?)\b|\bfailed:? 0\b|\berrors?:? 0\b/gi;
/** Colours, and the character-set resets (`ESC ( B`) terminfo's sgr0 adds, as rustfmt's diff prints them. */
const ansiEscape = /\u001b(?:\[[0-9;?]*[A-Za-z]|[()*+][0-9A-Za-z])/g;

export interface ExcerptLimits {
  /** Most lines in the excerpt, context included. */
  maxLines: number;
  /** Lines kept after each failure line: the location and code a compiler prints under its error. */
  contextLines: number;
  /** Longer lines are cut: a minified bundle in a log should not fill the excerpt. */
  maxLineLength: number;
}

export const defaultExcerptLimits: ExcerptLimits = { maxLines: 30, contextLines: 6, maxLineLength: 300 };

/**
 * Pure: the first failure lines of `log`, each with the lines under it up to a blank line, in log
 * order, with `…` where lines were left out between them; empty when no line reads as a failure.
 */
export function firstErrorLines(log: string, limits: ExcerptLimits = defaultExcerptLimits): string {
  const lines = log.replace(ansiEscape, "").split(/\r?\n/);
  const isFailure = (line: string) => !passLine.test(line) && failureLine.test(line.replace(noFailure, ""));
  const isWarning = (line: string) => !passLine.test(line) && warningLine.test(line.replace(noFailure, ""));
  const starts = lines.some(isFailure) ? isFailure : isWarning;
  const picked: number[] = [];
  for (let index = 0; index < lines.length && picked.length < limits.maxLines; index++) {
    if (!starts(lines[index]!)) continue;
    const last = Math.min(lines.length - 1, index + limits.contextLines);
    for (let line = index; line <= last && picked.length < limits.maxLines; line++) {
      if (line > index && lines[line]!.trim() === "") break;
      if (picked.at(-1) !== undefined && picked.at(-1)! >= line) continue;
      picked.push(line);
    }
  }
  const excerpt: string[] = [];
  for (const [position, line] of picked.entries()) {
    if (position > 0 && line !== picked[position - 1]! + 1) excerpt.push("…");
    const text = lines[line]!.trimEnd();
    excerpt.push(text.length > limits.maxLineLength ? `${text.slice(0, limits.maxLineLength)}…` : text);
  }
  return excerpt.join("\n");
}

/**
 * The start of a log file, where the first errors are; at most `maxBytes`, so a runaway log costs
 * no more to excerpt than a short one. Undefined when the file cannot be read.
 */
export async function readLogHead(file: string, maxBytes = 4 * 1024 * 1024): Promise<string | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(file, "r");
    const buffer = Buffer.alloc(Math.min(maxBytes, (await handle.stat()).size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
