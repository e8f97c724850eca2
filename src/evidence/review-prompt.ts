/**
 * The reviewer's request, rendered from prompts/review-request.md. Pure. Everything the worker could
 * have written (paths, the patch, gate output) goes inside a code fence longer than any backtick run
 * in it, so no text in the change can close the fence and pose as the supervisor's own words.
 */
import { renderPrompt } from "../prompts/index.ts";
import type { ReviewDiff, ReviewedFile } from "./review-diff.ts";

export interface ReviewedGate {
  id: string;
  status: string;
  detail: string;
}

export interface ReviewPromptInput {
  workstream: string;
  goal: string;
  brief: string | undefined;
  diff: ReviewDiff;
  diffLimitBytes: number;
  otherGates: readonly ReviewedGate[];
}

/** Files listed by name; a bigger change is counted (the patch note still names what was cut). */
const listedFilesLimit = 300;

export function renderReviewRequest(input: ReviewPromptInput): string {
  const { diff } = input;
  const listed = diff.files.slice(0, listedFilesLimit);
  const isCut = diff.cutFiles.length > 0 || diff.omittedFiles.length > 0 || diff.oversizedFiles.length > 0;
  return renderPrompt("review-request", {
    workstream: input.workstream,
    goal: input.goal.trim(),
    brief: input.brief?.trim() ?? "",
    base: diff.baseSha,
    commit: diff.commit,
    file_count: diff.files.length,
    file_list: fenced(listed.map(fileLine).join("\n"), "text"),
    files_not_listed: diff.files.length > listed.length ? String(diff.files.length - listed.length) : "",
    diff_cut: isCut ? "yes" : "",
    diff_shown_bytes: diff.shownBytes,
    cut_files: names(diff.cutFiles),
    omitted_files: names(diff.omittedFiles),
    oversized_files: names(diff.oversizedFiles),
    diff_limit_bytes: input.diffLimitBytes,
    diff: fenced(diff.patch, "diff"),
    other_gates: input.otherGates.map(gateSection).join("\n\n"),
    no_other_gates: input.otherGates.length === 0 ? "yes" : "",
  });
}

function fileLine(file: ReviewedFile): string {
  const path = file.previousPath === null ? file.path : `${file.previousPath} -> ${file.path}`;
  const lines = file.addedLines === null ? "binary" : `+${file.addedLines} -${file.removedLines ?? 0}`;
  return `${file.status} ${path} ${lines}`;
}

function gateSection(gate: ReviewedGate): string {
  return `### ${gate.id}: ${gate.status}\n${fenced(gate.detail, "text")}`;
}

/** Names joined for one line of the prompt; JSON quoting keeps a path with a comma or newline whole. */
function names(paths: readonly string[]): string {
  return paths.map((path) => JSON.stringify(path)).join(", ");
}

/** A Markdown code fence that the text cannot close: one backtick longer than its longest run. */
export function fenced(text: string, language: string): string {
  let longestRun = 0;
  for (const match of text.matchAll(/`+/g)) longestRun = Math.max(longestRun, match[0].length);
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  const body = text.endsWith("\n") || text === "" ? text : `${text}\n`;
  return `${fence}${language}\n${body}${fence}`;
}
