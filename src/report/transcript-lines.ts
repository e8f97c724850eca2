/**
 * A worker's transcript (`transcripts/<ws>.jsonl`) as a person reads it in `supervise logs`: a CLI
 * agent's output lines as it printed them, tool calls and model turns on one line each, and a rule
 * where each start of the worker begins and ends. Pure: one transcript line in, text lines out.
 */
import { printable } from "../text.ts";

const maxSummaryLength = 160;

/** The lines one transcript entry shows; a line that is not a JSON object is shown as it is. */
export function transcriptEntryLines(line: string): string[] {
  let entry: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [printable(line)];
    entry = value as Record<string, unknown>;
  } catch {
    return [printable(line)];
  }
  const attempt = typeof entry.attempt === "number" ? ` ${entry.attempt}` : "";
  const text = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value ?? null));
  switch (entry.kind) {
    case "output":
      return [printable(text(entry.text))];
    case "start":
      return [
        `── start${attempt}: ${printable(entry.command !== undefined ? text(entry.command) : `model ${text(entry.model)}`)}`,
      ];
    case "exit":
      return [`── exit${attempt}: ${printable(text(entry.description))}`];
    case "tool_call":
      return [`→ ${text(entry.tool)} ${summary(JSON.stringify(entry.input ?? {}))}`];
    case "tool_result":
      return [
        `← ${text(entry.tool)}${entry.isError === true ? " (error)" : ""}: ${summary(text(entry.text))}`,
      ];
    case "request":
      return [`→ model turn ${text(entry.turn)}`];
    case "response":
      return responseLines(entry);
    case "api_error":
      return [`! model API error: ${summary(text(entry.message))}`];
    case "model_failure":
      return [`! model request failed: ${summary(text(entry.reason ?? entry.message ?? entry.error))}`];
    case "model_exchange":
      return [`· model exchange ${summary(text(entry.status ?? entry.outcome ?? ""))}`.trimEnd()];
    default:
      return [`· ${summary(JSON.stringify(entry))}`];
  }
}

function responseLines(entry: Record<string, unknown>): string[] {
  const content = Array.isArray(entry.content) ? (entry.content as Record<string, unknown>[]) : [];
  const lines = content.flatMap((block) => {
    if (block.type === "text" && typeof block.text === "string")
      return block.text.split("\n").map((line) => printable(line));
    return [];
  });
  // Tool uses are shown by the tool_call entries that follow.
  return lines;
}

/** One line, cut to a readable length. */
function summary(text: string): string {
  const line = printable(text.replace(/\s*\n\s*/g, " ⏎ "));
  return line.length > maxSummaryLength ? `${line.slice(0, maxSummaryLength - 1)}…` : line;
}
