/**
 * Pure: a patch cut to a byte limit for the reviewer's prompt. Whole file patches are kept while
 * they fit, the first that does not is cut at a line, the rest are left out, and each is named so
 * the prompt can say what the reviewer did not see.
 */

export interface CappedPatch {
  patch: string;
  /** Bytes of the patch given, before the cut. */
  totalBytes: number;
  shownBytes: number;
  cutFiles: string[];
  omittedFiles: string[];
}

export function capPatch(patch: string, limitBytes: number): CappedPatch {
  const totalBytes = Buffer.byteLength(patch);
  if (totalBytes <= limitBytes) {
    return { patch, totalBytes, shownBytes: totalBytes, cutFiles: [], omittedFiles: [] };
  }
  const shown: string[] = [];
  const cutFiles: string[] = [];
  const omittedFiles: string[] = [];
  let remaining = limitBytes;
  for (const chunk of splitByFile(patch)) {
    const bytes = Buffer.byteLength(chunk);
    if (bytes <= remaining && cutFiles.length === 0) {
      shown.push(chunk);
      remaining -= bytes;
      continue;
    }
    const head = cutFiles.length === 0 ? headWithin(chunk, remaining) : "";
    if (head === "") {
      omittedFiles.push(labelOf(chunk));
    } else {
      shown.push(head);
      remaining -= Buffer.byteLength(head);
      cutFiles.push(labelOf(chunk));
    }
  }
  const text = shown.join("");
  return { patch: text, totalBytes, shownBytes: Buffer.byteLength(text), cutFiles, omittedFiles };
}

function splitByFile(patch: string): string[] {
  return patch.split(/(?=^diff --git )/m).filter((chunk) => chunk !== "");
}

/** The longest run of whole lines of the text within the byte budget. */
function headWithin(text: string, budgetBytes: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= budgetBytes) return text;
  const lastNewline = bytes.subarray(0, budgetBytes).lastIndexOf(0x0a);
  return lastNewline === -1 ? "" : bytes.subarray(0, lastNewline + 1).toString("utf8");
}

/** The path of a file patch, from `diff --git a/<path> b/<path>`; the header itself when it is ambiguous. */
function labelOf(chunk: string): string {
  const header = chunk.slice(
    "diff --git ".length,
    chunk.indexOf("\n") === -1 ? undefined : chunk.indexOf("\n"),
  );
  const renamedTo = /^rename to (.*)$/m.exec(chunk)?.[1];
  if (renamedTo !== undefined) return renamedTo;
  const half = (header.length - 1) / 2;
  if (Number.isInteger(half) && header.startsWith("a/") && header.slice(half + 1).startsWith("b/")) {
    const before = header.slice(2, half);
    if (before === header.slice(half + 3)) return before;
  }
  return header;
}
