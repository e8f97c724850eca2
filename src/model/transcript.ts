/**
 * Transcripts: every model request/response or CLI agent output line of a workstream, one JSON
 * object a line in `transcripts/<ws>.jsonl`, secrets redacted before they reach the disk.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Clock } from "../clock.ts";
import type { Redactor } from "../sandbox/index.ts";

export interface TranscriptWriter {
  write(entry: Record<string, unknown>): void;
}

/**
 * Appends synchronously: entries arrive from output callbacks in order, and a sync append keeps
 * that order without a queue; transcript lines are small and best-effort (the journal is the truth).
 */
export function createTranscriptWriter(
  file: string,
  clock: Clock,
  redact: Redactor,
  onFailure: (error: unknown) => void = () => {},
): TranscriptWriter {
  let hasFailed = false;
  return {
    write(entry) {
      if (hasFailed) return;
      const line = JSON.stringify({ ts: new Date(clock.now()).toISOString(), ...entry });
      try {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, `${redact(line)}\n`);
      } catch (error) {
        // A full disk must not crash a worker's output handler: the journal (which does stop the run
        // on a failed write) stays the truth; the transcript stops and says why once.
        hasFailed = true;
        onFailure(error);
      }
    },
  };
}
