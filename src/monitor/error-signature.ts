/**
 * The error signature of a failing command's output: its error lines, with what changes from run
 * to run (numbers, hex ids, durations, temp paths) blanked. Two runs with the same signature fail
 * for the same reason, whatever command printed it and whatever was edited in between.
 */

const errorLine =
  /\b(error|errors|fail|failed|failing|failure|exception|assert\w*|traceback|panicked|cannot|undefined|not found|expected)\b/i;

const maxSignatureLines = 12;

/** An empty string when the output names no error: nothing to compare, so never a repeat. */
export function errorSignature(output: string): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const raw of output.split("\n")) {
    if (!errorLine.test(raw)) continue;
    const line = normalize(raw);
    if (line.length === 0 || seen.has(line)) continue;
    seen.add(line);
    lines.push(line);
    if (lines.length === maxSignatureLines) break;
  }
  return lines.join("\n");
}

function normalize(line: string): string {
  return line
    .replace(/\u001b\[[0-9;]*m/g, "")
    .replace(/\/tmp\/[^\s:'"]+/g, "/tmp/…")
    .replace(/\d+(\.\d+)?\s*(ms|s|sec|seconds)\b/g, "0s")
    .replace(/\b[0-9a-f]{7,40}\b/gi, "x")
    .replace(/\d+/g, "0")
    .replace(/\s+/g, " ")
    .trim();
}
